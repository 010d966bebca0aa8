import { componentType, withFormerType } from "./componentType";
import { assertArguments } from "./argumentChecks";
import { knownKeys } from "./configKeys";
import { denyInsecureTransport } from "./denyInsecureTransport";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { awsContext } from "./awsContext";
import { budgetsKeyStatement, budgetsPublishStatement } from "./budgetPublishers";

export interface AlertTopicArgs {
    /** E-mail addresses subscribed to the topic (each confirms by e-mail). Required: at least one. */
    emailAddresses: string[];
    /**
     * Let AWS Budgets of this account notify the topic (its topic and key policies admit budgets.amazonaws.com,
     * scoped to this account's budgets), e.g. for a LicenseBudgets component. Default false.
     */
    admitBudgets?: boolean;
    /**
     * AWS Organizations id (`o-...`): also admit the CloudWatch alarms of every account of the organisation in this
     * region (topic and key policies, `aws:SourceOrgID`), e.g. the alarms of the workbench accounts a
     * WorkbenchStackSet deploys (its `alarmTopicArns`). Default: this account's alarms only.
     */
    admitOrganizationAlarms?: pulumi.Input<string>;
}

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

const EMAIL = /^[^\s@<>()",;:]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;

/** Every argument of AlertTopicArgs (checked both ways at compile time): anything else is refused by name. */
const ALERT_TOPIC_ARGUMENTS = knownKeys<AlertTopicArgs>()("emailAddresses", "admitBudgets", "admitOrganizationAlarms");

/**
 * Where a stack's alarms go when it has no topic of its own: an SNS topic encrypted with a dedicated key (CloudWatch
 * cannot publish to topics under the AWS-managed alias/aws/sns key), whose topic and key policies admit every
 * CloudWatch alarm of this account and region (and, with `admitBudgets`, this account's budgets), TLS only, with
 * e-mail subscriptions.
 */
export class AlertTopic extends pulumi.ComponentResource {
    /** The SNS topic alarms publish to (encrypted with `key`). */
    public readonly topic: aws.sns.Topic;
    /** The KMS key encrypting the topic (its policy admits CloudWatch alarms, and budgets when asked). */
    public readonly key: aws.kms.Key;
    /** ARN of the topic: the alarm action of every alarm that should reach these addresses. */
    public readonly topicArn: pulumi.Output<string>;

    constructor(name: string, args: AlertTopicArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("AlertTopic"), name, {}, withFormerType("licensing:shared:AlertTopic", opts));
        assertArguments(name, args, ALERT_TOPIC_ARGUMENTS, this, { plain: { emailAddresses: args.emailAddresses, admitBudgets: args.admitBudgets } });
        const emails = args.emailAddresses ?? [];
        if (emails.length === 0) throw new pulumi.ResourceError(`${name}: emailAddresses must name at least one address.`, this);
        for (const email of emails) {
            if (!EMAIL.test(email)) throw new pulumi.ResourceError(`${name}: emailAddresses: "${email}" is not an e-mail address.`, this);
        }
        const { partition, region, accountId } = awsContext(this);
        const admitBudgets = args.admitBudgets ?? false;
        const organization = pulumi.output(args.admitOrganizationAlarms).apply((org) => {
            if (org !== undefined && !ORGANIZATION_ID.test(org)) throw new pulumi.ResourceError(`${name}: admitOrganizationAlarms ${JSON.stringify(org)} is not an AWS Organizations id (o-...).`, this);
            return org;
        });
        const organizationAlarms = pulumi.all([organization, partition, region]).apply(([org, p, reg]) =>
            org === undefined ? undefined : { StringEquals: { "aws:SourceOrgID": org }, ArnLike: { "aws:SourceArn": `arn:${p}:cloudwatch:${reg}:*:alarm:*` } },
        );
        const alarms = pulumi.interpolate`arn:${partition}:cloudwatch:${region}:${accountId}:alarm:*`;
        const fromAlarmsOfThisAccount = pulumi.all([accountId, alarms]).apply(([account, alarmArns]) => ({
            StringEquals: { "aws:SourceAccount": account },
            ArnLike: { "aws:SourceArn": alarmArns },
        }));

        this.key = new aws.kms.Key(
            name,
            {
                description: "Encrypts the operational alarms topic",
                enableKeyRotation: true,
                policy: pulumi.all([partition, accountId, fromAlarmsOfThisAccount, organizationAlarms]).apply(([p, account, condition, orgCondition]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            // AWS's default statement: the account administers the key through IAM.
                            { Sid: "AccountAdministersThroughIam", Effect: "Allow", Principal: { AWS: `arn:${p}:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
                            {
                                Sid: "CloudWatchAlarmsOfThisAccount",
                                Effect: "Allow",
                                Principal: { Service: "cloudwatch.amazonaws.com" },
                                Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                                Resource: "*",
                                Condition: condition,
                            },
                            ...(orgCondition
                                ? [{ Sid: "CloudWatchAlarmsOfTheOrganization", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: "*", Condition: orgCondition }]
                                : []),
                            ...(admitBudgets ? [budgetsKeyStatement(p, account)] : []),
                        ],
                    }),
                ),
            },
            { parent: this },
        );
        this.topic = new aws.sns.Topic(name, { kmsMasterKeyId: this.key.arn, displayName: "License operations alarms" }, { parent: this });
        new aws.sns.TopicPolicy(
            name,
            {
                arn: this.topic.arn,
                policy: pulumi.all([this.topic.arn, fromAlarmsOfThisAccount, partition, accountId, organizationAlarms]).apply(([topicArn, condition, p, account, orgCondition]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            { Sid: "CloudWatchAlarmsOfThisAccount", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: topicArn, Condition: condition },
                            ...(orgCondition
                                ? [{ Sid: "CloudWatchAlarmsOfTheOrganization", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: topicArn, Condition: orgCondition }]
                                : []),
                            ...(admitBudgets ? [budgetsPublishStatement(topicArn, p, account)] : []),
                            denyInsecureTransport(["sns:Publish", "sns:Subscribe"], topicArn),
                        ],
                    }),
                ),
            },
            { parent: this },
        );
        for (const email of emails) {
            // Named by a hash of the address: stable when the list is reordered, and no address in the URN.
            const id = createHash("sha256").update(email).digest("hex").slice(0, 10);
            new aws.sns.TopicSubscription(`${name}-email-${id}`, { topic: this.topic.arn, protocol: "email", endpoint: email }, { parent: this });
        }
        this.topicArn = this.topic.arn;
        this.registerOutputs({ topicArn: this.topicArn });
    }
}
