import { denyInsecureTransport } from "../shared/denyInsecureTransport";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { BundledFunction } from "../lambda/bundledFunction";
import { invokeFunctionOnRule, scheduleExpressionProblem, scheduleRule } from "../lambda/triggers";
import { knownKeys, unknownKeyProblems } from "../shared/configKeys";
import { AwsContext } from "../shared/awsContext";
import { PolicyStatement } from "../shared/iam";
import { allowEventBridgeDeadLetters, deadLetterQueue } from "../shared/sqs";
import { whenKnown } from "../shared/validation";
import { budgetsKeyStatement, budgetsPublishStatement } from "../shared/budgetPublishers";
import { deadLetterAlarm } from "../shared/alarms";
import { CHECKER_DEFAULTS, CHECKER_ENV, CHECKER_LIMITS, DEFAULT_CHECK_SCHEDULE } from "./definitions";

/** Utilisation alerts of a LicenseConfigSet (named without "Args": other languages' SDKs append it). */
export interface AlertSettings {
    /** Create the alerts at all. Default true. A plain value: it decides which resources exist. */
    enabled?: boolean;
    /** Alert when consumed / owned licenses reach this percentage (inclusive, 1-100). Default 80. */
    thresholdPercent?: pulumi.Input<number>;
    /** Band width above the threshold, in percentage points: moving to another band re-alerts. Default 10. */
    bandWidthPercent?: pulumi.Input<number>;
    /** Re-send an unchanged alert after this many hours (0-720; 0 = never). Default 0. */
    reminderIntervalHours?: pulumi.Input<number>;
    /** When the utilisation checker runs (EventBridge rate/cron). Default `rate(1 hour)`. */
    schedule?: pulumi.Input<string>;
    /**
     * KMS key (ARN) encrypting the alert topic. Its policy must let cloudwatch.amazonaws.com use kms:Decrypt and
     * kms:GenerateDataKey, or alarm notifications are dropped. Default: a dedicated key with rotation, created here
     * (CloudWatch cannot publish to topics encrypted with the AWS-managed alias/aws/sns key, whose policy cannot be
     * changed).
     */
    kmsKeyArn?: pulumi.Input<string>;
    /**
     * E-mail addresses subscribed to the topic (each confirms by e-mail). Default: none. A list of inputs: each address
     * is its own subscription, named by a hash of the address when it is a plain value and by its position otherwise.
     */
    emailAddresses?: pulumi.Input<string>[];
    /** HTTPS endpoints subscribed to the topic. Default: none. */
    httpsEndpoints?: string[];
    /**
     * One CloudWatch alarm per license with a count, on License Manager's hourly LicenseConfigurationUsagePercentage
     * metric (namespace AWSLicenseManager/licenseUsage). Default true.
     */
    usageAlarms?: boolean;
    /** Log retention of the checker, in days. Default 30. */
    logRetentionDays?: pulumi.Input<number>;
    /**
     * Name prefixes of further CloudWatch alarms of this account and region that notify the topic (e.g. another
     * component's alarms sent here): the topic and key policies admit them besides this set's own. Default: none.
     */
    admitAlarmsNamed?: string[];
    /**
     * Let AWS Budgets of this account notify the topic (e.g. a LicenseBudgets component's notifications): the topic
     * policy, and the key policy of a key created here, admit budgets.amazonaws.com for this account's budgets. With
     * `kmsKeyArn`, that key's policy must admit it too. Default false.
     */
    admitBudgets?: boolean;
}

/** License Manager's documented usage metrics (User Guide, "Monitoring license usage with Amazon CloudWatch"). */
export const LICENSE_USAGE_NAMESPACE = "AWSLicenseManager/licenseUsage";
export const LICENSE_USAGE_PERCENT_METRIC = "LicenseConfigurationUsagePercentage";

/**
 * Metrics Insights query for one configuration's usage percentage. The metric's dimensions are
 * LicenseConfigurationArn and LicenseConfigurationType; the documentation does not say what the type's values are,
 * so the alarm selects by ARN only (a plain metric alarm must match every dimension exactly).
 */
export function usagePercentQuery(configurationArn: string): string {
    if (configurationArn.includes("'")) throw new Error(`unexpected quote in ${configurationArn}`);
    return (
        `SELECT MAX(${LICENSE_USAGE_PERCENT_METRIC}) FROM SCHEMA("${LICENSE_USAGE_NAMESPACE}", LicenseConfigurationArn, LicenseConfigurationType) ` +
        `WHERE LicenseConfigurationArn = '${configurationArn}'`
    );
}

const EMAIL = /^[^\s@<>()",;:]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const ALARM_NAME_PREFIX = /^[A-Za-z0-9._-]{1,200}$/;

/** The former name of AlertSettings. */
export type UtilisationAlertsArgs = AlertSettings;

const ALERT_KEYS = knownKeys<AlertSettings>()(
    "enabled",
    "thresholdPercent",
    "bandWidthPercent",
    "reminderIntervalHours",
    "schedule",
    "kmsKeyArn",
    "emailAddresses",
    "httpsEndpoints",
    "usageAlarms",
    "logRetentionDays",
    "admitAlarmsNamed",
    "admitBudgets",
);

/** Every problem of the alert settings, each starting with `path` (where the caller wrote them). Checked before anything is created. */
export function alertArgsProblems(args: UtilisationAlertsArgs, path: string): string[] {
    const problems: string[] = [];
    const range = (field: keyof typeof CHECKER_LIMITS, input: pulumi.Input<number> | undefined, integer: boolean) => {
        const { min, max } = CHECKER_LIMITS[field];
        const value = typeof input === "object" ? undefined : input;
        if (value !== undefined && (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))) {
            problems.push(`${field} must be ${integer ? "an integer" : "a number"} from ${min} to ${max} (got ${value})`);
        }
    };
    range("thresholdPercent", args.thresholdPercent, false);
    range("bandWidthPercent", args.bandWidthPercent, true);
    range("reminderIntervalHours", args.reminderIntervalHours, true);
    const emailAddresses = (args.emailAddresses ?? []).filter((email): email is string => typeof email === "string");
    for (const email of emailAddresses) {
        if (!EMAIL.test(email)) problems.push(`emailAddresses: "${email}" is not an e-mail address`);
    }
    for (const url of args.httpsEndpoints ?? []) {
        let ok = false;
        try {
            ok = new URL(url).protocol === "https:";
        } catch {
            ok = false;
        }
        if (!ok) problems.push(`httpsEndpoints: "${url}" is not an https:// URL`);
    }
    for (const [field, list] of [["emailAddresses", emailAddresses], ["httpsEndpoints", args.httpsEndpoints]] as const) {
        const dupes = (list ?? []).filter((v, i, all) => all.indexOf(v) !== i);
        if (dupes.length > 0) problems.push(`${field} lists ${[...new Set(dupes)].join(", ")} more than once`);
    }
    for (const prefix of args.admitAlarmsNamed ?? []) {
        if (!ALARM_NAME_PREFIX.test(prefix)) problems.push(`admitAlarmsNamed: "${prefix}" is not an alarm name prefix (letters, digits, '.', '_', '-')`);
    }
    if (typeof args.kmsKeyArn === "string" && !KMS_KEY_ARN.test(args.kmsKeyArn)) {
        problems.push(`kmsKeyArn "${args.kmsKeyArn}" is not a KMS key ARN (arn:...:kms:<region>:<account>:key/<id>)`);
    }
    // Values given as outputs are checked once known (createUtilisationAlerts).
    const scheduleValue = args.schedule ?? DEFAULT_CHECK_SCHEDULE;
    const schedule = typeof scheduleValue === "string" ? scheduleExpressionProblem(scheduleValue) : undefined;
    if (schedule) problems.push(`schedule: ${schedule}`);
    return [...unknownKeyProblems(args, ALERT_KEYS, path), ...problems.map((p) => `${path}.${p}`)];
}

/** Checks an alert setting given as an output once its value is known, with the messages used at construction. */
function assertKnownAlertValue(context: string, args: UtilisationAlertsArgs): void {
    const problems = alertArgsProblems(args, "alerts");
    if (problems.length > 0) throw new Error(`${context}: ${problems.join("; ")}`);
}

export interface UtilisationAlerts {
    topic: aws.sns.Topic;
    /** The dedicated topic key (absent when kmsKeyArn was given). */
    key?: aws.kms.Key;
    checker: BundledFunction;
    /** Scheduled checks EventBridge could not deliver to the checker. */
    checkUndelivered: aws.sqs.Queue;
    stateParameter: aws.ssm.Parameter;
    usageAlarms: Record<string, aws.cloudwatch.MetricAlarm>;
}

/**
 * The alerting half of a LicenseConfigSet: an encrypted topic that only the checker and this set's alarms may
 * publish to, subscriptions, the scheduled utilisation checker with its suppression state, and usage alarms.
 */
export function createUtilisationAlerts(
    name: string,
    parent: pulumi.Resource,
    args: UtilisationAlertsArgs,
    context: AwsContext,
    configurations: Record<string, { arn: pulumi.Output<string>; countingType: string; hasCount: boolean }>,
    setName: string,
    tags: Record<string, string>,
): UtilisationAlerts {
    const { partition, region, accountId } = context;
    const opts = { parent };
    // Settings given as outputs, checked once known.
    const known = (field: "thresholdPercent" | "bandWidthPercent" | "reminderIntervalHours", value: pulumi.Input<number>) =>
        whenKnown(value, (v) => assertKnownAlertValue(name, { [field]: v }), parent);
    const threshold = known("thresholdPercent", args.thresholdPercent ?? CHECKER_DEFAULTS.thresholdPercent);
    // Every alarm of this set (usage alarms, the checker's alarms) is auto-named "<name>-..."; others are admitted by name.
    const alarmArnPattern = pulumi
        .all([partition, region, accountId])
        .apply(([p, r, a]) => [`${name}-`, ...(args.admitAlarmsNamed ?? [])].map((prefix) => `arn:${p}:cloudwatch:${r}:${a}:alarm:${prefix}*`))
        // One pattern stays a string, as IAM writes it; several are a list (any of them).
        .apply((patterns) => (patterns.length === 1 ? patterns[0] : patterns));

    let key: aws.kms.Key | undefined;
    let keyArn: pulumi.Output<string>;
    if (args.kmsKeyArn !== undefined) {
        keyArn = whenKnown(args.kmsKeyArn, (arn) => {
            if (!KMS_KEY_ARN.test(arn)) throw new Error(`${name}: alerts.kmsKeyArn "${arn}" is not a KMS key ARN (arn:...:kms:<region>:<account>:key/<id>).`);
        });
    } else {
        key = new aws.kms.Key(
            `${name}-alerts`,
            {
                description: `Encrypts the license utilisation alerts of ${setName}`,
                enableKeyRotation: true,
                policy: pulumi.all([partition, accountId, alarmArnPattern]).apply(([p, account, alarms]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                // AWS's default key policy statement: the account (through IAM policies) administers
                                // and uses the key. Without it the key could become unmanageable.
                                Sid: "AccountAdministersThroughIam",
                                Effect: "Allow",
                                Principal: { AWS: `arn:${p}:iam::${account}:root` },
                                Action: "kms:*",
                                Resource: "*",
                            },
                            {
                                // CloudWatch alarms of this set publish to the encrypted topic (SNS developer guide,
                                // "compatibility between event sources from AWS services and encrypted topics").
                                Sid: "CloudWatchAlarmsOfThisSet",
                                Effect: "Allow",
                                Principal: { Service: "cloudwatch.amazonaws.com" },
                                Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                                Resource: "*",
                                Condition: { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": alarms } },
                            },
                            ...(args.admitBudgets ? [budgetsKeyStatement(p, account)] : []),
                        ],
                    }),
                ),
                tags,
            },
            opts,
        );
        keyArn = key.arn;
    }

    const topic = new aws.sns.Topic(`${name}-alerts`, { kmsMasterKeyId: keyArn, displayName: "License utilisation", tags }, opts);

    (args.emailAddresses ?? []).forEach((email, position) => {
        // Named by a hash of the address: stable when the list is reordered, and no address in the resource URN. An
        // address given as an output is named by its position.
        const suffix = typeof email === "string" ? shortHash(email) : `input${position}`;
        const endpoint = whenKnown(email, (address) => assertKnownAlertValue(name, { emailAddresses: [address] }), parent);
        new aws.sns.TopicSubscription(`${name}-alerts-email-${suffix}`, { topic: topic.arn, protocol: "email", endpoint }, opts);
    });
    for (const url of args.httpsEndpoints ?? []) {
        new aws.sns.TopicSubscription(`${name}-alerts-https-${shortHash(url)}`, { topic: topic.arn, protocol: "https", endpoint: url }, opts);
    }

    const stateParameter = new aws.ssm.Parameter(
        `${name}-alert-state`,
        {
            type: "String",
            description: `What the license utilisation checker of ${setName} last alerted (suppresses repeats)`,
            // Not a secret: `value` would be stored as one in the stack state for no reason.
            insecureValue: JSON.stringify({ version: 1, bands: {} }),
            // A large set's state may outgrow the 4 KB of a standard parameter.
            tier: "Intelligent-Tiering",
            tags,
        },
        // The checker owns the value once deployed.
        { parent, ignoreChanges: ["insecureValue", "value", "tier"] },
    );

    const arns = Object.values(configurations).map((c) => c.arn);
    const statements: PolicyStatement[] = [
        // ListLicenseConfigurations has no resource-level permissions: AWS only accepts "*".
        { sid: "ListLicenseConfigurations", actions: ["license-manager:ListLicenseConfigurations"], resources: ["*"] },
        { sid: "PublishAlerts", actions: ["sns:Publish"], resources: [topic.arn] },
        { sid: "AlertState", actions: ["ssm:GetParameter", "ssm:PutParameter"], resources: [stateParameter.arn] },
        {
            // Publishing to an encrypted topic: SNS generates and decrypts data keys on the publisher's behalf.
            sid: "EncryptAlerts",
            actions: ["kms:Decrypt", "kms:GenerateDataKey"],
            resources: [keyArn],
            conditions: { StringEquals: { "kms:ViaService": pulumi.interpolate`sns.${region}.amazonaws.com` } },
        },
    ];

    const checker = new BundledFunction(
        `${name}-checker`,
        {
            handler: "license-utilisation-checker",
            description: pulumi.interpolate`Alerts when licenses of ${setName} reach ${threshold}% utilisation`,
            environment: {
                [CHECKER_ENV.configurationArns]: pulumi.all(arns).apply((list) => list.join(",")),
                [CHECKER_ENV.thresholdPercent]: threshold.apply(String),
                [CHECKER_ENV.bandWidthPercent]: known("bandWidthPercent", args.bandWidthPercent ?? CHECKER_DEFAULTS.bandWidthPercent).apply(String),
                [CHECKER_ENV.reminderIntervalHours]: known("reminderIntervalHours", args.reminderIntervalHours ?? CHECKER_DEFAULTS.reminderIntervalHours).apply(String),
                [CHECKER_ENV.topicArn]: topic.arn,
                [CHECKER_ENV.stateParameterName]: stateParameter.name,
                [CHECKER_ENV.setName]: setName,
            },
            statements,
            timeoutSeconds: 60,
            memorySizeMb: 256,
            logRetentionDays: args.logRetentionDays,
            asyncInvocation: {},
            alarmActions: [topic.arn],
        },
        opts,
    );

    new aws.sns.TopicPolicy(
        `${name}-alerts`,
        {
            arn: topic.arn,
            policy: pulumi.all([topic.arn, checker.role.arn, partition, accountId, alarmArnPattern]).apply(([topicArn, checkerRoleArn, p, account, alarms]) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "CheckerPublishes",
                            Effect: "Allow",
                            Principal: { AWS: checkerRoleArn },
                            Action: "sns:Publish",
                            Resource: topicArn,
                        },
                        {
                            Sid: "AlarmsOfThisSetPublish",
                            Effect: "Allow",
                            Principal: { Service: "cloudwatch.amazonaws.com" },
                            Action: "sns:Publish",
                            Resource: topicArn,
                            Condition: { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": alarms } },
                        },
                        ...(args.admitBudgets ? [budgetsPublishStatement(topicArn, p, account)] : []),
                        {
                            // Same-account principals could otherwise publish with an identity policy alone.
                            Sid: "NobodyElsePublishes",
                            Effect: "Deny",
                            Principal: "*",
                            Action: "sns:Publish",
                            Resource: topicArn,
                            Condition: { StringNotEquals: { "aws:PrincipalArn": checkerRoleArn }, Bool: { "aws:PrincipalIsAWSService": "false" } },
                        },
                        denyInsecureTransport(["sns:Publish", "sns:Subscribe"], topicArn),
                    ],
                }),
            ),
        },
        opts,
    );

    const schedule = whenKnown(args.schedule ?? DEFAULT_CHECK_SCHEDULE, (value) => assertKnownAlertValue(name, { schedule: value }), parent);
    const rule = scheduleRule(`${name}-check`, schedule, `License utilisation check of ${setName}`, parent);
    const undelivered = deadLetterQueue(`${name}-check-undelivered`, parent);
    invokeFunctionOnRule(`${name}-check`, rule, checker, undelivered.arn, parent);
    allowEventBridgeDeadLetters(`${name}-check-undelivered`, undelivered, [rule.arn], parent);
    deadLetterAlarm(`${name}-check-undelivered`, undelivered, "utilisation checks EventBridge could not deliver", [topic.arn], parent);

    const usageAlarms: Record<string, aws.cloudwatch.MetricAlarm> = {};
    if (args.usageAlarms ?? true) {
        for (const [definition, c] of Object.entries(configurations)) {
            // Without a count License Manager has no percentage to report.
            if (!c.hasCount) continue;
            usageAlarms[definition] = new aws.cloudwatch.MetricAlarm(
                `${name}-usage-${definition}`,
                {
                    alarmDescription: pulumi.interpolate`License ${definition} (${c.countingType}) of ${setName} at or above ${threshold}% utilisation: ${c.arn}`,
                    metricQueries: [
                        {
                            id: "usage",
                            expression: c.arn.apply(usagePercentQuery),
                            // License Manager emits hourly.
                            period: 3600,
                            returnData: true,
                            label: `${definition} utilisation %`,
                        },
                    ],
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    threshold,
                    evaluationPeriods: 1,
                    // No data (nothing launched yet, or the hourly point not in) is not a breach.
                    treatMissingData: "notBreaching",
                    alarmActions: [topic.arn],
                    okActions: [topic.arn],
                    tags,
                },
                opts,
            );
        }
    }

    return { topic, key, checker, checkUndelivered: undelivered, stateParameter, usageAlarms };
}

function shortHash(value: string): string {
    return createHash("sha256").update(value).digest("hex").slice(0, 10);
}
