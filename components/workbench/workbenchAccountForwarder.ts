import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { BundledFunction } from "../lambda/bundledFunction";
import { EVENT_DELIVERY_RETRY, invokeFunctionOnRule } from "../lambda/triggers";
import { awsContext } from "../shared/awsContext";
import { policyDocument, serviceTrustPolicy } from "../shared/iam";
import { allowEventBridgeDeadLetters, deadLetterQueue } from "../shared/sqs";
import { whenKnown } from "../shared/validation";
import { TypeScriptOnly } from "../shared/typeScriptOnly";
import { componentType, withFormerType } from "../shared/componentType";
import { deadLetterAlarm } from "../shared/alarms";
import { ec2StateChangePattern, workbenchForwardPattern } from "../../functions/shared/workbenchEvent";
import { DEFAULT_TAG_KEYS } from "../../functions/workbench-forwarder/forwarder";
import { DEFAULT_TRUST_NAME_PREFIX, assertTrustNamePrefix, trustNames } from "../trust/trustNames";
import { workbenchBusPolicy } from "./workbenchBusPolicy";

export interface WorkbenchAccountForwarderArgs {
    /** ARN of the LicenseServerHub's event bus in the license server account. Required. */
    hubEventBusArn: pulumi.Input<string>;
    /** Tag holding the workbench owner's user id. Default `vew:workbench:ownerId`. */
    ownerTagKey?: pulumi.Input<string>;
    /** Tag holding the workbench type. Default `vew:workbench:type`. */
    workbenchTypeTagKey?: pulumi.Input<string>;
    /**
     * Prefix of the fixed names the hub bus policy and the Organizations guardrails rely on: roles
     * `<prefix>-workbench-forwarder` and `<prefix>-workbench-to-hub`, bus `<prefix>-workbench-events`. Must equal
     * the hub's `workbenchNamePrefix`. Default `license-ops`.
     */
    namePrefix?: pulumi.Input<string>;
    /** Log retention of the forwarder Lambda, in days. Default 30. */
    logRetentionDays?: pulumi.Input<number>;
    /** Alarm actions (e.g. an SNS topic ARN) for the forwarder's errors alarm and the dead-letter alarms. Default: none. */
    alarmActions?: pulumi.Input<pulumi.Input<string>[]>;
}

const forwarders = new TypeScriptOnly<BundledFunction>();
/** An EventBridge event bus ARN (any partition). */
export const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._\-/]+$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

/**
 * The workbench-account side of floating licenses. EC2 state changes of instances tagged as workbenches become
 * `licensing.workbench` events on the account's dedicated workbench bus, which only the forwarder's role may put
 * events on; a rule there forwards them to the license server account's hub bus with a role of a fixed name, the
 * only principal the hub bus admits (cross-account, with retries and a dead-letter queue).
 */
export class WorkbenchAccountForwarder extends pulumi.ComponentResource {
    public readonly stateChangeRule: aws.cloudwatch.EventRule;
    public readonly forwardRule: aws.cloudwatch.EventRule;
    public readonly forwardRole: aws.iam.Role;
    /** The dedicated bus the forwarder publishes workbench events to. */
    public readonly bus: aws.cloudwatch.EventBus;
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

    /** The forwarder Lambda with its role, log group, alarms and failure queue (TypeScript only). */
    public get forwarder(): BundledFunction {
        return forwarders.get(this);
    }

    constructor(name: string, args: WorkbenchAccountForwarderArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("WorkbenchAccountForwarder"), name, {}, withFormerType("licensing:workbench:WorkbenchAccountForwarder", opts));
        const hubEventBusArn = whenKnown(
            args.hubEventBusArn,
            (arn) => {
                if (!EVENT_BUS_ARN.test(arn)) throw new Error(`${name}: hubEventBusArn "${arn}" is not an EventBridge event bus ARN.`);
            },
            this,
        );
        const ownerTagKey = whenKnown(args.ownerTagKey ?? DEFAULT_TAG_KEYS.ownerTagKey, (key) => assertTagKey(name, "ownerTagKey", key), this);
        const typeTagKey = whenKnown(args.workbenchTypeTagKey ?? DEFAULT_TAG_KEYS.typeTagKey, (key) => assertTagKey(name, "workbenchTypeTagKey", key), this);
        const names = whenKnown(args.namePrefix ?? DEFAULT_TRUST_NAME_PREFIX, (prefix) => assertTrustNamePrefix(name, "namePrefix", prefix), this).apply(trustNames);
        const { accountId } = awsContext(this);

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
                description: "Turns EC2 state changes of tagged workbenches into licensing.workbench events",
                environment: { OWNER_TAG_KEY: ownerTagKey, TYPE_TAG_KEY: typeTagKey, EVENT_BUS_NAME: this.bus.name },
                roleName: names.publisherRoleName,
                statements: [
                    // DescribeTags has no resource-level permissions: AWS only accepts "*" here.
                    { sid: "ReadInstanceTags", actions: ["ec2:DescribeTags"], resources: ["*"] },
                    { sid: "PutWorkbenchEvents", actions: ["events:PutEvents"], resources: [this.bus.arn] },
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

        this.stateChangeRule = new aws.cloudwatch.EventRule(
            `${name}-ec2-state`,
            { description: "EC2 state changes that start or end a workbench session", eventPattern: JSON.stringify(ec2StateChangePattern()) },
            { parent: this },
        );
        invokeFunctionOnRule(`${name}-ec2-state`, this.stateChangeRule, forwarder, this.deadLetterQueue.arn, this);

        // Every role that publishes on the workbench bus; the bus refuses all others.
        const publisherRoleArns = [forwarder.role.arn];
        new aws.cloudwatch.EventBusPolicy(
            `${name}-bus`,
            { eventBusName: this.bus.name, policy: pulumi.all([this.bus.arn, ...publisherRoleArns]).apply(([busArn, ...roles]) => JSON.stringify(workbenchBusPolicy(busArn, roles))) },
            { parent: this },
        );

        this.forwardRule = new aws.cloudwatch.EventRule(
            `${name}-to-hub`,
            { eventBusName: this.bus.name, description: "Forwards workbench events to the license server account", eventPattern: JSON.stringify(workbenchForwardPattern()) },
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
        new aws.cloudwatch.EventTarget(
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
        allowEventBridgeDeadLetters(`${name}-undelivered`, this.deadLetterQueue, [this.stateChangeRule.arn, this.forwardRule.arn], this);
        deadLetterAlarm(`${name}-undelivered`, this.deadLetterQueue, "workbench events EventBridge could not deliver", args.alarmActions, this);

        this.forwarderFunctionName = forwarder.functionName;
        this.stateChangeRuleArn = this.stateChangeRule.arn;
        this.forwardRuleArn = this.forwardRule.arn;
        this.deadLetterQueueUrl = this.deadLetterQueue.url;
        this.registerOutputs({
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
