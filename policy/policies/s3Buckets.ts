/**
 * S3 buckets are explicitly encrypted and block public access. S3 has encrypted new objects by default since
 * January 2023, but the default is an account-independent implicit setting; these policies want it stated in code,
 * reviewable and drift-detected. With @pulumi/aws v7 both settings are separate resources
 * (BucketServerSideEncryptionConfiguration, BucketPublicAccessBlock) pointing at the bucket by name, hence stack
 * policies that match them to buckets (lib/references.ts explains the matching and its one leniency).
 */
import type { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { DEFAULT_ENFORCEMENT, POLICY } from "../config";
import { Reference, Resolved, referenceOf, resolve } from "../lib/references";
import { asList, isRecord, isUnknown } from "../lib/values";

const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"] as const;
const ENCRYPTION_TYPES = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
] as const;
const PUBLIC_ACCESS_BLOCK_TYPE = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;
const SSE_ALGORITHMS = new Set(["AES256", "aws:kms", "aws:kms:dsse"]);

export const s3BucketEncryption: StackValidationPolicy = {
    name: POLICY.s3Encryption,
    description: "Every S3 bucket has an explicit server-side encryption configuration.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.s3Encryption],
    validateStack: validateBucketEncryption,
};

export const s3BucketPublicAccessBlock: StackValidationPolicy = {
    name: POLICY.s3PublicAccess,
    description: "Every S3 bucket has a public access block with all four settings enabled.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.s3PublicAccess],
    validateStack: validateBucketPublicAccessBlock,
};

export function validateBucketEncryption(args: StackValidationArgs, reportViolation: ReportViolation): void {
    const buckets = resolve(args.resources, BUCKET_TYPES);
    const configs = resolve(args.resources, ENCRYPTION_TYPES);
    for (const bucket of buckets) {
        // The bucket's own (deprecated) serverSideEncryptionConfiguration does not count: stack policies see outputs,
        // where AWS's implicit default encryption shows up in that field too, indistinguishable from a stated one.
        const found = settingsFor(bucket, configs, buckets);
        if (found === "lenient") continue;
        if (found.length === 0) {
            reportViolation(`S3 bucket ${describe(bucket)} has no aws.s3.BucketServerSideEncryptionConfiguration.`, bucket.resource.urn);
        } else if (!found.some((c) => hasDefaultEncryption(c.props.rules))) {
            reportViolation(
                `S3 bucket ${describe(bucket)}: its encryption configuration sets no default sseAlgorithm (AES256, aws:kms or aws:kms:dsse).`,
                bucket.resource.urn,
            );
        }
    }
}

export function validateBucketPublicAccessBlock(args: StackValidationArgs, reportViolation: ReportViolation): void {
    const buckets = resolve(args.resources, BUCKET_TYPES);
    const blocks = resolve(args.resources, [PUBLIC_ACCESS_BLOCK_TYPE]);
    for (const bucket of buckets) {
        const found = settingsFor(bucket, blocks, buckets);
        if (found === "lenient") continue;
        if (found.length === 0) {
            reportViolation(`S3 bucket ${describe(bucket)} has no aws.s3.BucketPublicAccessBlock.`, bucket.resource.urn);
            continue;
        }
        // An unknown flag is not known to be false: lenient for that flag only.
        const off = PUBLIC_ACCESS_FLAGS.filter((flag) => found.every((b) => b.props[flag] !== true && !isUnknown(b.props[flag])));
        if (off.length > 0) {
            reportViolation(`S3 bucket ${describe(bucket)}: its public access block must set ${off.join(", ")} to true.`, bucket.resource.urn);
        }
    }
}

/**
 * The settings resources pointing at `bucket`, or "lenient" when none is found but some settings resource's
 * target cannot be told during preview (and might be this bucket).
 */
function settingsFor(bucket: Resolved, settings: Resolved[], buckets: Resolved[]): Resolved[] | "lenient" {
    const refs = settings.map((s) => ({ s, ref: referenceOf(s, "bucket", BUCKET_TYPES) }));
    const matched = refs.filter(({ ref }) => pointsAt(ref, bucket)).map(({ s }) => s);
    if (matched.length > 0) return matched;
    const unattributable = refs.some(({ ref }) => ref.kind === "unattributable");
    const bucketNameUnknown = identities(bucket).size === 0;
    const orphans = refs.some(({ ref }) => ref.kind === "value" && !buckets.some((b) => pointsAt(ref, b)));
    return unattributable || (bucketNameUnknown && orphans) ? "lenient" : [];
}

function pointsAt(ref: Reference, bucket: Resolved): boolean {
    if (ref.kind === "resource") return ref.urn === bucket.resource.urn;
    return ref.kind === "value" && identities(bucket).has(ref.value);
}

/** A bucket's known names: `bucket` and `id` (equal for S3 buckets, but either may be what a reference holds). */
function identities(bucket: Resolved): Set<string> {
    return new Set([bucket.props.bucket, bucket.props.id].filter((v): v is string => typeof v === "string" && v !== ""));
}

function hasDefaultEncryption(rules: unknown): boolean {
    if (isUnknown(rules)) return true;
    return asList(rules).some((rule) => {
        if (isUnknown(rule)) return true;
        const byDefault = isRecord(rule) ? rule.applyServerSideEncryptionByDefault : undefined;
        if (isUnknown(byDefault)) return true;
        const algorithm = isRecord(byDefault) ? byDefault.sseAlgorithm : undefined;
        return isUnknown(algorithm) || (typeof algorithm === "string" && SSE_ALGORITHMS.has(algorithm));
    });
}

function describe(bucket: Resolved): string {
    const name = bucket.props.bucket;
    return typeof name === "string" ? `${bucket.resource.name} (${name})` : bucket.resource.name;
}
