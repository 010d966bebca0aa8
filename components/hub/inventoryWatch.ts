/**
 * The hub's silence watch (#21 item 4): a scheduled Lambda that reads every account-region's last-snapshot record,
 * releases the seats of account-regions no longer admitted (#21 item 5), and names the expected ones that sent no
 * snapshot for N inventory periods; and an alarm with actions whose contributors
 * are those account-regions (a CloudWatch Metrics Insights alarm over `InventorySilentPeriods`, grouped by account
 * and region: its notification names each of them).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { BundledFunction } from "../lambda/bundledFunction";
import { invokeFunctionOnRule } from "../lambda/triggers";
import type { PolicyStatement } from "../shared/iam";
import { METRICS_NAMESPACE } from "../../functions/shared/telemetry";
import { INVENTORY_WATCH_ENVIRONMENT } from "../../functions/hub-shared/environment";
import { INSTANCE_PARTITION_PREFIX, INVENTORY_PARTITION, SEAT_PARTITION_PREFIX } from "../../functions/hub-shared/tableKeys";
import { REGION_PATTERN } from "../../functions/shared/workbenchEvent";

/** How often the forwarders' inventories run unless said otherwise (WorkbenchAccountForwarder's default). */
export const DEFAULT_INVENTORY_PERIOD_MINUTES = 5;
export const DEFAULT_SILENT_INVENTORY_PERIODS = 3;
/** The metric each silent account-region is named by, and the dimensions the alarm groups it by. */
export const SILENCE_METRIC = { name: "InventorySilentPeriods", dimensions: ["account", "region"] } as const;

export interface InventoryWatchSettings {
    /** Regions every admitted account runs workbenches in (configured expectation); may be empty. */
    regions: string[];
    periodMinutes: number;
    silentPeriods: number;
    /** Organisation mode with a membership reader: the role to assume and the workbench OUs whose members hold seats. */
    membership?: { roleArn: string; ouIds: string[] };
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/;

/** The OU a path ends in (`o-.../r-.../ou-a/ou-b/` -> `ou-b`): its members, nested OUs included, hold seats. */
export function innermostOuId(path: string): string {
    return path.split("/").filter((segment) => segment.startsWith("ou-")).pop() ?? "";
}

/** Every problem of the settings, naming the hub's arguments. */
export function inventoryWatchProblems(settings: InventoryWatchSettings): string[] {
    const problems: string[] = [];
    settings.regions.forEach((region, i) => {
        if (!REGION_PATTERN.test(region)) problems.push(`workbenchRegions[${i}]: ${JSON.stringify(region)} is not an AWS region code (e.g. eu-central-1)`);
    });
    if (new Set(settings.regions).size !== settings.regions.length) problems.push("workbenchRegions lists a region twice");
    if (settings.membership) {
        if (!ROLE_ARN.test(settings.membership.roleArn) || settings.membership.roleArn.includes("*")) {
            problems.push(`membershipReaderRoleArn ${JSON.stringify(settings.membership.roleArn)} is not an IAM role ARN (arn:aws:iam::<management account>:role/<name>)`);
        }
        if (settings.membership.ouIds.length === 0) {
            problems.push("membershipReaderRoleArn needs workbenchOrganizationalUnitPaths: the OUs whose members hold seats");
        }
    }
    if (!Number.isInteger(settings.periodMinutes) || settings.periodMinutes < 1 || settings.periodMinutes > 1440) {
        problems.push(`inventoryPeriodMinutes must be a whole number of minutes from 1 to 1440 (got ${settings.periodMinutes})`);
    }
    if (!Number.isInteger(settings.silentPeriods) || settings.silentPeriods < 2 || settings.silentPeriods > 100) {
        problems.push(`silentInventoryPeriods must be a whole number from 2 to 100 (got ${settings.silentPeriods}): one late snapshot is not silence`);
    }
    return problems;
}

/** The Metrics Insights query of the alarm: the largest silence per (account, region) of this watch. */
export function silenceQuery(serviceName: string): string {
    const dims = SILENCE_METRIC.dimensions.join(", ");
    return `SELECT MAX(${SILENCE_METRIC.name}) FROM SCHEMA("${METRICS_NAMESPACE}", ${dims}, service) WHERE service = '${serviceName}' GROUP BY ${dims}`;
}

export interface InventoryWatchArgs {
    table: aws.dynamodb.Table;
    /** How long the tombstone of an instance stopped by a departure is kept (the assignment's setting). */
    tombstoneRetentionSeconds: pulumi.Input<number>;
    settings: pulumi.Output<InventoryWatchSettings>;
    /** The hub configuration object's environment and read statement (the admission list: configured accounts). */
    configuration: { environment: Record<string, pulumi.Input<string>>; readStatement: PolicyStatement };
    deadLetterQueueArn: pulumi.Input<string>;
    /** LicenseServerHub `membershipReaderRoleArn` (validated in `settings`): the role the watch may assume. */
    membershipReaderRoleArn?: pulumi.Input<string>;
    logRetentionDays?: pulumi.Input<number>;
    alarmActions?: pulumi.Input<pulumi.Input<string>[]>;
}

export function inventoryWatch(name: string, args: InventoryWatchArgs, parent: pulumi.Resource): { fn: BundledFunction; rule: aws.cloudwatch.EventRule; alarm: aws.cloudwatch.MetricAlarm } {
    const serviceName = `${name}-inventory-watch`;
    const fn = new BundledFunction(
        serviceName,
        {
            handler: "hub-inventory-watch",
            description: "Names the workbench account-regions that sent no inventory snapshot for several periods",
            environment: {
                ...args.configuration.environment,
                [INVENTORY_WATCH_ENVIRONMENT.tableName]: args.table.name,
                [INVENTORY_WATCH_ENVIRONMENT.regions]: args.settings.apply((s) => s.regions.join(",")),
                [INVENTORY_WATCH_ENVIRONMENT.periodSeconds]: args.settings.apply((s) => String(s.periodMinutes * 60)),
                [INVENTORY_WATCH_ENVIRONMENT.silentPeriods]: args.settings.apply((s) => String(s.silentPeriods)),
                [INVENTORY_WATCH_ENVIRONMENT.tombstoneRetentionSeconds]: pulumi.output(args.tombstoneRetentionSeconds).apply(String),
                ...(args.membershipReaderRoleArn === undefined
                    ? {}
                    : {
                          [INVENTORY_WATCH_ENVIRONMENT.membershipReaderRoleArn]: args.settings.apply((s) => s.membership?.roleArn ?? ""),
                          [INVENTORY_WATCH_ENVIRONMENT.workbenchOuIds]: args.settings.apply((s) => s.membership?.ouIds.join(",") ?? ""),
                      }),
                POWERTOOLS_SERVICE_NAME: serviceName,
            },
            statements: [
                args.configuration.readStatement,
                {
                    // Reads the records; forgets a departed account-region's record once its seats are released.
                    sid: "ReadLastSnapshots",
                    actions: ["dynamodb:Query", "dynamodb:DeleteItem"],
                    resources: [args.table.arn],
                    conditions: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [INVENTORY_PARTITION] } },
                },
                ...membershipStatements(args.membershipReaderRoleArn),
                {
                    // Leaving is clean: a departed account-region's instances are stopped and their seats released,
                    // through the same conditional item writes as the assignment's.
                    sid: "ReleaseDepartedSeats",
                    actions: ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                    resources: [args.table.arn],
                    conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${INSTANCE_PARTITION_PREFIX}*`, `${SEAT_PARTITION_PREFIX}*`] } },
                },
            ],
            timeoutSeconds: 60,
            // The next period watches again: a watch queued behind a slow one is dropped rather than run late.
            asyncInvocation: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 600 },
            logRetentionDays: args.logRetentionDays,
            alarmActions: args.alarmActions,
        },
        { parent },
    );
    const rule = new aws.cloudwatch.EventRule(
        serviceName,
        {
            description: "The hub's silence watch, once per inventory period",
            scheduleExpression: args.settings.apply((s) => (s.periodMinutes === 1 ? "rate(1 minute)" : `rate(${s.periodMinutes} minutes)`)),
        },
        { parent },
    );
    invokeFunctionOnRule(serviceName, rule, fn, args.deadLetterQueueArn, parent);
    const alarm = new aws.cloudwatch.MetricAlarm(
        `${name}-silent-inventories`,
        {
            alarmDescription: args.settings.apply(
                (s) =>
                    `A workbench account-region the hub expects sent no inventory snapshot for ${s.silentPeriods} periods of ${s.periodMinutes} min ` +
                    "(forwarder stack removed, schedule disabled, functions throttled): each contributor names the account and region; see the silence watch's log",
            ),
            metricQueries: [{ id: "silent", expression: silenceQuery(serviceName), period: args.settings.apply((s) => Math.max(60, s.periodMinutes * 60)), returnData: true }],
            evaluationPeriods: 1,
            threshold: 0,
            comparisonOperator: "GreaterThanThreshold",
            // An account-region that speaks again stops emitting: its contributor returns to OK.
            treatMissingData: "notBreaching",
            alarmActions: args.alarmActions,
            okActions: args.alarmActions,
        },
        { parent },
    );
    return { fn, rule, alarm };
}

/**
 * Organisation mode with a membership reader: the watch may assume exactly that role (in the management account,
 * which lists the workbench OUs' accounts). Without one, no statement: the role can assume nothing.
 */
function membershipStatements(roleArn: pulumi.Input<string> | undefined): PolicyStatement[] {
    return roleArn === undefined ? [] : [{ sid: "AssumeMembershipReader", actions: ["sts:AssumeRole"], resources: [roleArn] }];
}
