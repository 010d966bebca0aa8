import { assertArguments, regionProblem } from "../shared/argumentChecks";
import { knownKeys } from "../shared/configKeys";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { BundledFunction } from "../lambda/bundledFunction";
import { assertScheduleExpression, invokeFunctionOnRule, scheduleRule } from "../lambda/triggers";
import { awsContext } from "../shared/awsContext";
import { anyOccurrenceAlarm, deadLetterAlarm } from "../shared/alarms";
import { METRICS_NAMESPACE } from "../../functions/shared/telemetry";
import { checkArgs } from "../shared/validation";
import type { PolicyStatement } from "../shared/iam";
import { allowEventBridgeDeadLetters, deadLetterQueue } from "../shared/sqs";
import {
    DEFAULT_CONCURRENCY,
    DEFAULT_EXPIRY_WARNING_DAYS,
    RECEIVED_LICENSES_EXPIRING_METRIC,
    assertExpiryWarningDays,
    assertReceivedLicenseRegions,
    DEFAULT_REPORT_LAYOUT,
    DEFAULT_REPORT_PREFIX,
    DEFAULT_SCHEDULE_EXPRESSION,
    DEFAULT_TIMEOUT_SECONDS,
    LICENSE_CONFIGURATIONS_CONTENT_TYPE,
    LICENSE_CONFIGURATIONS_KEY,
    LicenseConfigurationArn,
    ReportLayout,
    TRACKER_ENV,
    TRACKER_HANDLER,
    assertConcurrency,
    assertReportLayout,
    assertReportPrefix,
    licenseConfigurationsDocument,
    parseLicenseConfigurationArns,
    reportRoots,
} from "./definitions";
import { licenseManagerReadScope } from "./licenseManagerAccess";
import { ReportBucketSettings, reportBucket } from "./reportBucket";
import { validated, whenKnown } from "../shared/validation";
import { TypeScriptOnly } from "../shared/typeScriptOnly";
import { componentType, withFormerType } from "../shared/componentType";

export interface MultiRegionLicenseTrackerArgs {
    /**
     * License configuration ARNs to report on, in any region of the deployment's partition. Required: 1 to 10,000, no
     * duplicates. Stored as a JSON object in the report bucket, so the count is not bound by Lambda's environment.
     */
    licenseConfigurationArns: pulumi.Input<pulumi.Input<string>[]>;
    /** When the report runs: an EventBridge `rate(...)` or `cron(...)` expression (UTC). Default `rate(1 day)`. */
    scheduleExpression?: pulumi.Input<string>;
    /**
     * Key prefix of every report object: empty, or path segments ending in "/". Default `license-usage/`. A plain
     * value: it shapes the IAM policy and lifecycle rules.
     */
    reportPrefix?: string;
    /**
     * Key layout: `dated` (`YYYY/MM/DD/<run>/...`) or `hive` (`<kind>/year=/month=/day=/run=/...`, for Athena). Default
     * `dated`. A plain value: it shapes the IAM policy and lifecycle rules.
     */
    layout?: ReportLayout;
    /** License configurations read at the same time (1-32). Default 8. */
    concurrency?: pulumi.Input<number>;
    /** Report bucket options (name prefix, KMS key, lifecycle, forceDestroy). Default: SSE-S3, reports kept forever. */
    bucket?: ReportBucketSettings;
    /** Report Lambda timeout in seconds (1-900). Default 300. */
    timeoutSeconds?: pulumi.Input<number>;
    /** Report Lambda memory in MB. Default 512. */
    memorySizeMb?: pulumi.Input<number>;
    /** Log retention of the report Lambda, in days. Default 30. */
    logRetentionDays?: pulumi.Input<number>;
    /** Alarm actions (e.g. an SNS topic ARN) for every alarm of the tracker: errors, dead letters, license expiry. Default: none. */
    alarmActions?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Also report the licenses this account received (AWS Marketplace, vendor grants through License Manager): product,
     * issuer, validity, status and entitlement usage, in `received-licenses.csv`, with an alarm when one expires soon.
     * Default true.
     */
    reportReceivedLicenses?: boolean;
    /** Regions whose received licenses are listed. Default: the regions of the tracked configurations and the stack's region. */
    receivedLicenseRegions?: pulumi.Input<pulumi.Input<string>[]>;
    /** A received license whose validity ends within this many days (1-365) raises the expiry alarm. Default 30. */
    expiryWarningDays?: pulumi.Input<number>;
}

/** Every argument of MultiRegionLicenseTrackerArgs (checked both ways at compile time): anything else is refused by name. */
const MULTI_REGION_LICENSE_TRACKER_ARGUMENTS = knownKeys<MultiRegionLicenseTrackerArgs>()("licenseConfigurationArns", "scheduleExpression", "reportPrefix", "layout", "concurrency", "bucket", "timeoutSeconds", "memorySizeMb", "logRetentionDays", "alarmActions", "reportReceivedLicenses", "receivedLicenseRegions", "expiryWarningDays");

/**
 * Daily (or scheduled) License Manager usage reports across regions. A scheduled Lambda reads every configured
 * license configuration in its own region (all usage pages, bounded concurrency, adaptive retries) and writes a
 * summary CSV, one usage CSV per configuration and a JSON manifest to a versioned, encrypted, private, TLS-only
 * bucket. A configuration that cannot be read is reported as FAILED and fails the invocation, which the errors
 * alarm and the on-failure queue record. The ARN list lives in the same bucket at `_config/license-configurations.json`,
 * pinned by its SHA-256 in the function's environment.
 */
export class MultiRegionLicenseTracker extends pulumi.ComponentResource {
    /** The report bucket. */
    public readonly bucket: aws.s3.Bucket;
    /** The EventBridge schedule that runs the report. */
    public readonly scheduleRule: aws.cloudwatch.EventRule;
    /** Schedule events EventBridge could not deliver to the function. */
    public readonly deadLetterQueue: aws.sqs.Queue;
    /** Name of the report bucket. */
    public readonly bucketName: pulumi.Output<string>;
    /** The prefix every report key starts with. */
    public readonly reportPrefix: string;
    /** The object listing the license configuration ARNs the function reports on. */
    public readonly licenseConfigurationsObject: aws.s3.BucketObjectv2;
    /** Alarm raised by a run that finds a received license expiring within `expiryWarningDays` (absent when not reported). */
    public readonly receivedLicenseExpiryAlarm?: aws.cloudwatch.MetricAlarm;
    /** ARN of the report bucket. */
    public readonly bucketArn: pulumi.Output<string>;
    /** Name of the report Lambda. */
    public readonly functionName: pulumi.Output<string>;
    /** ARN of the schedule rule. */
    public readonly scheduleRuleArn: pulumi.Output<string>;

    /** The report Lambda with its role, log group, alarms and failure queue (TypeScript only). */
    public get reportFunction(): BundledFunction {
        return reportFunctions.get(this);
    }

    constructor(name: string, args: MultiRegionLicenseTrackerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("MultiRegionLicenseTracker"), name, {}, withFormerType("licensing:tracking:MultiRegionLicenseTracker", opts));
        assertArguments(name, args, MULTI_REGION_LICENSE_TRACKER_ARGUMENTS, this, { plain: { reportReceivedLicenses: args.reportReceivedLicenses } });
        const prefix = args.reportPrefix ?? DEFAULT_REPORT_PREFIX;
        assertReportPrefix(prefix, name);
        const schedule = whenKnown(args.scheduleExpression ?? DEFAULT_SCHEDULE_EXPRESSION, (value) => assertScheduleExpression(value, `${name}: scheduleExpression`), this);
        const concurrency = whenKnown(args.concurrency ?? DEFAULT_CONCURRENCY, (value) => assertConcurrency(value, name), this);
        const layout = args.layout ?? DEFAULT_REPORT_LAYOUT;
        assertReportLayout(layout, name);
        const timeoutSeconds = whenKnown(
            args.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
            (value) => {
                if (!Number.isInteger(value) || value < 1 || value > 900) {
                    throw new Error(`${name}: timeoutSeconds must be an integer from 1 to 900 (got ${value}).`);
                }
            },
            this,
        );
        const reportReceived = args.reportReceivedLicenses ?? true;
        const expiryWarningDays = whenKnown(args.expiryWarningDays ?? DEFAULT_EXPIRY_WARNING_DAYS, (days) => assertExpiryWarningDays(days, name), this);
        const { partition, region } = awsContext(this);
        const configurations = validatedConfigurations(name, args.licenseConfigurationArns, partition, this);
        const receivedRegions = reportReceived ? receivedLicenseRegions(name, args.receivedLicenseRegions, configurations, region, this) : pulumi.output([] as string[]);
        const roots = reportRoots(prefix, layout);

        const reports = checkArgs(() => reportBucket(`${name}-reports`, args.bucket ?? {}, roots, name, this), this);
        this.bucket = reports.bucket;
        this.bucketName = this.bucket.bucket;
        this.reportPrefix = prefix;

        // The list travels in S3, not in the environment (4 KB for all variables, about 34 ARNs). The function gets its
        // key and SHA-256, so it reports only on the deployed list.
        const document = configurations.apply((parsed) => licenseConfigurationsDocument(parsed.map((c) => c.arn), name));
        this.licenseConfigurationsObject = new aws.s3.BucketObjectv2(
            `${name}-license-configurations`,
            {
                bucket: this.bucket.id,
                key: LICENSE_CONFIGURATIONS_KEY,
                content: document.body,
                contentType: LICENSE_CONFIGURATIONS_CONTENT_TYPE,
                // Stated on the object too, so it is encrypted with the chosen key whatever the bucket default says.
                serverSideEncryption: reports.kmsKeyArn ? "aws:kms" : "AES256",
                kmsKeyId: reports.kmsKeyArn,
                bucketKeyEnabled: reports.kmsKeyArn ? true : undefined,
                checksumAlgorithm: "SHA256",
            },
            { parent: this, dependsOn: reports.protections },
        );

        const statements: PolicyStatement[] = [
            // Exactly the configured ARNs while they fit the role's inline policy (10,240 characters for all inline
            // policies of a role together; managed policies are 6,144 each, 10 per role). Beyond that, the region/account
            // pairs with the most ARNs are granted as `...:<region>:<account>:license-configuration:*`, largest first, until
            // the list fits: about 60 ARNs stay exact, and 500 over five regions of one account become five wildcards.
            // See licenseManagerAccess.ts. The deployment warns when it widens.
            {
                sid: "ReadLicenseConfigurations",
                actions: ["license-manager:GetLicenseConfiguration", "license-manager:ListUsageForLicenseConfiguration"],
                resources: configurations.apply((parsed) => {
                    const scope = licenseManagerReadScope(parsed, name);
                    if (scope.widened.length > 0) {
                        pulumi.log.warn(
                            `${parsed.length} license configuration ARNs do not fit the function's IAM policy one by one; it may read every ` +
                                `license configuration of these region/account pairs: ${scope.widened.join(", ")}.`,
                            this,
                        );
                    }
                    return scope.resources;
                }),
            },
            {
                sid: "WriteReports",
                actions: ["s3:PutObject"],
                resources: roots.map((root) => pulumi.interpolate`${this.bucket.arn}/${root}*`),
            },
            {
                sid: "ReadLicenseConfigurationList",
                actions: ["s3:GetObject"],
                resources: [pulumi.interpolate`${this.bucket.arn}/${LICENSE_CONFIGURATIONS_KEY}`],
            },
        ];
        if (reportReceived) {
            statements.push(
                // ListReceivedLicenses has no resource-level permissions (AWS authorises it on "*" only).
                { sid: "ListReceivedLicenses", actions: ["license-manager:ListReceivedLicenses"], resources: ["*"] },
                // A received license's ARN names its issuer's account (the seller or vendor), unknown until it is granted,
                // so the grant covers licenses of any issuer in this partition, and no other resource type.
                { sid: "ReadReceivedLicenseUsage", actions: ["license-manager:GetLicenseUsage"], resources: [pulumi.interpolate`arn:${partition}:license-manager::*:license:*`] },
            );
        }
        if (reports.kmsKeyArn) {
            // With an S3 bucket key, S3 calls KMS with the bucket ARN as encryption context, so the grant is limited to this
            // bucket's use of the key. Writes need a data key; reading the list decrypts.
            const thisBucket = { StringEquals: { "kms:EncryptionContext:aws:s3:arn": this.bucket.arn } };
            statements.push(
                { sid: "EncryptReports", actions: ["kms:GenerateDataKey"], resources: [reports.kmsKeyArn], conditions: thisBucket },
                { sid: "DecryptLicenseConfigurationList", actions: ["kms:Decrypt"], resources: [reports.kmsKeyArn], conditions: thisBucket },
            );
        }
        const environment = pulumi.all([this.bucket.bucket, document, receivedRegions, concurrency, expiryWarningDays]).apply(([bucketName, { sha256 }, regions, readers, warningDays]) => ({
            [TRACKER_ENV.bucket]: bucketName,
            [TRACKER_ENV.configurationsKey]: LICENSE_CONFIGURATIONS_KEY,
            [TRACKER_ENV.configurationsSha256]: sha256,
            [TRACKER_ENV.prefix]: prefix,
            [TRACKER_ENV.concurrency]: String(readers),
            [TRACKER_ENV.layout]: layout,
            [TRACKER_ENV.receivedLicenseRegions]: regions.join(","),
            [TRACKER_ENV.expiryWarningDays]: String(warningDays),
        }));

        const reportFunction = new BundledFunction(
            `${name}-report`,
            {
                handler: TRACKER_HANDLER,
                description: "Writes License Manager usage reports (summary, per-configuration usage, manifest) to S3",
                environment,
                statements,
                timeoutSeconds,
                memorySizeMb: args.memorySizeMb ?? 512,
                logRetentionDays: args.logRetentionDays,
                asyncInvocation: {},
                alarmActions: args.alarmActions,
            },
            // Protections first, so no report is ever written unencrypted (with the chosen key) or to an open bucket; the
            // list before the function, so an update writes the new list before the function expects its SHA-256.
            { parent: this, dependsOn: [...reports.protections, this.licenseConfigurationsObject] },
        );

        reportFunctions.set(this, reportFunction);
        if (reportReceived) {
            this.receivedLicenseExpiryAlarm = anyOccurrenceAlarm(
                `${name}-received-license-expiry`,
                // Powertools publishes the handler's metrics with its service name as the only dimension.
                { namespace: METRICS_NAMESPACE, metricName: RECEIVED_LICENSES_EXPIRING_METRIC, dimensions: { service: TRACKER_HANDLER }, statistic: "Maximum" },
                pulumi.interpolate`A received license (AWS Marketplace or vendor grant) expires within ${expiryWarningDays} days or has expired; see received-licenses.csv in the latest usage report.`,
                args.alarmActions,
                this,
            );
        }

        this.deadLetterQueue = deadLetterQueue(`${name}-undelivered`, this);
        this.scheduleRule = scheduleRule(`${name}-schedule`, schedule, "Runs the License Manager usage report", this);
        invokeFunctionOnRule(`${name}-schedule`, this.scheduleRule, reportFunction, this.deadLetterQueue.arn, this);
        allowEventBridgeDeadLetters(`${name}-undelivered`, this.deadLetterQueue, [this.scheduleRule.arn], this);
        deadLetterAlarm(`${name}-undelivered`, this.deadLetterQueue, "report runs EventBridge could not deliver", args.alarmActions, this);

        this.bucketArn = this.bucket.arn;
        this.functionName = reportFunction.functionName;
        this.scheduleRuleArn = this.scheduleRule.arn;
        this.registerOutputs({
            bucketName: this.bucketName,
            bucketArn: this.bucketArn,
            reportPrefix: prefix,
            licenseConfigurationsKey: this.licenseConfigurationsObject.key,
            functionName: this.functionName,
            scheduleRuleArn: this.scheduleRuleArn,
            failureQueueArn: reportFunction.failureQueue?.arn,
            deadLetterQueueUrl: this.deadLetterQueue.url,
        });
    }
}

const reportFunctions = new TypeScriptOnly<BundledFunction>();

/**
 * The ARNs, validated as soon as they are known (at once for plain strings): license configurations, 1 to 10,000,
 * no duplicates, all in the partition the stack deploys to.
 */
function validatedConfigurations(
    name: string,
    input: pulumi.Input<pulumi.Input<string>[]>,
    partition: pulumi.Output<string>,
    resource: pulumi.Resource,
): pulumi.Output<LicenseConfigurationArn[]> {
    const parsed = validated(input, (arns) => parseLicenseConfigurationArns(arns, name), resource);
    return validated({ parsed, partition }, (known) => {
        assertDeployedPartition(name, known.parsed, known.partition);
        return known.parsed;
    }, resource);
}

/** The regions to list received licenses in: as given, or those of the tracked configurations plus the stack's own. */
function receivedLicenseRegions(
    name: string,
    input: pulumi.Input<pulumi.Input<string>[]> | undefined,
    configurations: pulumi.Output<LicenseConfigurationArn[]>,
    stackRegion: pulumi.Output<string>,
    resource: pulumi.Resource,
): pulumi.Output<string[]> {
    if (input !== undefined) {
        return whenKnown(
            input,
            (regions) => {
                assertReceivedLicenseRegions(regions as string[], `${name} (receivedLicenseRegions)`);
                const unknown = (regions as string[]).flatMap((r) => regionProblem("receivedLicenseRegions:", r) ?? []);
                if (unknown.length > 0) throw new Error(`${name}: ${unknown[0]}`);
            },
            resource,
        ) as pulumi.Output<string[]>;
    }
    return pulumi.all([configurations, stackRegion]).apply(([parsed, own]) => [...new Set([own, ...parsed.map((c) => c.region)])].sort());
}

/** The function can only call License Manager in the partition it runs in. */
export function assertDeployedPartition(name: string, configurations: LicenseConfigurationArn[], deployedPartition: string): void {
    const foreign = configurations.find((c) => c.partition !== deployedPartition);
    if (foreign) {
        throw new Error(`${name}: license configuration ${foreign.arn} is in partition ${foreign.partition}, but this stack deploys to ${deployedPartition}.`);
    }
}
