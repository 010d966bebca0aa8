import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { componentType } from "../shared/componentType";
import { childPath, knownKeys, problemsMessage, unknownKeyProblems } from "../shared/configKeys";
import { whenKnown } from "../shared/validation";

/** One cost budget: what it counts (cost filters), its limit, and when it notifies. */
export interface LicenseBudgetDefinition {
    /** The spend limit per `timeUnit`, in `limitUnit` (greater than 0). Required. */
    limitAmount: pulumi.Input<number>;
    /** Currency of the limit. Default `USD`. */
    limitUnit?: string;
    /** The budget's period: `MONTHLY`, `QUARTERLY` or `ANNUALLY`. Default `MONTHLY`. */
    timeUnit?: string;
    /**
     * What the budget counts, by AWS Budgets cost filter name (`BillingEntity`, `Service`, `Operation`, `UsageType`,
     * `LinkedAccount`, `Region`, `TagKeyValue`, ...) with the values to include; several filters all apply. E.g.
     * Marketplace spend `{ BillingEntity: ["AWS Marketplace"] }`, license-included Windows instances
     * `{ Service: ["Amazon Elastic Compute Cloud - Compute"], Operation: ["RunInstances:0002"] }`. Required.
     */
    costFilters: Record<string, string[]>;
    /** Notify when actual spend reaches these percentages of the limit (each 1-1000). Default `[80, 100]`. */
    actualThresholdsPercent?: number[];
    /** Notify when forecast spend reaches these percentages of the limit (each 1-1000). Default `[100]`; `[]` for none. */
    forecastThresholdsPercent?: number[];
}

export interface LicenseBudgetsArgs {
    /** Budgets by name (AWS names each `<component name>-<name>-<random suffix>`). Required, at least one. */
    budgets: Record<string, LicenseBudgetDefinition>;
    /**
     * SNS topic every notification goes to (same account: Budgets cannot notify another account's topic). Its
     * policy, and its key's, must admit budgets.amazonaws.com: `AlertTopic` and LicenseConfigSet alerts do with
     * `admitBudgets: true`. Required.
     */
    alertTopicArn: pulumi.Input<string>;
    /** Tags of every budget. Default: none. */
    tags?: Record<string, string>;
}

/** The cost filter names AWS Budgets accepts (Budgets API `CostFilters`; the provider's documented list). */
export const BUDGET_COST_FILTERS = [
    "AZ",
    "BillingEntity",
    "CostCategory",
    "InstanceType",
    "InvoicingEntity",
    "LegalEntityName",
    "LinkedAccount",
    "Operation",
    "PurchaseType",
    "Region",
    "Service",
    "TagKeyValue",
    "UsageType",
    "UsageTypeGroup",
] as const;
const TIME_UNITS = ["MONTHLY", "QUARTERLY", "ANNUALLY"];
const DEFAULT_ACTUAL_THRESHOLDS = [80, 100];
const DEFAULT_FORECAST_THRESHOLDS = [100];
/** AWS Budgets allows ten notifications per budget. */
const MAX_NOTIFICATIONS = 10;
const BUDGET_NAME = /^[A-Za-z0-9_.-]{1,60}$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const CURRENCY = /^[A-Z]{3}$/;

/**
 * AWS Budgets cost budgets over license spend that License Manager does not count (AWS Marketplace subscriptions,
 * license-included instance usage, ...): one budget per definition, notifying the alert topic as actual spend, and
 * optionally the forecast, cross percentages of the limit.
 */
export class LicenseBudgets extends pulumi.ComponentResource {
    /** The budgets, by definition name. */
    public readonly budgets: Record<string, aws.budgets.Budget>;
    /** Budget names as AWS shows them, by definition name. */
    public readonly budgetNames: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: LicenseBudgetsArgs, opts?: pulumi.ComponentResourceOptions) {
        const problems = licenseBudgetsProblems(args);
        if (problems.length > 0) throw new pulumi.ResourceError(problemsMessage(name, problems), undefined, true);
        super(componentType("LicenseBudgets"), name, {}, opts);
        const topicArn = whenKnown(args.alertTopicArn, (arn) => {
            if (!SNS_TOPIC_ARN.test(arn)) throw new Error(`${name}: alertTopicArn "${arn}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`);
        }, this);

        this.budgets = {};
        for (const [budget, d] of Object.entries(args.budgets)) {
            const notify = (type: "ACTUAL" | "FORECASTED", percent: number) => ({
                notificationType: type,
                comparisonOperator: "GREATER_THAN",
                threshold: percent,
                thresholdType: "PERCENTAGE",
                subscriberSnsTopicArns: [topicArn],
            });
            this.budgets[budget] = new aws.budgets.Budget(
                `${name}-${budget}`,
                {
                    budgetType: "COST",
                    limitAmount: whenKnown(d.limitAmount, (amount) => {
                        const why = limitProblem(amount);
                        if (why) throw new Error(`${name}: budgets.${budget}.limitAmount ${why}`);
                    }, this).apply((amount) => String(amount)),
                    limitUnit: d.limitUnit ?? "USD",
                    timeUnit: d.timeUnit ?? "MONTHLY",
                    // Sorted: the same filters in another order are not a change.
                    costFilters: Object.keys(d.costFilters)
                        .sort()
                        .map((filter) => ({ name: filter, values: [...d.costFilters[filter]].sort() })),
                    notifications: [
                        ...(d.actualThresholdsPercent ?? DEFAULT_ACTUAL_THRESHOLDS).map((p) => notify("ACTUAL", p)),
                        ...(d.forecastThresholdsPercent ?? DEFAULT_FORECAST_THRESHOLDS).map((p) => notify("FORECASTED", p)),
                    ],
                    tags: args.tags,
                },
                { parent: this },
            );
        }
        this.budgetNames = pulumi
            .all(Object.fromEntries(Object.entries(this.budgets).map(([budget, b]) => [budget, b.name])))
            .apply((names) => names as Record<string, string>);
        this.registerOutputs({ budgetNames: this.budgetNames });
    }
}

const ARG_KEYS = knownKeys<LicenseBudgetsArgs>()("budgets", "alertTopicArn", "tags");
const DEFINITION_KEYS = knownKeys<LicenseBudgetDefinition>()("limitAmount", "limitUnit", "timeUnit", "costFilters", "actualThresholdsPercent", "forecastThresholdsPercent");

function limitProblem(amount: unknown): string | undefined {
    return typeof amount === "number" && Number.isFinite(amount) && amount > 0 ? undefined : `must be a number greater than 0 (got ${JSON.stringify(amount)})`;
}

/**
 * Every problem of the budget definitions, each starting with its path as the user wrote it (`path` is the stack
 * setting or the component argument, `budgets`). Values given as outputs are checked once known.
 */
export function budgetDefinitionsProblems(budgets: unknown, path: string): string[] {
    const at = (key: string) => childPath(path, key);
    if (typeof budgets !== "object" || budgets === null || Array.isArray(budgets) || Object.keys(budgets).length === 0) {
        return [`${path} must name at least one budget, e.g. { marketplace: { limitAmount: 1000, costFilters: { BillingEntity: ["AWS Marketplace"] } } }`];
    }
    return Object.entries(budgets as Record<string, Partial<LicenseBudgetDefinition>>).flatMap(([budget, d]) => {
        const here = at(budget);
        if (typeof d !== "object" || d === null) return [`${here} must be an object with limitAmount and costFilters`];
        const problems = unknownKeyProblems(d, DEFINITION_KEYS, here);
        if (!BUDGET_NAME.test(budget)) problems.push(`${here}: the name may have letters, digits, '.', '_' and '-' only (1-60)`);
        if (!pulumi.Output.isInstance(d.limitAmount)) {
            const why = limitProblem(d.limitAmount);
            if (why) problems.push(`${here}.limitAmount ${why}`);
        }
        if (d.limitUnit !== undefined && !CURRENCY.test(String(d.limitUnit))) problems.push(`${here}.limitUnit "${d.limitUnit}" must be a currency code such as USD`);
        if (d.timeUnit !== undefined && !TIME_UNITS.includes(String(d.timeUnit))) problems.push(`${here}.timeUnit "${d.timeUnit}" must be one of ${TIME_UNITS.join(", ")}`);
        problems.push(...costFilterProblems(d.costFilters, `${here}.costFilters`));
        const thresholds = (key: "actualThresholdsPercent" | "forecastThresholdsPercent", value: unknown): void => {
            if (value === undefined) return;
            if (!Array.isArray(value)) {
                problems.push(`${here}.${key} must be a list of percentages, e.g. [80, 100]`);
                return;
            }
            for (const p of value) {
                if (typeof p !== "number" || !Number.isFinite(p) || p < 1 || p > 1000) problems.push(`${here}.${key}: ${JSON.stringify(p)} must be a percentage from 1 to 1000`);
            }
            const dupes = value.filter((p, i) => value.indexOf(p) !== i);
            if (dupes.length > 0) problems.push(`${here}.${key} lists ${[...new Set(dupes)].join(", ")} more than once`);
        };
        thresholds("actualThresholdsPercent", d.actualThresholdsPercent);
        thresholds("forecastThresholdsPercent", d.forecastThresholdsPercent);
        const count = (Array.isArray(d.actualThresholdsPercent) ? d.actualThresholdsPercent : DEFAULT_ACTUAL_THRESHOLDS).length + (Array.isArray(d.forecastThresholdsPercent) ? d.forecastThresholdsPercent : DEFAULT_FORECAST_THRESHOLDS).length;
        if (count === 0) problems.push(`${here}: actualThresholdsPercent and forecastThresholdsPercent are both empty: the budget would notify nobody`);
        if (count > MAX_NOTIFICATIONS) problems.push(`${here}: ${count} thresholds, AWS Budgets allows ${MAX_NOTIFICATIONS} notifications per budget`);
        return problems;
    });
}

function costFilterProblems(filters: unknown, path: string): string[] {
    if (typeof filters !== "object" || filters === null || Array.isArray(filters) || Object.keys(filters).length === 0) {
        return [`${path} must name at least one cost filter (a budget without one counts the whole bill), e.g. { BillingEntity: ["AWS Marketplace"] }`];
    }
    return [
        ...unknownKeyProblems(filters, BUDGET_COST_FILTERS, path),
        ...Object.entries(filters).flatMap(([filter, values]) =>
            Array.isArray(values) && values.length > 0 && values.every((v) => typeof v === "string" && v.trim() !== "")
                ? []
                : [`${childPath(path, filter)} must be a non-empty list of values, e.g. ["AWS Marketplace"]`],
        ),
    ];
}

/** Every problem of the arguments (stack settings use budgetDefinitionsProblems with their own path). */
export function licenseBudgetsProblems(args: LicenseBudgetsArgs): string[] {
    const problems = [...unknownKeyProblems(args, ARG_KEYS, ""), ...budgetDefinitionsProblems(args.budgets, "budgets")];
    if (typeof args.alertTopicArn === "string" && !SNS_TOPIC_ARN.test(args.alertTopicArn)) {
        problems.push(`alertTopicArn "${args.alertTopicArn}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`);
    }
    if (args.alertTopicArn === undefined) problems.push("alertTopicArn is required: a budget notification needs somewhere to go");
    return problems;
}
