import { assertArguments } from "../shared/argumentChecks";
import { knownKeys } from "../shared/configKeys";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { anyOccurrenceAlarm, deadLetterAlarm } from "../shared/alarms";
import { whenKnown } from "../shared/validation";
import { METRICS_NAMESPACE } from "../../functions/shared/telemetry";
import { DEFAULT_MAX_CLOCK_SKEW_SECONDS, MAX_MAX_CLOCK_SKEW_SECONDS } from "../../functions/hub-shared/config";
import { BundledFunction } from "../lambda/bundledFunction";
import { assertScheduleExpression, invokeFunctionOnRule, scheduleRule } from "../lambda/triggers";
import { awsContext } from "../shared/awsContext";
import { DEFAULT_FULL_CHECK_EVERY_TICKS } from "../../functions/hub-shared/environment";
import { policyDocument } from "../shared/iam";
import { ec2ManagedNodeStatements } from "../shared/managedNodePolicy";
import { allowEventBridgeDeadLetters, deadLetterQueue, tlsOnlyQueuePolicy } from "../shared/sqs";
import { CHANGE_MARK_PARTITION, INSTANCE_PARTITION_PREFIX, INVENTORY_PARTITION, LAYOUT_MARKER_KEY, SNAPSHOT_PARTITION_PREFIX, SEAT_PARTITION_PREFIX, SYNC_PARTITION } from "../../functions/hub-shared/tableKeys";
import { CHANGE_MARK_ATTRIBUTES } from "../../functions/hub-shared/changeMarks";
import { USER_LIST_PREFIX } from "../../functions/hub-shared/userList";
import {
    ASSIGNMENT_ENVIRONMENT,
    CHANGE_MARKER_ENVIRONMENT,
    CHANGE_MARKER_EVENT_SOURCE,
    DEFAULT_SYNC_SCHEDULE,
    DEFAULT_TOMBSTONE_RETENTION_DAYS,
    HUB_TABLE,
    MIN_TOMBSTONE_RETENTION_DAYS,
    SYNC_ENVIRONMENT,
    hubBusPattern,
    seatChangeEventPattern,
    seatChangeStreamFilter,
} from "./definitions";
import { SEAT_CHANGE_EVENT } from "../../functions/hub-change-marker/seatChangeEvent";
import { seatEventsFunction } from "./seatEvents";
import { KnownCatalog, ProductCatalog, syncCatalog, validateCatalog } from "./catalog";
import { hubConfiguration, hubConfigurationObject } from "./hubConfigurationObject";
import { BusAccess, busAccessProblems, busPolicyProblem, hubBusPolicy } from "./busPolicy";
import { DEFAULT_TRUST_NAME_PREFIX, assertTrustNamePrefix, reservedNamePatterns } from "../trust/trustNames";
import { DEFAULT_WORK_DIRECTORY, assertWorkDirectory, renderLicenseServerDocument } from "./licenseServerDocument";
import { DEFAULT_WINDOWS_WORK_DIRECTORY, assertWindowsWorkDirectory } from "./licenseServerWindowsScript";
import { userListBucket } from "./userListBucket";
import { DEFAULT_INVENTORY_PERIOD_MINUTES, DEFAULT_SILENT_INVENTORY_PERIODS, inventoryWatch, inventoryWatchProblems, innermostOuId, InventoryWatchSettings } from "./inventoryWatch";
import { validated } from "../shared/validation";
import { TypeScriptOnly } from "../shared/typeScriptOnly";
import { componentType, withFormerType } from "../shared/componentType";

export interface LicenseServerHubArgs {
    /** Licensed products per workbench type, and each product's license server, seats and vendor CLI. Required. */
    catalog: ProductCatalog;
    /**
     * Workbench account ids allowed to send events. Without `organizationId` the bus policy lists each one (refused
     * at preview when it would pass EventBridge's 10,240 characters, about 150 accounts); with it, the bus admits the
     * organisation and the assignment Lambda refuses every account not listed. Default: none (then `organizationId`
     * with `workbenchOrganizationalUnitPaths` or `admitWholeOrganization` is required).
     */
    workbenchAccountIds?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * AWS Organizations id (`o-...`): organisation mode, one bus policy statement of the same size for any number of
     * accounts. Needs an explicit admitted set: `workbenchOrganizationalUnitPaths`, `workbenchAccountIds`, or
     * `admitWholeOrganization`. Default: none (listed mode).
     */
    organizationId?: pulumi.Input<string>;
    /**
     * OU paths of the workbench accounts (`o-.../r-.../ou-.../`, nested OUs included; `aws:PrincipalOrgPaths`): the
     * OUs the guardrail SCP is attached to. Organisation mode only. Default: none.
     */
    workbenchOrganizationalUnitPaths?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Admit every account of the organisation (`organizationId` alone). Set it only when the guardrail SCP is attached
     * at the organisation root: any account outside its targets could create the forwarding role. Default false.
     */
    admitWholeOrganization?: pulumi.Input<boolean>;
    /**
     * Role in the management account that lists the workbench OUs' accounts (WorkbenchStackSet
     * `membershipReaderRoleArn`). The silence watch assumes it each inventory period and releases the seats of every
     * account that left the OUs (moved out, removed from the organisation, suspended): in organisation mode the hub
     * keeps no list of accounts, so without it a departed account's seats stay held. Needs
     * `workbenchOrganizationalUnitPaths`. Default: none.
     */
    membershipReaderRoleArn?: pulumi.Input<string>;
    /**
     * Prefix of the workbench accounts' fixed names (their WorkbenchAccountForwarder `namePrefix`, at most 28
     * characters): the hub bus admits only the roles `<prefix>-workbench-to-hub*` of the admitted accounts (one per
     * region, and the single-region name of earlier releases). Default `license-ops`.
     */
    workbenchNamePrefix?: pulumi.Input<string>;
    /** EventBridge schedule of the sync. Default `rate(1 minute)`. */
    syncSchedule?: pulumi.Input<string>;
    /**
     * Also run the sync as soon as a seat appears or disappears: the change marker announces each change on the hub
     * bus and a rule invokes the sync, so a user's seat is installed within seconds instead of at the next tick. The
     * schedule stays the safety net. Default true. A plain value: it decides which resources exist.
     */
    syncOnChange?: boolean;
    /**
     * Safety net: each scheduled sync tick recomputes the lists of a slice of the products and compares them (by
     * checksum) with what their servers last confirmed, so that every product is compared at least once every this
     * many ticks even when no change was marked: a broken change marker delays list changes by at most this many
     * ticks. Default 10.
     */
    fullCheckEveryTicks?: pulumi.Input<number>;
    /** Sync Lambda timeout in seconds; bounds how long a sync waits for the license servers. Default 300. */
    syncTimeoutSeconds?: pulumi.Input<number>;
    /** Seconds the document's script step may run on a license server: the vendor CLI of each product of a command (at most 25). Default 120. */
    commandTimeoutSeconds?: pulumi.Input<number>;
    /** Seconds Run Command waits for a license server to pick a command up before giving up. Default 60. */
    commandDeliveryTimeoutSeconds?: pulumi.Input<number>;
    /** Days a stopped instance's tombstone is kept (at least 3: longer than every event retry window). Default 7. */
    tombstoneRetentionDays?: pulumi.Input<number>;
    /**
     * Seconds an event's EC2 time may lie ahead of the hub's clock; events further ahead are refused, counted
     * (`WorkbenchEventsFromFuture`) and alarmed. Inside this window an event still counts as no later than its
     * arrival. From 1 to 300. Default 30.
     */
    maxClockSkewSeconds?: pulumi.Input<number>;
    /**
     * Regions every admitted account runs workbenches in: with `workbenchAccountIds`, the account-regions the silence
     * alarm expects to hear from even before their first snapshot. Default: none (the alarm expects the
     * account-regions heard from in the last day).
     */
    workbenchRegions?: pulumi.Input<pulumi.Input<string>[]>;
    /** Minutes between two inventories of a workbench account-region (the forwarders' schedule). Default 5. */
    inventoryPeriodMinutes?: pulumi.Input<number>;
    /**
     * Inventory periods without a complete snapshot after which an expected account-region is silent and the
     * `<name>-silent-inventories` alarm names it (2-100). Default 3.
     */
    silentInventoryPeriods?: pulumi.Input<number>;
    /** Directory on the license servers under which the lists are installed. Default `/var/lib/license-hub`. */
    licenseServerWorkDirectory?: pulumi.Input<string>;
    /**
     * Directory on Windows license servers under which the lists are installed: a drive-absolute path without spaces.
     * Default `C:\ProgramData\license-hub`.
     */
    licenseServerWindowsWorkDirectory?: pulumi.Input<string>;
    /**
     * Names of the license servers' instance roles: the hub gives them read access to the user lists. Default:
     * none (attach the `licenseServerPolicy` output yourself). A list of inputs: each role gets its own policy resource.
     */
    licenseServerRoleNames?: pulumi.Input<string>[];
    /** Keep the table from being deleted (it holds who holds which seat). Default true. */
    tableDeletionProtection?: pulumi.Input<boolean>;
    /** Log retention of the hub's Lambdas, in days. Default 30. */
    logRetentionDays?: pulumi.Input<number>;
    /** Alarm actions (e.g. SNS topic ARNs) for the Lambda error and dead-letter alarms. Default: none. */
    alarmActions?: pulumi.Input<pulumi.Input<string>[]>;
}

const hubFunctions = new TypeScriptOnly<{ assignment: BundledFunction; changeMarker: BundledFunction; sync: BundledFunction; inventoryWatch: BundledFunction }>();
const DEFAULTS = { syncTimeoutSeconds: 300, commandTimeoutSeconds: 120, commandDeliveryTimeoutSeconds: 60 };

/** Every argument of LicenseServerHubArgs (checked both ways at compile time): anything else is refused by name. */
const LICENSE_SERVER_HUB_ARGUMENTS = knownKeys<LicenseServerHubArgs>()("catalog", "workbenchAccountIds", "organizationId", "workbenchOrganizationalUnitPaths", "admitWholeOrganization", "membershipReaderRoleArn", "workbenchNamePrefix", "syncSchedule", "syncOnChange", "fullCheckEveryTicks", "syncTimeoutSeconds", "commandTimeoutSeconds", "commandDeliveryTimeoutSeconds", "tombstoneRetentionDays", "maxClockSkewSeconds", "licenseServerWorkDirectory", "licenseServerWindowsWorkDirectory", "licenseServerRoleNames", "tableDeletionProtection", "logRetentionDays", "alarmActions", "workbenchRegions", "inventoryPeriodMinutes", "silentInventoryPeriods");

/**
 * The license server account side of floating licenses. Workbench start/stop events from the workbench accounts
 * arrive on a custom bus; an assignment Lambda keeps a DynamoDB table of who holds which product's seat (correct
 * under duplicated, reordered and retried events); a stream-triggered Lambda marks a product as changed whenever
 * one of its seats appears or disappears; and the sync installs each changed product's complete user list on its
 * license server with SSM Run Command, one command per server for all its products, the lists travelling as an S3
 * object, never on a command line.
 */
export class LicenseServerHub extends pulumi.ComponentResource {
    /** The hub bus the workbench accounts forward to. */
    public readonly bus: aws.cloudwatch.EventBus;
    /** The seat table (instances, seats, sync state); its stream feeds the change marker and the seat ledger. */
    public readonly table: aws.dynamodb.Table;
    /** The private bucket holding the user lists and the hub configuration object. */
    public readonly userListBucket: aws.s3.Bucket;
    /** The SSM document that installs a user list on a license server. */
    public readonly document: aws.ssm.Document;
    /** Events EventBridge could not deliver to the assignment or sync Lambda. */
    public readonly deadLetterQueue: aws.sqs.Queue;
    /** Stream batches the change marker could not process after its retries. */
    public readonly streamFailureQueue: aws.sqs.Queue;
    /** Alarm whose contributors are the expected workbench account-regions that sent no inventory snapshot for a while. */
    public readonly silentInventoriesAlarm: aws.cloudwatch.MetricAlarm;
    /** ARN of the silence watch's role: the principal a WorkbenchStackSet's membership reader role trusts. */
    public readonly inventoryWatchRoleArn: pulumi.Output<string>;

    /** ARN of the hub bus: every WorkbenchAccountForwarder's (and WorkbenchStackSet's) `hubEventBusArn`. */
    public readonly busArn: pulumi.Output<string>;
    /** Name of the hub bus. */
    public readonly busName: pulumi.Output<string>;
    /** Name of the seat table. */
    public readonly tableName: pulumi.Output<string>;
    /** Name of the sync Lambda (invoke it with `{"force": true}` to resend every list). */
    public readonly syncFunctionName: pulumi.Output<string>;
    /** Name of the SSM document the sync runs on the license servers. */
    public readonly documentName: pulumi.Output<string>;
    /** Name of the hub bucket (SeatLedger `configurationBucketName`). */
    public readonly userListBucketName: pulumi.Output<string>;
    /** IAM policy (JSON) a license server's instance role needs to download its lists. */
    public readonly licenseServerPolicy: pulumi.Output<string>;
    /**
     * IAM policy (JSON) the SSM Agent of the catalog's license servers needs to take the sync's Run Command (and
     * Session Manager): attach it to their instance role instead of `AmazonSSMManagedInstanceCore`, which would let a
     * license server read every SSM parameter of this account.
     */
    public readonly licenseServerAgentPolicy: pulumi.Output<string>;
    /**
     * Key of the hub's configuration object (catalog and admission list) in the `userListBucketName` bucket,
     * `configuration/hub-<sha256>.json`: SeatLedger `configurationObjectKey`.
     */
    public readonly configurationObjectKey: pulumi.Output<string>;
    /** Size in bytes of the configuration object (TypeScript only: what the quota tests measure). */
    public readonly configurationBytes: pulumi.Output<number>;

    /** The assignment Lambda: workbench events -> seat table (TypeScript only). */
    public get assignment(): BundledFunction {
        return hubFunctions.get(this).assignment;
    }
    /** The change marker Lambda: seat stream -> change marker parameter (TypeScript only). */
    public get changeMarker(): BundledFunction {
        return hubFunctions.get(this).changeMarker;
    }
    /** The sync Lambda: changed products -> user lists on the license servers (TypeScript only). */
    public get sync(): BundledFunction {
        return hubFunctions.get(this).sync;
    }
    /** The silence watch Lambda: last-snapshot records -> silent account-regions (TypeScript only). */
    public get inventoryWatch(): BundledFunction {
        return hubFunctions.get(this).inventoryWatch;
    }

    constructor(name: string, args: LicenseServerHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("LicenseServerHub"), name, {}, withFormerType("licensing:hub:LicenseServerHub", opts));
        assertArguments(name, args, LICENSE_SERVER_HUB_ARGUMENTS, this, { plain: { syncOnChange: args.syncOnChange, admitWholeOrganization: args.admitWholeOrganization } });
        // Every value may be an output of another resource: checked here when plain, once known otherwise.
        const settings = validated(
            {
                catalog: args.catalog,
                workbenchAccountIds: args.workbenchAccountIds,
                organizationId: args.organizationId,
                workbenchOrganizationalUnitPaths: args.workbenchOrganizationalUnitPaths,
                admitWholeOrganization: args.admitWholeOrganization,
                membershipReaderRoleArn: args.membershipReaderRoleArn,
                workbenchNamePrefix: args.workbenchNamePrefix,
                syncSchedule: args.syncSchedule,
                syncTimeoutSeconds: args.syncTimeoutSeconds,
                commandTimeoutSeconds: args.commandTimeoutSeconds,
                commandDeliveryTimeoutSeconds: args.commandDeliveryTimeoutSeconds,
                tombstoneRetentionDays: args.tombstoneRetentionDays,
                workbenchRegions: args.workbenchRegions,
                inventoryPeriodMinutes: args.inventoryPeriodMinutes,
                silentInventoryPeriods: args.silentInventoryPeriods,
                fullCheckEveryTicks: args.fullCheckEveryTicks,
                licenseServerWorkDirectory: args.licenseServerWorkDirectory,
                licenseServerWindowsWorkDirectory: args.licenseServerWindowsWorkDirectory,
            },
            (known) => validateArgs(name, known),
            this,
        );
        const { partition, region, accountId } = awsContext(this);
        const dnsSuffix = aws.getPartitionOutput({}, { parent: this }).dnsSuffix;

        // Event intake: the bus, who may write to it, and the rule feeding the assignment Lambda.
        this.bus = new aws.cloudwatch.EventBus(`${name}-workbench-events`, { description: "Workbench start/stop events from the workbench accounts" }, { parent: this });
        new aws.cloudwatch.EventBusPolicy(
            `${name}-workbench-events`,
            {
                eventBusName: this.bus.name,
                policy: pulumi.all([this.bus.arn, partition, settings]).apply(([arn, part, s]) => {
                    const policy = hubBusPolicy(arn, part, s.busAccess);
                    const problem = busPolicyProblem(policy);
                    if (problem) throw new pulumi.ResourceError(`${name}: ${problem}.`, this);
                    return JSON.stringify(policy);
                }),
            },
            { parent: this },
        );

        this.table = new aws.dynamodb.Table(
            `${name}-seats`,
            {
                hashKey: HUB_TABLE.keySchema[0].attributeName,
                rangeKey: HUB_TABLE.keySchema[1].attributeName,
                attributes: HUB_TABLE.attributes.map((a) => ({ name: a.name, type: a.type })),
                billingMode: "PAY_PER_REQUEST",
                streamEnabled: true,
                streamViewType: HUB_TABLE.streamViewType,
                pointInTimeRecovery: { enabled: true },
                serverSideEncryption: { enabled: true },
                ttl: { attributeName: HUB_TABLE.ttlAttribute, enabled: true },
                deletionProtectionEnabled: args.tableDeletionProtection ?? true,
            },
            { parent: this },
        );

        const lists = userListBucket(`${name}-user-lists`, this);
        this.userListBucket = lists.bucket;
        // The catalog and the admission list: one object every function reads, not 4 KB of environment each.
        const configuration = hubConfigurationObject(
            `${name}-configuration`,
            lists.bucket,
            settings.apply((s) => hubConfiguration(s.catalog, s.accountIds)),
            this,
        );
        this.configurationObjectKey = configuration.key;
        this.configurationBytes = configuration.bytes;

        const documentContent = pulumi.all([lists.bucket.bucket, region, dnsSuffix, settings]).apply(([bucketName, reg, suffix, s]) =>
            renderLicenseServerDocument({
                bucketName,
                region: reg,
                dnsSuffix: suffix,
                workDirectory: s.workDirectory,
                windowsWorkDirectory: s.windowsWorkDirectory,
                executionTimeoutSeconds: s.commandTimeoutSeconds,
            }),
        );
        this.document = new aws.ssm.Document(
            `${name}-install-user-list`,
            { documentType: "Command", documentFormat: "JSON", targetType: "/AWS::EC2::Instance", content: documentContent },
            { parent: this },
        );

        this.deadLetterQueue = deadLetterQueue(`${name}-undelivered`, this);
        this.streamFailureQueue = deadLetterQueue(`${name}-stream-failures`, this);
        tlsOnlyQueuePolicy(`${name}-stream-failures`, this.streamFailureQueue, this);
        const lambdaDefaults = { logRetentionDays: args.logRetentionDays, alarmActions: args.alarmActions };

        // Assignment: workbench events -> instance items and seat rows.
        const maxClockSkewSeconds = whenKnown(
            args.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS,
            (skew) => {
                if (!Number.isInteger(skew) || skew < 1 || skew > MAX_MAX_CLOCK_SKEW_SECONDS) {
                    throw new pulumi.ResourceError(`${name}: maxClockSkewSeconds must be an integer from 1 to ${MAX_MAX_CLOCK_SKEW_SECONDS} (got ${skew}).`, this);
                }
            },
            this,
        );
        const assignment = new BundledFunction(
            `${name}-assignment`,
            {
                handler: "hub-assignment",
                description: "Applies workbench start/stop events to the seat table",
                environment: {
                    [ASSIGNMENT_ENVIRONMENT.tableName]: this.table.name,
                    ...configuration.environment,
                    [ASSIGNMENT_ENVIRONMENT.tombstoneRetentionSeconds]: settings.tombstoneRetentionDays.apply((days) => String(days * 86400)),
                    [ASSIGNMENT_ENVIRONMENT.maxClockSkewSeconds]: maxClockSkewSeconds.apply(String),
                    POWERTOOLS_SERVICE_NAME: `${name}-assignment`,
                },
                statements: [
                    configuration.readStatement,
                    {
                        sid: "ApplyWorkbenchEvents",
                        actions: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                        resources: [this.table.arn],
                        conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${INSTANCE_PARTITION_PREFIX}*`, `${SEAT_PARTITION_PREFIX}*`] } },
                    },
                    {
                        // A complete snapshot reads its account-region's instance partition and the seat rows they name.
                        sid: "ReadAccountRegion",
                        actions: ["dynamodb:Query", "dynamodb:BatchGetItem"],
                        resources: [this.table.arn],
                        conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${INSTANCE_PARTITION_PREFIX}*`, `${SEAT_PARTITION_PREFIX}*`] } },
                    },
                    {
                        sid: "CollectInventoryChunks",
                        actions: ["dynamodb:PutItem", "dynamodb:Query", "dynamodb:BatchWriteItem"],
                        resources: [this.table.arn],
                        conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${SNAPSHOT_PARTITION_PREFIX}*`] } },
                    },
                    {
                        sid: "RecordLastSnapshots",
                        actions: ["dynamodb:GetItem", "dynamodb:PutItem"],
                        resources: [this.table.arn],
                        conditions: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [INVENTORY_PARTITION, LAYOUT_MARKER_KEY.pk] } },
                    },
                    {
                        // Moving an earlier release's instance items into their account-region partitions (legacyInstances.ts).
                        sid: "MoveEarlierInstanceItems",
                        actions: ["dynamodb:PutItem"],
                        resources: [this.table.arn],
                        conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${INSTANCE_PARTITION_PREFIX}*`] } },
                    },
                    // A Scan names no partition key, so LeadingKeys cannot narrow it: it finds the earlier release's
                    // instance items, once per table (legacyInstances.ts); snapshots never scan.
                    { sid: "FindEarlierInstanceItems", actions: ["dynamodb:Scan"], resources: [this.table.arn] },
                ],
                // A complete snapshot corrects every instance of its account and region, a few at a time.
                timeoutSeconds: 120,
                asyncInvocation: {},
                ...lambdaDefaults,
            },
            { parent: this },
        );
        const workbenchRule = new aws.cloudwatch.EventRule(
            `${name}-workbench-events`,
            { eventBusName: this.bus.name, description: "Workbench state changes of the supported contract versions", eventPattern: JSON.stringify(hubBusPattern()) },
            { parent: this },
        );
        invokeFunctionOnRule(`${name}-workbench-events`, workbenchRule, assignment, this.deadLetterQueue.arn, this);
        // A refused event is an account or a clock that is not what it should be, or someone trying to take a seat.
        anyOccurrenceAlarm(
            `${name}-refused-events`,
            { namespace: METRICS_NAMESPACE, metricName: "WorkbenchEventsRejected", dimensions: { service: `${name}-assignment` }, statistic: "Sum" },
            "The hub refused workbench events (unlisted account, account or region other than the sender's, unknown type, malformed, or stamped in the future): see the assignment log",
            args.alarmActions,
            this,
        );

        // Change marker: seat rows created or deleted -> the products' change marks (and, syncing on change, an
        // announcement on the hub bus that runs the sync at once).
        const syncOnChange = args.syncOnChange ?? true;
        const changeMarker = new BundledFunction(
            `${name}-change-marker`,
            {
                handler: "hub-change-marker",
                description: "Marks a product as changed when one of its seat rows appears or disappears",
                environment: {
                    [CHANGE_MARKER_ENVIRONMENT.tableName]: this.table.name,
                    ...(syncOnChange ? { [CHANGE_MARKER_ENVIRONMENT.syncTriggerBusName]: this.bus.name } : {}),
                    POWERTOOLS_SERVICE_NAME: `${name}-change-marker`,
                },
                statements: [
                    ...(syncOnChange
                        ? [
                              {
                                  sid: "TriggerSync",
                                  actions: ["events:PutEvents"],
                                  resources: [this.bus.arn],
                                  // Only the seat-change announcement: the role cannot put workbench events on the bus.
                                  // Both keys hold lists (one value per entry of a PutEvents call): every entry must match.
                                  conditions: {
                                      "ForAllValues:StringEquals": { "events:source": SEAT_CHANGE_EVENT.source, "events:detail-type": SEAT_CHANGE_EVENT.detailType },
                                  },
                              },
                          ]
                        : []),
                    {
                        sid: "MarkChangedProducts",
                        actions: ["dynamodb:UpdateItem"],
                        resources: [this.table.arn],
                        // Only change marks, and only their own attributes.
                        conditions: {
                            "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [CHANGE_MARK_PARTITION], "dynamodb:Attributes": [...CHANGE_MARK_ATTRIBUTES] },
                            StringEqualsIfExists: { "dynamodb:ReturnValues": "NONE" },
                        },
                    },
                    {
                        sid: "ReadSeatStream",
                        actions: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                        resources: [this.table.streamArn],
                    },
                    // The event source mapping lists streams; AWS authorises ListStreams on "*" only.
                    { sid: "ListStreams", actions: ["dynamodb:ListStreams"], resources: ["*"] },
                    { sid: "SendFailedBatches", actions: ["sqs:SendMessage"], resources: [this.streamFailureQueue.arn] },
                ],
                ...lambdaDefaults,
            },
            { parent: this },
        );
        new aws.lambda.EventSourceMapping(
            `${name}-seat-changes`,
            {
                eventSourceArn: this.table.streamArn,
                functionName: changeMarker.function.arn,
                filterCriteria: { filters: [{ pattern: JSON.stringify(seatChangeStreamFilter()) }] },
                destinationConfig: { onFailure: { destinationArn: this.streamFailureQueue.arn } },
                batchSize: CHANGE_MARKER_EVENT_SOURCE.batchSize,
                maximumBatchingWindowInSeconds: CHANGE_MARKER_EVENT_SOURCE.maximumBatchingWindowInSeconds,
                startingPosition: CHANGE_MARKER_EVENT_SOURCE.startingPosition,
                bisectBatchOnFunctionError: CHANGE_MARKER_EVENT_SOURCE.bisectBatchOnFunctionError,
                functionResponseTypes: [...CHANGE_MARKER_EVENT_SOURCE.functionResponseTypes],
                maximumRetryAttempts: CHANGE_MARKER_EVENT_SOURCE.maximumRetryAttempts,
                maximumRecordAgeInSeconds: CHANGE_MARKER_EVENT_SOURCE.maximumRecordAgeInSeconds,
            },
            { parent: this },
        );

        // Seat Denied / Seat Granted on the hub bus, for people (chat, e-mail: docs/seat-events.md).
        seatEventsFunction(`${name}-seat-events`, { table: this.table, bus: this.bus, configuration, streamFailureQueue: this.streamFailureQueue, ...lambdaDefaults }, this);

        // Sync: change marks + seat rows -> user lists on the license servers.
        const instanceArns = pulumi.all([settings, partition, region, accountId]).apply(([s, part, reg, account]) =>
            [...new Set(Object.values(syncCatalog(s.catalog)).map((p) => p.instanceId))].map((id) => `arn:${part}:ec2:${reg}:${account}:instance/${id}`),
        );
        // Lists installed through an older document are resent; product changes the sync notices itself.
        const documentFingerprint = documentContent.apply((content) => createHash("sha256").update(content).digest("hex"));
        const sync = new BundledFunction(
            `${name}-sync`,
            {
                handler: "hub-sync",
                description: "Installs changed products' user lists on their license servers",
                environment: {
                    [SYNC_ENVIRONMENT.tableName]: this.table.name,
                    ...configuration.environment,
                    [SYNC_ENVIRONMENT.userListBucket]: lists.bucket.bucket,
                    [SYNC_ENVIRONMENT.documentName]: this.document.name,
                    [SYNC_ENVIRONMENT.configurationFingerprint]: documentFingerprint,
                    [SYNC_ENVIRONMENT.deliveryTimeoutSeconds]: settings.deliveryTimeoutSeconds.apply(String),
                    [SYNC_ENVIRONMENT.fullCheckEveryTicks]: settings.fullCheckEveryTicks.apply(String),
                    POWERTOOLS_SERVICE_NAME: `${name}-sync`,
                },
                statements: [
                    configuration.readStatement,
                    {
                        sid: "ReadSeatRows",
                        actions: ["dynamodb:Query"],
                        resources: [this.table.arn],
                        conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${SEAT_PARTITION_PREFIX}*`] } },
                    },
                    {
                        sid: "KeepSyncState",
                        actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                        resources: [this.table.arn],
                        conditions: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [SYNC_PARTITION] } },
                    },
                    {
                        sid: "FollowChangeMarks",
                        actions: ["dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                        resources: [this.table.arn],
                        conditions: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [CHANGE_MARK_PARTITION] } },
                    },
                    { sid: "WriteUserLists", actions: ["s3:PutObject"], resources: [pulumi.interpolate`${lists.bucket.arn}/${USER_LIST_PREFIX}*`] },
                    // SendCommand is authorised on both the document and each target instance: name exactly these.
                    { sid: "InstallUserLists", actions: ["ssm:SendCommand"], resources: pulumi.all([this.document.arn, instanceArns]).apply(([doc, instances]) => [doc, ...instances]) },
                    // GetCommandInvocation has no resource-level permissions.
                    { sid: "ReadCommandResults", actions: ["ssm:GetCommandInvocation"], resources: ["*"] },
                ],
                timeoutSeconds: settings.syncTimeoutSeconds,
                // Two syncs must never interleave their commands and state writes.
                reservedConcurrency: 1,
                // The next tick is the retry; a tick queued behind a long sync is dropped rather than run late.
                asyncInvocation: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 600 },
                ...lambdaDefaults,
            },
            { parent: this },
        );
        const watch = inventoryWatch(
            name,
            {
                table: this.table,
                tombstoneRetentionSeconds: settings.tombstoneRetentionDays.apply((days) => days * 86400),
                settings: settings.apply((s) => s.inventoryWatch),
                configuration,
                deadLetterQueueArn: this.deadLetterQueue.arn,
                membershipReaderRoleArn: args.membershipReaderRoleArn,
                ...lambdaDefaults,
            },
            this,
        );
        this.silentInventoriesAlarm = watch.alarm;
        this.inventoryWatchRoleArn = watch.fn.role.arn;
        hubFunctions.set(this, { assignment, changeMarker, sync, inventoryWatch: watch.fn });
        const syncRule = scheduleRule(`${name}-sync`, settings.syncSchedule, "Sync of the license servers' user lists", this);
        invokeFunctionOnRule(`${name}-sync`, syncRule, sync, this.deadLetterQueue.arn, this);
        const deliveringRules = [workbenchRule.arn, syncRule.arn];
        if (syncOnChange) {
            // Extra invocations are harmless: the sync runs one at a time and only acts on products marked as changed.
            const onChangeRule = new aws.cloudwatch.EventRule(
                `${name}-sync-on-change`,
                {
                    eventBusName: this.bus.name,
                    description: "Runs the sync when the change marker announces a seat change",
                    eventPattern: accountId.apply((id) => JSON.stringify(seatChangeEventPattern(id))),
                },
                { parent: this },
            );
            invokeFunctionOnRule(`${name}-sync-on-change`, onChangeRule, sync, this.deadLetterQueue.arn, this);
            deliveringRules.push(onChangeRule.arn);
        }
        allowEventBridgeDeadLetters(`${name}-undelivered`, this.deadLetterQueue, deliveringRules, this);

        deadLetterAlarm(`${name}-undelivered`, this.deadLetterQueue, "events EventBridge could not deliver to the hub's Lambdas", args.alarmActions, this);
        deadLetterAlarm(`${name}-stream-failures`, this.streamFailureQueue, "seat changes the change marker could not record", args.alarmActions, this);

        const licenseServerPolicy = policyDocument(lists.licenseServerStatements, name);
        (args.licenseServerRoleNames ?? []).forEach((roleName, i) => {
            new aws.iam.RolePolicy(`${name}-license-server-${i}`, { role: roleName, policy: licenseServerPolicy }, { parent: this });
        });

        this.busArn = this.bus.arn;
        this.busName = this.bus.name;
        this.tableName = this.table.name;
        this.syncFunctionName = sync.functionName;
        this.documentName = this.document.name;
        this.userListBucketName = lists.bucket.bucket;
        this.licenseServerPolicy = licenseServerPolicy;
        // The sync's commands go to the catalog's instances only, in this account and Region (Run Command is regional).
        const licenseServerIds = settings.apply((s) => Object.values(s.catalog.products).map((p) => p.licenseServerInstanceId));
        this.licenseServerAgentPolicy = policyDocument(ec2ManagedNodeStatements({ partition, region, accountId }, licenseServerIds), `${name}: license server agent policy`);
        this.registerOutputs({
            inventoryWatchRoleArn: this.inventoryWatchRoleArn,
            busArn: this.busArn,
            busName: this.busName,
            tableName: this.tableName,
            tableArn: this.table.arn,
            assignmentFunctionName: assignment.functionName,
            changeMarkerFunctionName: changeMarker.functionName,
            syncFunctionName: this.syncFunctionName,
            documentName: this.documentName,
            userListBucketName: this.userListBucketName,
            licenseServerPolicy: this.licenseServerPolicy,
            licenseServerAgentPolicy: this.licenseServerAgentPolicy,
            configurationObjectKey: this.configurationObjectKey,
            deadLetterQueueUrl: this.deadLetterQueue.url,
            streamFailureQueueUrl: this.streamFailureQueue.url,
        });
    }
}

/** The hub's arguments with every output resolved. */
interface KnownHubArgs {
    catalog: KnownCatalog;
    workbenchAccountIds?: string[];
    organizationId?: string;
    workbenchOrganizationalUnitPaths?: string[];
    admitWholeOrganization?: boolean;
    membershipReaderRoleArn?: string;
    workbenchNamePrefix?: string;
    syncSchedule?: string;
    syncTimeoutSeconds?: number;
    commandTimeoutSeconds?: number;
    commandDeliveryTimeoutSeconds?: number;
    tombstoneRetentionDays?: number;
    workbenchRegions?: string[];
    inventoryPeriodMinutes?: number;
    silentInventoryPeriods?: number;
    fullCheckEveryTicks?: number;
    licenseServerWorkDirectory?: string;
    licenseServerWindowsWorkDirectory?: string;
}

function validateArgs(name: string, args: KnownHubArgs) {
    validateCatalog(name, args.catalog);
    const accountIds = args.workbenchAccountIds ?? [];
    const organizationId = args.organizationId;
    const access = {
        accountIds,
        organizationId,
        organizationalUnitPaths: args.workbenchOrganizationalUnitPaths ?? [],
        admitWholeOrganization: args.admitWholeOrganization ?? false,
    };
    const accessProblems = busAccessProblems(access);
    if (accessProblems.length > 0) throw new Error(`${name}: ${accessProblems.join(`; `)}.`);
    const prefix = args.workbenchNamePrefix ?? DEFAULT_TRUST_NAME_PREFIX;
    assertTrustNamePrefix(name, "workbenchNamePrefix", prefix);
    const busAccess: BusAccess = { ...access, forwardRolePattern: reservedNamePatterns(prefix).forwardRolePattern };
    // The bus ARN is known only after deployment: measured here with the longest ARN this bus could have, so that
    // preview refuses a list that would not fit, and again on the real ARN.
    const sizeProblem = busPolicyProblem(hubBusPolicy(`arn:aws-iso-b:events:us-isof-south-1:000000000000:event-bus/${name}-workbench-events-0000000`, "aws-iso-b", busAccess));
    if (sizeProblem) throw new Error(`${name}: ${sizeProblem}.`);

    const integer = (field: string, value: number, min: number, max: number) => {
        if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name}: ${field} must be an integer from ${min} to ${max} (got ${value}).`);
        return value;
    };
    const syncTimeoutSeconds = integer("syncTimeoutSeconds", args.syncTimeoutSeconds ?? DEFAULTS.syncTimeoutSeconds, 60, 900);
    const commandTimeoutSeconds = integer("commandTimeoutSeconds", args.commandTimeoutSeconds ?? DEFAULTS.commandTimeoutSeconds, 30, 3600);
    const deliveryTimeoutSeconds = integer("commandDeliveryTimeoutSeconds", args.commandDeliveryTimeoutSeconds ?? DEFAULTS.commandDeliveryTimeoutSeconds, 30, 600);
    if (syncTimeoutSeconds < deliveryTimeoutSeconds + commandTimeoutSeconds + 30) {
        throw new Error(
            `${name}: syncTimeoutSeconds (${syncTimeoutSeconds}) must leave room for a command to be delivered and run: ` +
                `at least commandDeliveryTimeoutSeconds + commandTimeoutSeconds + 30 = ${deliveryTimeoutSeconds + commandTimeoutSeconds + 30}.`,
        );
    }
    const tombstoneRetentionDays = integer("tombstoneRetentionDays", args.tombstoneRetentionDays ?? DEFAULT_TOMBSTONE_RETENTION_DAYS, MIN_TOMBSTONE_RETENTION_DAYS, 365);
    const fullCheckEveryTicks = integer("fullCheckEveryTicks", args.fullCheckEveryTicks ?? DEFAULT_FULL_CHECK_EVERY_TICKS, 1, 1440);
    const workDirectory = args.licenseServerWorkDirectory ?? DEFAULT_WORK_DIRECTORY;
    try {
        assertWorkDirectory(workDirectory);
    } catch (err) {
        throw new Error(`${name}: licenseServerWorkDirectory: ${(err as Error).message}`);
    }
    const windowsWorkDirectory = args.licenseServerWindowsWorkDirectory ?? DEFAULT_WINDOWS_WORK_DIRECTORY;
    try {
        assertWindowsWorkDirectory(windowsWorkDirectory);
    } catch (err) {
        throw new Error(`${name}: licenseServerWindowsWorkDirectory: ${(err as Error).message}`);
    }
    const syncSchedule = args.syncSchedule ?? DEFAULT_SYNC_SCHEDULE;
    assertScheduleExpression(syncSchedule, `${name}: syncSchedule`);

    const inventoryWatchSettings: InventoryWatchSettings = {
        regions: args.workbenchRegions ?? [],
        periodMinutes: args.inventoryPeriodMinutes ?? DEFAULT_INVENTORY_PERIOD_MINUTES,
        silentPeriods: args.silentInventoryPeriods ?? DEFAULT_SILENT_INVENTORY_PERIODS,
        ...(args.membershipReaderRoleArn !== undefined
            ? { membership: { roleArn: args.membershipReaderRoleArn, ouIds: (args.workbenchOrganizationalUnitPaths ?? []).map(innermostOuId) } }
            : {}),
    };
    const watchProblems = inventoryWatchProblems(inventoryWatchSettings);
    if (watchProblems.length > 0) throw new Error(`${name}: ${watchProblems.join("; ")}.`);
    return { catalog: args.catalog, accountIds, organizationId, busAccess, inventoryWatch: inventoryWatchSettings, syncTimeoutSeconds, commandTimeoutSeconds, deliveryTimeoutSeconds, tombstoneRetentionDays, fullCheckEveryTicks, workDirectory, windowsWorkDirectory, syncSchedule };
}
