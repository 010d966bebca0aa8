import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { validated, whenKnown } from "../shared/validation";
import { S3_ACCESS_LOGGING_EXEMPTION_TAG, noAccessLogsReason } from "../shared/policyExemptions";

/** Storage classes reports may move to (an object of constants, so other Pulumi languages see an enum). */
export const ReportStorageClass = {
    STANDARD_IA: "STANDARD_IA",
    ONEZONE_IA: "ONEZONE_IA",
    INTELLIGENT_TIERING: "INTELLIGENT_TIERING",
    GLACIER_IR: "GLACIER_IR",
    GLACIER: "GLACIER",
    DEEP_ARCHIVE: "DEEP_ARCHIVE",
} as const;
export type ReportStorageClass = (typeof ReportStorageClass)[keyof typeof ReportStorageClass];

// S3 refuses transitions to the infrequent-access classes before an object is 30 days old.
const MINIMUM_TRANSITION_DAYS: Record<ReportStorageClass, number> = {
    STANDARD_IA: 30,
    ONEZONE_IA: 30,
    INTELLIGENT_TIERING: 0,
    GLACIER_IR: 0,
    GLACIER: 0,
    DEEP_ARCHIVE: 0,
};

/** When reports move to a colder storage class. */
export interface ReportTransition {
    /** Days after a report is written. Required (at least 30 for STANDARD_IA and ONEZONE_IA). */
    afterDays: pulumi.Input<number>;
    /** The storage class. Required. */
    storageClass: pulumi.Input<ReportStorageClass>;
}

/** Options of the tracker's report bucket (named without "Args": other languages' SDKs append it). */
export interface ReportBucketSettings {
    /** Bucket name prefix; AWS appends a unique suffix (1-37 lower-case letters, digits, dots, dashes). Default: generated from the component name. */
    namePrefix?: pulumi.Input<string>;
    /** Let `pulumi destroy` delete the bucket with every report in it. Default false: reports are audit records. */
    forceDestroy?: pulumi.Input<boolean>;
    /** ARN of a customer managed KMS key: SSE-KMS with an S3 bucket key. Default: SSE-S3 (AES-256). */
    kmsKeyArn?: pulumi.Input<string>;
    /** Move reports to a colder storage class after `afterDays` days. Default: stay in S3 Standard. */
    transition?: ReportTransition;
    /** Expire reports (current versions) this many days after they are written. Default: kept forever. */
    expireAfterDays?: pulumi.Input<number>;
    /** Permanently delete noncurrent (overwritten or expired) versions after this many days. Default: kept forever. */
    noncurrentVersionExpireAfterDays?: pulumi.Input<number>;
}

/** The former name of ReportBucketSettings. */
export type ReportBucketArgs = ReportBucketSettings;

/** The former name of ReportTransition. */
export type ReportTransitionArgs = ReportTransition;

/** The bucket options with every output resolved. */
interface KnownReportBucketArgs {
    namePrefix?: string;
    forceDestroy?: boolean;
    transition?: { afterDays: number; storageClass: ReportStorageClass };
    expireAfterDays?: number;
    noncurrentVersionExpireAfterDays?: number;
}

export interface ReportBucket {
    bucket: aws.s3.Bucket;
    policy: aws.s3.BucketPolicy;
    /** The protections writers should wait for (encryption, public access block, TLS-only policy). */
    protections: pulumi.Resource[];
    /** The KMS key ARN when SSE-KMS is used (validated), for the writer's `kms:GenerateDataKey`. */
    kmsKeyArn?: pulumi.Output<string>;
}

const BUCKET_PREFIX = /^[a-z0-9][a-z0-9.-]{0,36}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * The report bucket: default encryption (SSE-S3, or SSE-KMS with a bucket key), versioning, all public access
 * blocked, ACLs disabled (bucket owner enforced), a policy refusing anything but TLS 1.2+, and optional lifecycle
 * rules on the report roots only (see `reportRoots`), so they never expire or archive the tracker's configuration.
 * `context` names the component in validation errors; `readers` says who reaches the bucket (its access-logging exemption).
 */
export function reportBucket(
    name: string,
    args: ReportBucketArgs,
    reportRoots: readonly string[],
    context: string,
    parent: pulumi.Resource,
    readers = "the tracker and the readers granted by IAM",
): ReportBucket {
    const { kmsKeyArn: kmsKeyInput, ...rest } = args;
    const known = validated(rest, (value) => validateBucketArgs(value as KnownReportBucketArgs, context), parent);
    const kmsKeyArn =
        kmsKeyInput === undefined
            ? undefined
            : whenKnown(
                  kmsKeyInput,
                  (arn) => {
                      if (!KMS_KEY_ARN.test(arn)) throw new Error(`${context}: bucket.kmsKeyArn "${arn}" is not a KMS key ARN (arn:...:kms:<region>:<account>:key/<id>).`);
                  },
                  parent,
              );
    const opts = { parent };

    const bucket = new aws.s3.Bucket(
        name,
        {
            bucketPrefix: known.namePrefix,
            forceDestroy: known.apply((k) => k.forceDestroy ?? false),
            tags: { [S3_ACCESS_LOGGING_EXEMPTION_TAG]: noAccessLogsReason(readers) },
        },
        opts,
    );

    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-encryption`,
        {
            bucket: bucket.id,
            rules: [
                kmsKeyArn
                    ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn }, bucketKeyEnabled: true }
                    : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
            ],
        },
        opts,
    );
    new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
        `${name}-public-access`,
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        opts,
    );
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);

    const policy = new aws.s3.BucketPolicy(
        `${name}-policy`,
        { bucket: bucket.id, policy: bucket.arn.apply(tlsOnlyPolicy) },
        // After the public access block, so S3 never evaluates the policy on a bucket without it.
        { parent, dependsOn: [publicAccessBlock] },
    );

    // Whether there is retention is known from the arguments given; the rules from their values.
    if (args.transition !== undefined || args.expireAfterDays !== undefined || args.noncurrentVersionExpireAfterDays !== undefined) {
        const rules = known.apply((k) => lifecycleRulesFor(k, reportRoots));
        new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, { bucket: bucket.id, rules }, opts);
    }
    return { bucket, policy, protections: [encryption, publicAccessBlock, policy], kmsKeyArn };
}

/** Denies every request that is not over TLS 1.2 or later, for the bucket and its objects. */
export function tlsOnlyPolicy(bucketArn: string): string {
    const resources = [bucketArn, `${bucketArn}/*`];
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: resources, Condition: { Bool: { "aws:SecureTransport": "false" } } },
            { Sid: "DenyOutdatedTls", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: resources, Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } },
        ],
    });
}

/** One retention rule per report root (a lifecycle filter takes one prefix); none without retention options. */
function lifecycleRulesFor(args: KnownReportBucketArgs, reportRoots: readonly string[]): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    const { transition, expireAfterDays, noncurrentVersionExpireAfterDays } = args;
    if (transition === undefined && expireAfterDays === undefined && noncurrentVersionExpireAfterDays === undefined) {
        return [];
    }
    return reportRoots.map((root) => ({
        id: reportRoots.length === 1 ? "report-retention" : `report-retention-${root.replace(/\/$/, "")}`,
        status: "Enabled",
        filter: { prefix: root },
        transitions: transition ? [{ days: transition.afterDays, storageClass: transition.storageClass }] : undefined,
        expiration: expireAfterDays !== undefined ? { days: expireAfterDays } : undefined,
        noncurrentVersionExpiration: noncurrentVersionExpireAfterDays !== undefined ? { noncurrentDays: noncurrentVersionExpireAfterDays } : undefined,
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    }));
}

function validateBucketArgs(args: KnownReportBucketArgs, context: string): KnownReportBucketArgs {
    if (args.namePrefix !== undefined && (!BUCKET_PREFIX.test(args.namePrefix) || args.namePrefix.includes(".."))) {
        throw new Error(`${context}: bucket.namePrefix "${args.namePrefix}" must be 1-37 lower-case letters, digits, dots or dashes, starting with a letter or digit.`);
    }
    const days = (field: string, value: number | undefined, minimum: number) => {
        if (value !== undefined && (!Number.isInteger(value) || value < minimum)) {
            throw new Error(`${context}: bucket.${field} must be an integer of at least ${minimum} (got ${value}).`);
        }
    };
    days("expireAfterDays", args.expireAfterDays, 1);
    days("noncurrentVersionExpireAfterDays", args.noncurrentVersionExpireAfterDays, 1);
    if (args.transition) {
        const minimum = MINIMUM_TRANSITION_DAYS[args.transition.storageClass];
        if (minimum === undefined) {
            throw new Error(`${context}: bucket.transition.storageClass "${args.transition.storageClass}" must be one of ${Object.keys(MINIMUM_TRANSITION_DAYS).join(", ")}.`);
        }
        days(`transition.afterDays (${args.transition.storageClass})`, args.transition.afterDays, minimum);
        if (args.expireAfterDays !== undefined && args.expireAfterDays <= args.transition.afterDays) {
            throw new Error(`${context}: bucket.expireAfterDays (${args.expireAfterDays}) must be later than transition.afterDays (${args.transition.afterDays}).`);
        }
    }
    return args;
}
