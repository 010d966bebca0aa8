import { expect } from "chai";
import { logGroupRetention, s3BucketAccessLogging } from "../../policy/policies/logging";
import { exemptionTag } from "../../policy/lib/exemptions";
import { S3_ACCESS_LOGGING_EXEMPTION_TAG } from "../../components/shared/policyExemptions";
import { UNKNOWN_STRING, checkResource, checkStack, stackResource } from "./policyArgs";

const logGroup = (props: Record<string, unknown>, config?: object) =>
    checkResource(logGroupRetention, { type: "aws:cloudwatch/logGroup:LogGroup", props, config: config as never }).then((r) => r.map((v) => v.message));

describe("policy cloudwatch-log-group-retention", () => {
    it("passes a log group with retention at or above the floor", async () => {
        expect(await logGroup({ retentionInDays: 30 })).to.be.empty;
        expect(await logGroup({ retentionInDays: 365 })).to.be.empty;
    });
    it("reports a log group kept forever, or shorter than the floor", async () => {
        expect(await logGroup({ name: "x" })).to.deep.equal(["The log group keeps events forever: set retentionInDays (at least 30)."]);
        expect(await logGroup({ retentionInDays: 0 })).to.have.length(1);
        expect(await logGroup({ retentionInDays: 7 })).to.deep.equal(["The log group keeps events 7 days, fewer than the 30 this pack requires."]);
    });
    it("takes the floor from config", async () => {
        const config = { "cloudwatch-log-group-retention": { minimumRetentionDays: 365 } };
        expect(await logGroup({ retentionInDays: 30 }, config)).to.have.length(1);
    });
});

describe("policy s3-bucket-access-logging", () => {
    const TAG = exemptionTag("s3-bucket-access-logging");
    const bucket = (name: string, tags?: Record<string, unknown>) =>
        stackResource({ type: "aws:s3/bucket:Bucket", name, props: { id: `${name}-1`, bucket: `${name}-1`, ...(tags ? { tags } : {}) } });
    const logging = (bucketName: unknown, targetBucket = "logs-1") =>
        stackResource({ type: "aws:s3/bucketLogging:BucketLogging", name: `logging-${String(bucketName)}`, props: { bucket: bucketName, targetBucket, targetPrefix: "s3/" } });

    it("passes a bucket with access logging, the log target itself, and an exempted bucket", async () => {
        expect(await checkStack(s3BucketAccessLogging, [bucket("data"), bucket("logs"), logging("data-1")])).to.be.empty;
        expect(await checkStack(s3BucketAccessLogging, [bucket("lists", { [TAG]: "private, audited with CloudTrail data events" })])).to.be.empty;
    });

    it("reports a bucket without logging, and an exemption without a reason", async () => {
        const violations = await checkStack(s3BucketAccessLogging, [bucket("data"), bucket("lists", { [TAG]: " " })]);
        expect(violations.map((v) => v.message)).to.deep.equal([
            `S3 bucket data logs no access: add an aws.s3.BucketLogging, or tag it ${TAG} with the reason.`,
            `S3 bucket lists: the ${TAG} tag is empty; its value must say why the bucket logs no access.`,
        ]);
    });

    it("is lenient while a logging resource's bucket is unknown during preview", async () => {
        expect(await checkStack(s3BucketAccessLogging, [bucket("data"), logging(UNKNOWN_STRING)])).to.be.empty;
    });

    it("uses the tag key our components write", () => {
        expect(S3_ACCESS_LOGGING_EXEMPTION_TAG).to.equal(TAG);
    });
});
