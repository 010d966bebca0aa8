/**
 * What happened stays on record: log groups keep their events for at least a floor (Security Hub CloudWatch.16;
 * without retention they keep them forever at a cost nobody reviews), and S3 buckets log access (Security Hub S3.9,
 * AWSGuard s3-bucket-logging-enabled) or carry an explicit exemption tag with the reason (lib/exemptions.ts).
 */
import type { ReportViolation, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { CONFIG_SCHEMAS, DEFAULT_ENFORCEMENT, DEFAULTS, LogRetentionConfig, POLICY, settings } from "../config";
import { exemption, exemptionTag } from "../lib/exemptions";
import { referenceOf, resolve } from "../lib/references";
import { resourceTags } from "../lib/tags";
import { isUnknown, known } from "../lib/values";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_LOGGING = ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"];

export const logGroupRetention: ResourceValidationPolicy = {
    name: POLICY.logRetention,
    description: "CloudWatch log groups expire their events, after no fewer days than the configured floor.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.logRetention],
    configSchema: CONFIG_SCHEMAS[POLICY.logRetention],
    validateResource: (args, report) => {
        if (args.type !== LOG_GROUP) return;
        const { minimumRetentionDays } = settings<LogRetentionConfig>(args, DEFAULTS[POLICY.logRetention]);
        const days = (known(args.props) as Record<string, unknown>).retentionInDays;
        if (isUnknown(days)) return;
        if (typeof days !== "number" || days === 0) {
            report(`The log group keeps events forever: set retentionInDays (at least ${minimumRetentionDays}).`);
        } else if (days < minimumRetentionDays) {
            report(`The log group keeps events ${days} days, fewer than the ${minimumRetentionDays} this pack requires.`);
        }
    },
};

export const s3BucketAccessLogging: StackValidationPolicy = {
    name: POLICY.s3AccessLogging,
    description: `S3 buckets log access (aws.s3.BucketLogging) or carry the tag ${exemptionTag(POLICY.s3AccessLogging)} with the reason.`,
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.s3AccessLogging],
    validateStack: validateAccessLogging,
};

export function validateAccessLogging(args: StackValidationArgs, reportViolation: ReportViolation): void {
    const buckets = resolve(args.resources, [BUCKET]);
    const loggings = resolve(args.resources, BUCKET_LOGGING);
    const logged = loggings.map((l) => referenceOf(l, "bucket", [BUCKET]));
    // Log target buckets need not log themselves (that would log forever), as AWSGuard's rule also allows.
    const targets = new Set(loggings.map((l) => l.props.targetBucket).filter((v): v is string => typeof v === "string"));
    const lenient = logged.some((ref) => ref.kind === "unattributable");
    for (const bucket of buckets) {
        const names = [bucket.props.bucket, bucket.props.id].filter((v): v is string => typeof v === "string" && v !== "");
        const hasLogging = logged.some((ref) => (ref.kind === "resource" && ref.urn === bucket.resource.urn) || (ref.kind === "value" && names.includes(ref.value)));
        if (hasLogging || lenient || names.some((n) => targets.has(n))) continue;
        const tags = resourceTags(bucket.props);
        const exempt = isUnknown(tags) ? "exempt" : exemption(tags, POLICY.s3AccessLogging);
        if (exempt === "exempt") continue;
        reportViolation(
            exempt === "empty"
                ? `S3 bucket ${bucket.resource.name}: the ${exemptionTag(POLICY.s3AccessLogging)} tag is empty; its value must say why the bucket logs no access.`
                : `S3 bucket ${bucket.resource.name} logs no access: add an aws.s3.BucketLogging, or tag it ${exemptionTag(POLICY.s3AccessLogging)} with the reason.`,
            bucket.resource.urn,
        );
    }
}
