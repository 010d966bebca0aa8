import { assertArguments } from "../shared/argumentChecks";
import { knownKeys } from "../shared/configKeys";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { componentType } from "../shared/componentType";
import { BundledFunction } from "../lambda/bundledFunction";
import { deadLetterQueue, tlsOnlyQueuePolicy } from "../shared/sqs";
import { deadLetterAlarm } from "../shared/alarms";
import { ReportBucketArgs, reportBucket } from "../tracking/reportBucket";
import { CHANGE_MARKER_EVENT_SOURCE, seatChangeStreamFilter } from "./definitions";
import { INSTANCE_PARTITION_PREFIX, SEAT_PARTITION_PREFIX } from "../../functions/hub-shared/tableKeys";
import { HUB_CONFIGURATION_ENVIRONMENT, LEDGER_ENVIRONMENT } from "../../functions/hub-shared/environment";
import { awsContext } from "../shared/awsContext";
import { LEDGER_PREFIX } from "../../functions/hub-ledger/ledgerRecord";
import { TypeScriptOnly } from "../shared/typeScriptOnly";

const writers = new TypeScriptOnly<BundledFunction>();

export interface SeatLedgerArgs {
    /** The hub's seat table (`LicenseServerHub.table`); its stream feeds the ledger. Required. */
    table: aws.dynamodb.Table;
    /**
     * Bucket of the hub's configuration object (`LicenseServerHub.userListBucketName`), which holds the seat limits
     * denials are judged by. Required.
     */
    configurationBucketName: pulumi.Input<string>;
    /** Key of the hub's configuration object (`LicenseServerHub.configurationObjectKey`). Required. */
    configurationObjectKey: pulumi.Input<string>;
    /**
     * The ledger bucket: encryption, retention. Default: SSE-S3, versioned, records expire after 2557 days (7 years),
     * overwritten versions after 30 days.
     */
    bucket?: ReportBucketArgs;
    /** Log retention of the ledger Lambda, in days. Default 30. */
    logRetentionDays?: pulumi.Input<number>;
    /** Alarm actions (e.g. SNS topic ARNs) for the Lambda's errors alarm and the failed-batch queue alarm. Default: none. */
    alarmActions?: pulumi.Input<pulumi.Input<string>[]>;
}

/** Seven years and a leap day: what auditors usually ask licence usage history to be kept for. */
export const DEFAULT_LEDGER_RETENTION_DAYS = 2557;

/** Every argument of SeatLedgerArgs (checked both ways at compile time): anything else is refused by name. */
const SEAT_LEDGER_ARGUMENTS = knownKeys<SeatLedgerArgs>()("table", "configurationBucketName", "configurationObjectKey", "bucket", "logRetentionDays", "alarmActions");

/**
 * The seat ledger: every seat grant, release and denial of a LicenseServerHub as an immutable record in S3
 * (`seat-ledger/dt=YYYY-MM-DD/*.json.gz`, see functions/hub-ledger/ledgerRecord.ts), for Athena and for DuckDB.
 * A Lambda on the seat table's stream (its own event source mapping, filtered like the change marker's to seat
 * rows created or deleted) writes one gzip JSON-lines object per batch and day, named by its content.
 *
 * Why not DynamoDB -> Kinesis -> Firehose: the change rate is a few thousand seat changes a day, far below what
 * makes Firehose's buffering pay; the records need the instance item and the product's claims (workbench type,
 * denials), which a Firehose transform Lambda would read anyway; and a direct write keeps one retry story (the
 * stream mapping's), content-named objects making retries idempotent, with no Kinesis stream to pay for or size.
 */
export class SeatLedger extends pulumi.ComponentResource {
    /** The ledger bucket (records under `seat-ledger/dt=YYYY-MM-DD/`). */
    public readonly bucket: aws.s3.Bucket;
    /** The Lambda on the seat table's stream that writes the records (TypeScript only: `writerFunctionName` elsewhere). */
    public get writer(): BundledFunction {
        return writers.get(this);
    }
    /** Stream batches the ledger could not record after its retries. */
    public readonly failureQueue: aws.sqs.Queue;
    /** Name of the ledger bucket (LicenseAnalytics `ledgerBucketName`). */
    public readonly bucketName: pulumi.Output<string>;
    /** `s3://<bucket>/seat-ledger/`, the Glue table's location. */
    public readonly location: pulumi.Output<string>;
    /** Name of the Lambda that writes the records. */
    public readonly writerFunctionName: pulumi.Output<string>;
    /** The writer's Powertools service: the `service` dimension of its metrics (LedgerGrants, LedgerDenials, ...). */
    public readonly metricsService: string;

    constructor(name: string, args: SeatLedgerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("SeatLedger"), name, {}, opts);
        assertArguments(name, args, SEAT_LEDGER_ARGUMENTS, this);
        if (!args.table) throw new pulumi.ResourceError(`${name}: table is required (the LicenseServerHub's table).`, this);
        if (!args.configurationBucketName || !args.configurationObjectKey) {
            throw new pulumi.ResourceError(`${name}: configurationBucketName and configurationObjectKey are required (LicenseServerHub's userListBucketName and configurationObjectKey).`, this);
        }
        let ledgerBucket;
        try {
            ledgerBucket = reportBucket(
                `${name}-records`,
                { expireAfterDays: DEFAULT_LEDGER_RETENTION_DAYS, noncurrentVersionExpireAfterDays: 30, ...args.bucket },
                [LEDGER_PREFIX],
                name,
                this,
                "the ledger writer and the readers granted by IAM (Athena queries)",
            );
        } catch (err) {
            throw new pulumi.ResourceError((err as Error).message, this);
        }
        this.bucket = ledgerBucket.bucket;
        this.failureQueue = deadLetterQueue(`${name}-failures`, this);
        this.metricsService = `${name}-writer`;
        tlsOnlyQueuePolicy(`${name}-failures`, this.failureQueue, this);
        const { partition } = awsContext(this);
        const kms = ledgerBucket.kmsKeyArn
            ? [{ sid: "EncryptLedger", actions: ["kms:GenerateDataKey"], resources: [ledgerBucket.kmsKeyArn] }]
            : [];

        const writer = writers.set(this, new BundledFunction(
            `${name}-writer`,
            {
                handler: "hub-ledger",
                description: "Records seat grants, releases and denials in the seat ledger",
                environment: {
                    [LEDGER_ENVIRONMENT.tableName]: args.table.name,
                    // The hub's configuration object: the same seat limits the sync uses.
                    [HUB_CONFIGURATION_ENVIRONMENT.bucket]: args.configurationBucketName,
                    [HUB_CONFIGURATION_ENVIRONMENT.key]: args.configurationObjectKey,
                    [LEDGER_ENVIRONMENT.ledgerBucket]: this.bucket.bucket,
                    POWERTOOLS_SERVICE_NAME: this.metricsService,
                },
                statements: [
                    {
                        sid: "ReadHubConfiguration",
                        actions: ["s3:GetObject"],
                        resources: [pulumi.interpolate`arn:${partition}:s3:::${args.configurationBucketName}/${args.configurationObjectKey}`],
                    },
                    {
                        sid: "ReadSeatsAndWorkbenches",
                        actions: ["dynamodb:GetItem", "dynamodb:Query"],
                        resources: [args.table.arn],
                        conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${INSTANCE_PARTITION_PREFIX}*`, `${SEAT_PARTITION_PREFIX}*`] } },
                    },
                    {
                        sid: "ReadSeatStream",
                        actions: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                        resources: [args.table.streamArn],
                    },
                    // The event source mapping lists streams; AWS authorises ListStreams on "*" only.
                    { sid: "ListStreams", actions: ["dynamodb:ListStreams"], resources: ["*"] },
                    // Write-only: the writer can neither read, list nor delete the history it appends to.
                    { sid: "AppendLedger", actions: ["s3:PutObject"], resources: [pulumi.interpolate`${this.bucket.arn}/${LEDGER_PREFIX}*`] },
                    ...kms,
                    { sid: "SendFailedBatches", actions: ["sqs:SendMessage"], resources: [this.failureQueue.arn] },
                ],
                logRetentionDays: args.logRetentionDays,
                alarmActions: args.alarmActions,
            },
            { parent: this, dependsOn: ledgerBucket.protections },
        ));
        new aws.lambda.EventSourceMapping(
            `${name}-seat-changes`,
            {
                eventSourceArn: args.table.streamArn,
                functionName: writer.function.arn,
                filterCriteria: { filters: [{ pattern: JSON.stringify(seatChangeStreamFilter()) }] },
                destinationConfig: { onFailure: { destinationArn: this.failureQueue.arn } },
                batchSize: CHANGE_MARKER_EVENT_SOURCE.batchSize,
                // Fewer, larger objects: the ledger is read by day, not by the second.
                maximumBatchingWindowInSeconds: 60,
                startingPosition: "TRIM_HORIZON",
                bisectBatchOnFunctionError: true,
                maximumRetryAttempts: CHANGE_MARKER_EVENT_SOURCE.maximumRetryAttempts,
                maximumRecordAgeInSeconds: CHANGE_MARKER_EVENT_SOURCE.maximumRecordAgeInSeconds,
            },
            { parent: this },
        );
        deadLetterAlarm(`${name}-failures`, this.failureQueue, "seat changes the ledger could not record", args.alarmActions, this);

        this.bucketName = this.bucket.bucket;
        this.location = pulumi.interpolate`s3://${this.bucket.bucket}/${LEDGER_PREFIX}`;
        this.writerFunctionName = writer.functionName;
        this.registerOutputs({ bucketName: this.bucketName, location: this.location, writerFunctionName: this.writerFunctionName, failureQueueUrl: this.failureQueue.url });
    }
}
