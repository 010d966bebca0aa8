import { assertArguments } from "../shared/argumentChecks";
import { knownKeys } from "../shared/configKeys";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { BundledFunction } from "../lambda/bundledFunction";
import { bundleDigest } from "../lambda/bundle";
import { EVENT_DELIVERY_RETRY, assertScheduleExpression, invokeFunctionOnRule } from "../lambda/triggers";
import { awsContext } from "../shared/awsContext";
import { policyDocument, serviceTrustPolicy } from "../shared/iam";
import { allowEventBridgeDeadLetters, deadLetterQueue } from "../shared/sqs";
import { whenKnown } from "../shared/validation";
import { caseCollision } from "../shared/tagKeys";
import { TypeScriptOnly } from "../shared/typeScriptOnly";
import { componentType, withFormerType } from "../shared/componentType";
import { anyOccurrenceAlarm, deadLetterAlarm } from "../shared/alarms";
import { METRICS_NAMESPACE } from "../../functions/shared/telemetry";
import { WORKBENCH_EVENT_DETAIL_TYPE, WORKBENCH_EVENT_SOURCE, WORKBENCH_SNAPSHOT_DETAIL_TYPE, ec2StateChangePattern, workbenchForwardPattern } from "../../functions/shared/workbenchEvent";
import { DEFAULT_TAG_KEYS } from "../../functions/workbench-forwarder/forwarder";
import { DEFAULT_TRUST_NAME_PREFIX, assertTrustNamePrefix, trustNames } from "../trust/trustNames";
import { workbenchBusPolicy } from "./workbenchBusPolicy";
import { DEFAULT_INVENTORY_PERIOD_MINUTES, spreadInventorySchedule } from "./inventorySchedule";

export interface WorkbenchAccountForwarderArgs {
    /** ARN of the LicenseServerHub's event bus in the license server account. Required. */
    hubEventBusArn: pulumi.Input<string>;
    /** Tag holding the workbench owner's user id. Default `vew:workbench:ownerId`. */
    ownerTagKey?: pulumi.Input<string>;
    /** Tag holding the workbench type. Default `vew:workbench:type`. */
    workbenchTypeTagKey?: pulumi.Input<string>;
    /**
     * Prefix of the fixed names the hub bus policy and the Organizations guardrails rely on (at most 28 characters):
     * roles `<prefix>-workbench-forwarder-<region>`, `<prefix>-workbench-inventory-<region>` and
     * `<prefix>-workbench-to-hub-<region>` (the region of this component's provider), bus `<prefix>-workbench-events`,
     * functions `<prefix>-workbench-forwarder` and `<prefix>-workbench-inventory`, rules `<prefix>-workbench-ec2-state`,
     * `<prefix>-workbench-inventory` and `<prefix>-workbench-to-hub`. Must equal the hub's `workbenchNamePrefix`.
     * Default `license-ops`.
     */
    namePrefix?: pulumi.Input<string>;
    /** Log retention of the forwarder Lambda, in days. Default 30. */
    logRetentionDays?: pulumi.Input<number>;
    /**
     * Alarm actions (e.g. an SNS topic ARN) for the forwarder's and inventory's errors alarms, the rejected-events
     * alarm and the dead-letter alarms. Default: none.
     */
    alarmActions?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * EventBridge schedule of the inventory, which sends every instance carrying a workbench tag key to the hub as a
     * snapshot so that it heals from lost events (`rate(...)` or `cron(...)`). Default: every 5 minutes at a minute
     * of its own derived from the account and region (`cron(<0-4>/5 * * * ? *)`), so that the estate's snapshots spread
     * over the period.
     */
    inventorySchedule?: pulumi.Input<string>;
}

/**
 * A fixed schedule of the same period, for deployments that cannot derive a minute per account-region (the StackSet
 * template is one for every instance: its instances' rate schedules start when each was created).
 */
export const DEFAULT_INVENTORY_SCHEDULE = `rate(${DEFAULT_INVENTORY_PERIOD_MINUTES} minutes)`;

const forwarders = new TypeScriptOnly<BundledFunction>();
const inventories = new TypeScriptOnly<BundledFunction>();
/** An EventBridge event bus ARN (any partition). */
export const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._\-/]+$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

/** Every argument of WorkbenchAccountForwarderArgs (checked both ways at compile time): anything else is refused by name. */
const WORKBENCH_ACCOUNT_FORWARDER_ARGUMENTS = knownKeys<WorkbenchAccountForwarderArgs>()("hubEventBusArn", "ownerTagKey", "workbenchTypeTagKey", "namePrefix", "logRetentionDays", "alarmActions", "inventorySchedule");

/**
 * The workbench-account side of floating licenses. EC2 state changes of instances tagged as workbenches become
 * `licensing.workbench` events on the account's dedicated workbench bus, which only the forwarder's role may put
 * events on; a rule there forwards them to the license server account's hub bus with a role of a fixed name, the
 * only principal the hub bus admits (cross-account, with retries and a dead-letter queue). A scheduled inventory
 * (and one at deployment) sends every workbench instance as a snapshot on the same path, from which the hub
 * repairs what lost events left wrong and seats instances that were already running.
 */
export class WorkbenchAccountForwarder extends pulumi.ComponentResource {
    /** The default-bus rule feeding EC2 state changes to the forwarder (fixed name, guarded by the SCP). */
    public readonly stateChangeRule: aws.cloudwatch.EventRule;
    /** The workbench-bus rule forwarding workbench events to the hub bus. */
    public readonly forwardRule: aws.cloudwatch.EventRule;
    /** The role EventBridge forwards with: the only principal the hub bus admits. */
    public readonly forwardRole: aws.iam.Role;
    /** The dedicated bus the forwarder publishes workbench events to. */
    public readonly bus: aws.cloudwatch.EventBus;
    /** The schedule rule of the inventory (on the default bus, where EventBridge runs schedules). */
    public readonly inventoryRule: aws.cloudwatch.EventRule;
    /** Events EventBridge could not deliver (to the Lambda or to the hub bus). */
    public readonly deadLetterQueue: aws.sqs.Queue;
    /** Name of the forwarder Lambda. */
    public readonly forwarderFunctionName: pulumi.Output<string>;
    /** ARN of the rule feeding EC2 state changes to the forwarder. */
    public readonly stateChangeRuleArn: pulumi.Output<string>;
    /** ARN of the rule forwarding workbench events to the hub bus. */
    public readonly forwardRuleArn: pulumi.Output<string>;
    /** URL of the queue holding events EventBridge could not deliver. */
    public readonly deadLetterQueueUrl: pulumi.Output<string>;
    /** Name of the inventory Lambda. */
    public readonly inventoryFunctionName: pulumi.Output<string>;

    /** The forwarder Lambda with its role, log group, alarms and failure queue (TypeScript only). */
    public get forwarder(): BundledFunction {
        return forwarders.get(this);
    }

    /** The inventory Lambda with its role, log group, alarms and failure queue (TypeScript only). */
    public get inventory(): BundledFunction {
        return inventories.get(this);
    }

    constructor(name: string, args: WorkbenchAccountForwarderArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("WorkbenchAccountForwarder"), name, {}, withFormerType("licensing:workbench:WorkbenchAccountForwarder", opts));
        assertArguments(name, args, WORKBENCH_ACCOUNT_FORWARDER_ARGUMENTS, this);
        const hubEventBusArn = whenKnown(
            args.hubEventBusArn,
            (arn) => {
                if (!EVENT_BUS_ARN.test(arn)) throw new Error(`${name}: hubEventBusArn "${arn}" is not an EventBridge event bus ARN.`);
            },
            this,
        );
        const tagKeys = whenKnown(
            [args.ownerTagKey ?? DEFAULT_TAG_KEYS.ownerTagKey, args.workbenchTypeTagKey ?? DEFAULT_TAG_KEYS.typeTagKey] as pulumi.Input<string[]>,
            ([owner, type]) => {
                assertTagKey(name, "ownerTagKey", owner);
                assertTagKey(name, "workbenchTypeTagKey", type);
                const collision = caseCollision([owner, type]);
                if (collision) throw new Error(`${name}: ownerTagKey and workbenchTypeTagKey: ${collision}.`);
            },
            this,
        );
        const ownerTagKey = tagKeys.apply((keys) => keys[0]);
        const typeTagKey = tagKeys.apply((keys) => keys[1]);
        // The region is the provider's: an event's region never names anything here.
        const { accountId, region } = awsContext(this);
        const inventorySchedule =
            args.inventorySchedule === undefined
                ? pulumi.all([accountId, region]).apply(([account, reg]) => spreadInventorySchedule(account, reg))
                : whenKnown(args.inventorySchedule, (schedule) => assertScheduleExpression(schedule, `${name}: inventorySchedule`), this);
        const prefix = whenKnown(args.namePrefix ?? DEFAULT_TRUST_NAME_PREFIX, (value) => assertTrustNamePrefix(name, "namePrefix", value), this);
        const names = pulumi.all([prefix, region]).apply(([p, r]) => trustNames(p, r));

        this.deadLetterQueue = deadLetterQueue(`${name}-undelivered`, this);
        this.bus = new aws.cloudwatch.EventBus(
            `${name}-bus`,
            { name: names.workbenchBusName, description: "Workbench events of this account; only the forwarder may publish" },
            { parent: this },
        );

        const forwarder = new BundledFunction(
            `${name}-forwarder`,
            {
                handler: "workbench-forwarder",
                functionName: names.forwarderFunctionName,
                description: "Forwards what EC2 says about a workbench whose state changed as a licensing.workbench event",
                environment: { OWNER_TAG_KEY: ownerTagKey, TYPE_TAG_KEY: typeTagKey, EVENT_BUS_NAME: this.bus.name },
                roleName: names.publisherRoleName,
                statements: [
                    // DescribeInstances has no resource-level permissions: AWS only accepts "*"; the region is pinned.
                    { sid: "DescribeWorkbenchInstance", actions: ["ec2:DescribeInstances"], resources: ["*"], conditions: { StringEquals: { "aws:RequestedRegion": region } } },
                    // State changes only: the forwarder's role cannot publish a snapshot (or anything else) on its bus.
                    {
                        sid: "PutWorkbenchEvents",
                        actions: ["events:PutEvents"],
                        resources: [this.bus.arn],
                        conditions: { "ForAllValues:StringEquals": { "events:source": [WORKBENCH_EVENT_SOURCE], "events:detail-type": [WORKBENCH_EVENT_DETAIL_TYPE] } },
                    },
                ],
                timeoutSeconds: 30,
                memorySizeMb: 256,
                logRetentionDays: args.logRetentionDays,
                asyncInvocation: {},
                alarmActions: args.alarmActions,
            },
            { parent: this },
        );
        forwarders.set(this, forwarder);
        // A start the forwarder refused is an instance whose workbench tags are missing, empty or not valid values:
        // a provisioning mistake, or someone trying to take a seat. The forwarder counts it under its Powertools
        // service name, which BundledFunction sets to the handler's name.
        anyOccurrenceAlarm(
            `${name}-rejected-events`,
            { namespace: METRICS_NAMESPACE, metricName: "WorkbenchEventsRejected", dimensions: { service: "workbench-forwarder" }, statistic: "Sum" },
            "The workbench forwarder refused EC2 state changes (workbench tags missing, empty or invalid): see the forwarder's log",
            args.alarmActions,
            this,
        );

        this.stateChangeRule = new aws.cloudwatch.EventRule(
            `${name}-ec2-state`,
            { name: names.stateChangeRuleName, description: "EC2 state changes that start or end a workbench session", eventPattern: JSON.stringify(ec2StateChangePattern()) },
            { parent: this },
        );
        invokeFunctionOnRule(`${name}-ec2-state`, this.stateChangeRule, forwarder, this.deadLetterQueue.arn, this);

        // Inventory: the anti-entropy that lets the hub heal from lost events and seat instances already running.
        const inventory = new BundledFunction(
            `${name}-inventory`,
            {
                handler: "workbench-inventory",
                functionName: names.inventoryFunctionName,
                description: "Sends the account's workbench instances to the license server hub as an inventory snapshot",
                environment: { OWNER_TAG_KEY: ownerTagKey, TYPE_TAG_KEY: typeTagKey, EVENT_BUS_NAME: this.bus.name },
                roleName: names.inventoryRoleName,
                statements: [
                    // DescribeInstances has no resource-level permissions: AWS only accepts "*"; the region is pinned.
                    { sid: "ListWorkbenchInstances", actions: ["ec2:DescribeInstances"], resources: ["*"], conditions: { StringEquals: { "aws:RequestedRegion": region } } },
                    // Snapshots only: the inventory role cannot publish a state change (or anything else) even on its own bus.
                    {
                        sid: "PutInventorySnapshots",
                        actions: ["events:PutEvents"],
                        resources: [this.bus.arn],
                        conditions: { "ForAllValues:StringEquals": { "events:source": [WORKBENCH_EVENT_SOURCE], "events:detail-type": [WORKBENCH_SNAPSHOT_DETAIL_TYPE] } },
                    },
                ],
                timeoutSeconds: 120,
                memorySizeMb: 512,
                logRetentionDays: args.logRetentionDays,
                asyncInvocation: {},
                alarmActions: args.alarmActions,
            },
            { parent: this },
        );
        inventories.set(this, inventory);

        // Every role that publishes on the workbench bus; the bus refuses all others. Built after both publishers,
        // so the policy names their roles (a Deny naming a role that does not exist yet would still refuse it).
        const publisherRoleArns = [forwarder.role.arn, inventory.role.arn];
        const busPolicy = new aws.cloudwatch.EventBusPolicy(
            `${name}-bus`,
            { eventBusName: this.bus.name, policy: pulumi.all([this.bus.arn, ...publisherRoleArns]).apply(([busArn, ...roles]) => JSON.stringify(workbenchBusPolicy(busArn, roles))) },
            { parent: this },
        );

        this.forwardRule = new aws.cloudwatch.EventRule(
            `${name}-to-hub`,
            { name: names.forwardRuleName, eventBusName: this.bus.name, description: "Forwards workbench events to the license server account", eventPattern: JSON.stringify(workbenchForwardPattern()) },
            { parent: this },
        );
        this.forwardRole = new aws.iam.Role(
            `${name}-to-hub`,
            {
                name: names.forwardRoleName,
                assumeRolePolicy: serviceTrustPolicy("events.amazonaws.com", accountId),
                description: "EventBridge forwarding workbench events to the hub bus (the only role the hub bus admits)",
            },
            { parent: this },
        );
        const forwardPolicy = new aws.iam.RolePolicy(
            `${name}-to-hub`,
            { role: this.forwardRole.id, policy: policyDocument([{ sid: "PutOnHubBus", actions: ["events:PutEvents"], resources: [hubEventBusArn] }], name) },
            { parent: this },
        );
        const forwardTarget = new aws.cloudwatch.EventTarget(
            `${name}-to-hub`,
            {
                rule: this.forwardRule.name,
                eventBusName: this.bus.name,
                arn: hubEventBusArn,
                roleArn: this.forwardRole.arn,
                retryPolicy: EVENT_DELIVERY_RETRY,
                deadLetterConfig: { arn: this.deadLetterQueue.arn },
            },
            { parent: this, dependsOn: [forwardPolicy] },
        );

        // Schedules run on the default bus; the snapshots go out on the workbench bus like every workbench event.
        this.inventoryRule = new aws.cloudwatch.EventRule(
            `${name}-inventory`,
            { name: names.inventoryRuleName, scheduleExpression: inventorySchedule, description: "Inventory of the workbench instances for the license server hub" },
            { parent: this },
        );
        invokeFunctionOnRule(`${name}-inventory`, this.inventoryRule, inventory, this.deadLetterQueue.arn, this);
        // The first inventory at deployment, so that instances already running get their seats without waiting for
        // the schedule: synchronous (RequestResponse), once the bus admits the inventory and the forwarding rule
        // exists, so its snapshot reaches the hub; a failure fails the deployment loudly. Runs again only when the
        // inventory's code changes (or the function is replaced).
        new aws.lambda.Invocation(
            `${name}-first-inventory`,
            { functionName: inventory.function.name, input: JSON.stringify({ trigger: "deployment" }), triggers: { bundleSha256: bundleDigest("workbench-inventory") } },
            { parent: this, dependsOn: [busPolicy, forwardTarget] },
        );

        allowEventBridgeDeadLetters(`${name}-undelivered`, this.deadLetterQueue, [this.stateChangeRule.arn, this.forwardRule.arn, this.inventoryRule.arn], this);
        deadLetterAlarm(`${name}-undelivered`, this.deadLetterQueue, "workbench events EventBridge could not deliver", args.alarmActions, this);

        this.forwarderFunctionName = forwarder.functionName;
        this.stateChangeRuleArn = this.stateChangeRule.arn;
        this.forwardRuleArn = this.forwardRule.arn;
        this.deadLetterQueueUrl = this.deadLetterQueue.url;
        this.inventoryFunctionName = inventory.functionName;
        this.registerOutputs({
            inventoryFunctionName: this.inventoryFunctionName,
            inventoryRuleArn: this.inventoryRule.arn,
            forwarderFunctionName: this.forwarderFunctionName,
            stateChangeRuleArn: this.stateChangeRuleArn,
            forwardRuleArn: this.forwardRuleArn,
            busArn: this.bus.arn,
            deadLetterQueueUrl: this.deadLetterQueueUrl,
        });
    }
}

function assertTagKey(component: string, field: string, key: string): void {
    if (!TAG_KEY.test(key) || key.startsWith("aws:")) {
        throw new Error(`${component}: ${field} "${key}" is not a valid EC2 tag key.`);
    }
}
