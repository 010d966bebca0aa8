import { expect } from "chai";
import type { PolicyResource } from "@pulumi/policy";
import { s3BucketEncryption, s3BucketPublicAccessBlock } from "../../policy/policies/s3Buckets";
import { UNKNOWN_BOOLEAN, UNKNOWN_STRING, checkStack, stackResource } from "./policyArgs";

const bucket = (name: string, props: Record<string, unknown> = {}) =>
    stackResource({ type: "aws:s3/bucket:Bucket", name, props: { bucket: `${name}-a1b2c3`, id: `${name}-a1b2c3`, arn: `arn:aws:s3:::${name}-a1b2c3`, ...props } });

const encryption = (name: string, bucketRef: unknown, algorithm: unknown = "aws:kms", dependsOn: PolicyResource[] = []) =>
    stackResource({
        type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        name,
        props: { bucket: bucketRef, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: algorithm }, bucketKeyEnabled: true }] },
        propertyDependencies: dependsOn.length ? { bucket: dependsOn } : {},
    });

const ALL_BLOCKED = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const publicAccessBlock = (name: string, bucketRef: unknown, flags: Record<string, unknown> = ALL_BLOCKED, dependsOn: PolicyResource[] = []) =>
    stackResource({
        type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        name,
        props: { bucket: bucketRef, ...flags },
        propertyDependencies: dependsOn.length ? { bucket: dependsOn } : {},
    });

describe("policy s3-bucket-encryption", () => {
    it("passes buckets with an encryption configuration naming them", async () => {
        expect(await checkStack(s3BucketEncryption, [bucket("reports"), encryption("reports-sse", "reports-a1b2c3")])).to.be.empty;
        expect(await checkStack(s3BucketEncryption, [bucket("logs"), encryption("logs-sse", "logs-a1b2c3", "AES256")])).to.be.empty;
    });

    it("reports buckets without one, or whose configuration sets no default algorithm, against the bucket's URN", async () => {
        const reports = bucket("reports");
        const violations = await checkStack(s3BucketEncryption, [reports, bucket("logs"), encryption("other-sse", "someone-elses-bucket")]);
        expect(violations.map((v) => v.urn)).to.deep.equal([reports.urn, bucket("logs").urn]);
        expect(violations[0].message).to.equal("S3 bucket reports (reports-a1b2c3) has no aws.s3.BucketServerSideEncryptionConfiguration.");
        const noAlgorithm = await checkStack(s3BucketEncryption, [reports, encryption("reports-sse", "reports-a1b2c3", "none")]);
        expect(noAlgorithm).to.have.length(1);
        expect(noAlgorithm[0].message).to.contain("no default sseAlgorithm");
    });

    it("does not take the bucket's own serverSideEncryptionConfiguration output (AWS reports its implicit default there)", async () => {
        const implicit = bucket("reports", { serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } } });
        expect(await checkStack(s3BucketEncryption, [implicit])).to.have.length(1);
    });

    it("matches through property dependencies when the bucket name is unknown during preview", async () => {
        const reports = bucket("reports", { bucket: UNKNOWN_STRING, id: UNKNOWN_STRING });
        const logs = bucket("logs", { bucket: UNKNOWN_STRING, id: UNKNOWN_STRING });
        const violations = await checkStack(s3BucketEncryption, [reports, logs, encryption("reports-sse", UNKNOWN_STRING, "aws:kms", [reports])]);
        expect(violations.map((v) => v.urn)).to.deep.equal([logs.urn]);
    });

    it("is lenient only when a configuration's bucket cannot be told at all", async () => {
        const violations = await checkStack(s3BucketEncryption, [bucket("reports"), encryption("mystery-sse", UNKNOWN_STRING)]);
        expect(violations).to.be.empty;
    });
});

describe("policy s3-bucket-public-access-block", () => {
    it("passes buckets whose public access block enables all four settings", async () => {
        expect(await checkStack(s3BucketPublicAccessBlock, [bucket("reports"), publicAccessBlock("reports-pab", "reports-a1b2c3")])).to.be.empty;
    });

    it("reports a missing block and names the settings left off", async () => {
        expect(await checkStack(s3BucketPublicAccessBlock, [bucket("reports")])).to.have.length(1);
        const partial = await checkStack(s3BucketPublicAccessBlock, [
            bucket("reports"),
            publicAccessBlock("reports-pab", "reports-a1b2c3", { blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true }),
        ]);
        expect(partial.map((v) => v.message)).to.deep.equal([
            "S3 bucket reports (reports-a1b2c3): its public access block must set blockPublicPolicy, restrictPublicBuckets to true.",
        ]);
    });

    it("treats an unknown flag as not known to be off, and matches unknown references through dependencies", async () => {
        const reports = bucket("reports", { id: UNKNOWN_STRING });
        const block = publicAccessBlock("reports-pab", UNKNOWN_STRING, { ...ALL_BLOCKED, restrictPublicBuckets: UNKNOWN_BOOLEAN }, [reports]);
        expect(await checkStack(s3BucketPublicAccessBlock, [reports, block])).to.be.empty;
        const off = publicAccessBlock("reports-pab", UNKNOWN_STRING, { ...ALL_BLOCKED, ignorePublicAcls: false }, [reports]);
        expect(await checkStack(s3BucketPublicAccessBlock, [reports, off])).to.have.length(1);
    });
});
