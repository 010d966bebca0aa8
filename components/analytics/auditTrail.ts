import { assertArguments } from "../shared/argumentChecks";
import { knownKeys } from "../shared/configKeys";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { componentType } from "../shared/componentType";
import { tlsOnlyPolicy } from "../tracking/reportBucket";
import { awsContext } from "../shared/awsContext";
import { whenKnown } from "../shared/validation";
import { S3_ACCESS_LOGGING_EXEMPTION_TAG, noAccessLogsReason } from "../shared/policyExemptions";

export interface LicenseAuditTrailArgs {
    /** ARN of the hub's seat table: its item-level reads and writes are recorded (DynamoDB data events). Required. */
    seatTableArn: pulumi.Input<string>;
    /** Days audit log files are kept before they expire, deleted or overwritten ones (noncurrent versions) as long. Default 2557 (7 years). */
    retentionDays?: pulumi.Input<number>;
    /** Customer managed KMS key for the log files (its policy must admit CloudTrail). Default: SSE-S3. */
    kmsKeyArn?: pulumi.Input<string>;
}

export const DEFAULT_AUDIT_RETENTION_DAYS = 2557;

/** Problems of a log file retention in days, naming `path`. */
export function retentionDaysProblems(days: unknown, path: string): string[] {
    return Number.isInteger(days) && (days as number) >= 1 ? [] : [`${path}: must be a positive whole number of days (got ${JSON.stringify(days)})`];
}

/** Every argument of LicenseAuditTrailArgs (checked both ways at compile time): anything else is refused by name. */
const LICENSE_AUDIT_TRAIL_ARGUMENTS = knownKeys<LicenseAuditTrailArgs>()("seatTableArn", "retentionDays", "kmsKeyArn");

/**
 * An account trail for the license server account, for organisations without an organisation trail (or whose
 * organisation trail records no data events): every item-level call on the seat table (who changed which seat, and
 * who read it), and the account's write management events, SSM SendCommand and License Manager changes among them.
 * CloudTrail cannot narrow management events by service (only KMS and RDS Data API can be excluded), so every write
 * management event is recorded; read-only management events are not. The trail is multi-Region with global service
 * events, its home Region the stack's: IAM and STS are recorded in us-east-1 only (since November 2021), so a
 * single-Region trail elsewhere would miss every change to the hub's roles and policies. Log files go to an
 * encrypted, versioned, private bucket with log file validation; a log file, and any version of it deleted or
 * overwritten, is kept for the retention period.
 */
export class LicenseAuditTrail extends pulumi.ComponentResource {
    /** The account trail (seat table data events, write management events of every Region and of IAM/STS, log file validation). */
    public readonly trail: aws.cloudtrail.Trail;
    /** The log file bucket (encrypted, versioned, private; current and noncurrent versions kept for the retention). */
    public readonly bucket: aws.s3.Bucket;
    /** ARN of the trail. */
    public readonly trailArn: pulumi.Output<string>;

    constructor(name: string, args: LicenseAuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("LicenseAuditTrail"), name, {}, opts);
        assertArguments(name, args, LICENSE_AUDIT_TRAIL_ARGUMENTS, this);
        if (!args.seatTableArn) throw new pulumi.ResourceError(`${name}: seatTableArn is required (the LicenseServerHub's table ARN).`, this);
        const retention = whenKnown(args.retentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS, (days) => {
            const problems = retentionDaysProblems(days, "retentionDays");
            if (problems.length > 0) throw new Error(`${name}: ${problems[0]}`);
        }, this);
        const { partition, region, accountId } = awsContext(this);
        const opts_ = { parent: this };

        this.bucket = new aws.s3.Bucket(
            `${name}-logs`,
            { forceDestroy: false, tags: { [S3_ACCESS_LOGGING_EXEMPTION_TAG]: noAccessLogsReason("CloudTrail and the auditors granted by IAM") } },
            opts_,
        );
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-logs`,
            {
                bucket: this.bucket.id,
                rules: [
                    args.kmsKeyArn
                        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true }
                        : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
                ],
            },
            opts_,
        );
        new aws.s3.BucketVersioning(`${name}-logs`, { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } }, opts_);
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-logs`,
            { bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            opts_,
        );
        new aws.s3.BucketOwnershipControls(`${name}-logs`, { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts_);
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-logs`,
            {
                bucket: this.bucket.id,
                rules: [
                    {
                        id: "audit-retention",
                        status: "Enabled",
                        filter: { prefix: "AWSLogs/" },
                        expiration: { days: retention },
                        // A deleted or overwritten log file stays as a noncurrent version for the whole retention: the
                        // digest files of log file validation then still prove what was there (docs/analytics.md says why
                        // not Object Lock).
                        noncurrentVersionExpiration: { noncurrentDays: retention },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            opts_,
        );
        // The trail's ARN is known before it exists; naming it keeps other trails from writing here (confused deputy).
        const trailName = `${name}-license-server`;
        const trailArn = pulumi.interpolate`arn:${partition}:cloudtrail:${region}:${accountId}:trail/${trailName}`;
        const policy = new aws.s3.BucketPolicy(
            `${name}-logs`,
            {
                bucket: this.bucket.id,
                policy: pulumi.all([this.bucket.arn, trailArn, accountId]).apply(([bucketArn, sourceArn, account]) => {
                    const document = JSON.parse(tlsOnlyPolicy(bucketArn));
                    const cloudTrail = { Service: "cloudtrail.amazonaws.com" };
                    const fromThisTrail = { StringEquals: { "aws:SourceArn": sourceArn } };
                    document.Statement.push(
                        { Sid: "CloudTrailAclCheck", Effect: "Allow", Principal: cloudTrail, Action: "s3:GetBucketAcl", Resource: bucketArn, Condition: fromThisTrail },
                        {
                            Sid: "CloudTrailWrite",
                            Effect: "Allow",
                            Principal: cloudTrail,
                            Action: "s3:PutObject",
                            Resource: `${bucketArn}/AWSLogs/${account}/*`,
                            Condition: { StringEquals: { "aws:SourceArn": sourceArn, "s3:x-amz-acl": "bucket-owner-full-control" } },
                        },
                    );
                    return JSON.stringify(document);
                }),
            },
            { parent: this, dependsOn: [publicAccess] },
        );

        this.trail = new aws.cloudtrail.Trail(
            `${name}-trail`,
            {
                name: trailName,
                s3BucketName: this.bucket.bucket,
                kmsKeyId: args.kmsKeyArn,
                enableLogFileValidation: true,
                // IAM and STS events arrive only through us-east-1: a multi-Region trail with global service events
                // records changes to the hub's roles whichever Region the hub runs in.
                includeGlobalServiceEvents: true,
                isMultiRegionTrail: true,
                advancedEventSelectors: [
                    {
                        name: "Seat table: every item-level call",
                        fieldSelectors: [
                            { field: "eventCategory", equals: ["Data"] },
                            { field: "resources.type", equals: ["AWS::DynamoDB::Table"] },
                            { field: "resources.ARN", equals: [args.seatTableArn] },
                        ],
                    },
                    {
                        name: "Write management events (SSM SendCommand, License Manager changes among them)",
                        fieldSelectors: [
                            { field: "eventCategory", equals: ["Management"] },
                            { field: "readOnly", equals: ["false"] },
                        ],
                    },
                ],
            },
            { parent: this, dependsOn: [policy, encryption] },
        );
        this.trailArn = this.trail.arn;
        this.registerOutputs({ trailArn: this.trailArn, bucketName: this.bucket.bucket });
    }
}
