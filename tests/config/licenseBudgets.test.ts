import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { LicenseBudgets } from "../../components/config/licenseBudgets";
import { AlertTopic } from "../../components/shared/alertTopic";
import { LicenseConfigSet } from "../../components/config/licenseConfigSet";
import { RecordedResource, named, ofType, runUnderMocks } from "../support/pulumiMocks";
import { rejectionOf } from "../support/errors";

const TOPIC = "arn:aws:sns:eu-central-1:555555555555:license-alerts";
const BUDGET = "aws:budgets/budget:Budget";
const MARKETPLACE = { limitAmount: 5000, costFilters: { BillingEntity: ["AWS Marketplace"] } };
const BUDGETS_OF_THIS_ACCOUNT = {
    StringEquals: { "aws:SourceAccount": "555555555555" },
    ArnLike: { "aws:SourceArn": "arn:aws:budgets::555555555555:*" },
};
const statementsOf = (resources: RecordedResource[], type: string, name: string) => JSON.parse(named(resources, type, name).inputs.policy).Statement as any[];
const byPrincipal = (statements: any[], service: string) => statements.filter((s) => s.Principal?.Service === service);

describe("LicenseBudgets", () => {
    it("creates one cost budget per definition, notifying the alert topic on actual and forecast spend", async () => {
        const { resources } = await runUnderMocks(
            () =>
                new LicenseBudgets("spend", {
                    budgets: {
                        marketplace: MARKETPLACE,
                        windows: {
                            limitAmount: 1200.5,
                            timeUnit: "QUARTERLY",
                            actualThresholdsPercent: [50],
                            forecastThresholdsPercent: [],
                            costFilters: { Service: ["Amazon Elastic Compute Cloud - Compute"], Operation: ["RunInstances:0102", "RunInstances:0002"] },
                        },
                    },
                    alertTopicArn: TOPIC,
                }),
            { account: { accountId: "555555555555" } },
        );
        const marketplace = named(resources, BUDGET, "spend-marketplace").inputs;
        expect(marketplace).to.deep.include({ budgetType: "COST", limitAmount: "5000", limitUnit: "USD", timeUnit: "MONTHLY" });
        expect(marketplace.costFilters).to.deep.equal([{ name: "BillingEntity", values: ["AWS Marketplace"] }]);
        const notification = (type: string, threshold: number) => ({
            notificationType: type,
            comparisonOperator: "GREATER_THAN",
            threshold,
            thresholdType: "PERCENTAGE",
            subscriberSnsTopicArns: [TOPIC],
        });
        expect(marketplace.notifications).to.deep.equal([notification("ACTUAL", 80), notification("ACTUAL", 100), notification("FORECASTED", 100)]);

        const windows = named(resources, BUDGET, "spend-windows").inputs;
        expect(windows).to.deep.include({ limitAmount: "1200.5", timeUnit: "QUARTERLY" });
        // Sorted, so reordering the setting is no change.
        expect(windows.costFilters).to.deep.equal([
            { name: "Operation", values: ["RunInstances:0002", "RunInstances:0102"] },
            { name: "Service", values: ["Amazon Elastic Compute Cloud - Compute"] },
        ]);
        expect(windows.notifications).to.deep.equal([notification("ACTUAL", 50)]);
    });

    it("refuses bad definitions, every problem at once with the path the user wrote", () => {
        expect(
            () =>
                new LicenseBudgets("spend", {
                    budgets: {
                        a: { limitAmount: 0, costFilters: { BilingEntity: ["AWS Marketplace"] } },
                        b: { limitAmount: 10, costFilters: {}, timeUnit: "WEEKLY", actualThresholdsPercent: [], forecastThresholdsPercent: [] },
                        c: { limitAmount: 10, costFilters: { Service: [] }, actualThresholdsPercent: [80, 80, 0], limitUnit: "dollars" },
                        "d e": { limitAmount: 10, costFilters: { Region: ["eu-central-1"] }, treshold: 5 } as never,
                    },
                    alertTopicArn: "arn:aws:sqs:eu-central-1:555555555555:q",
                }),
        ).to.throw(
            [
                "spend: 12 problems:",
                "  - budgets.a.limitAmount must be a number greater than 0 (got 0)",
                '  - budgets.a.costFilters: unknown key "BilingEntity" (did you mean "BillingEntity"?)',
                '  - budgets.b.timeUnit "WEEKLY" must be one of MONTHLY, QUARTERLY, ANNUALLY',
                '  - budgets.b.costFilters must name at least one cost filter (a budget without one counts the whole bill), e.g. { BillingEntity: ["AWS Marketplace"] }',
                "  - budgets.b: actualThresholdsPercent and forecastThresholdsPercent are both empty: the budget would notify nobody",
                '  - budgets.c.limitUnit "dollars" must be a currency code such as USD',
                '  - budgets.c.costFilters.Service must be a non-empty list of values, e.g. ["AWS Marketplace"]',
                "  - budgets.c.actualThresholdsPercent: 0 must be a percentage from 1 to 1000",
                "  - budgets.c.actualThresholdsPercent lists 80 more than once",
                `  - budgets["d e"]: unknown key "treshold" (known: limitAmount, limitUnit, timeUnit, costFilters, actualThresholdsPercent, forecastThresholdsPercent)`,
                `  - budgets["d e"]: the name may have letters, digits, '.', '_' and '-' only (1-60)`,
                '  - alertTopicArn "arn:aws:sqs:eu-central-1:555555555555:q" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
            ].join("\n"),
        );
    });

    it("refuses a topic that is not an SNS topic, and no budgets at all", () => {
        expect(() => new LicenseBudgets("spend", { budgets: { m: MARKETPLACE }, alertTopicArn: "license-alerts" })).to.throw(
            'spend: alertTopicArn "license-alerts" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
        );
        expect(() => new LicenseBudgets("spend", { budgets: {}, alertTopicArn: TOPIC })).to.throw(/spend: budgets must name at least one budget/);
    });

    it("checks a limit and topic given as outputs once they are known", async () => {
        const error = await rejectionOf(
            runUnderMocks(() => new LicenseBudgets("spend", { budgets: { m: { ...MARKETPLACE, limitAmount: pulumi.output(-5) } }, alertTopicArn: pulumi.output(TOPIC) })),
        );
        expect(String(error)).to.contain("spend: budgets.m.limitAmount must be a number greater than 0 (got -5)");
    });
});

describe("alert topics that admit AWS Budgets", () => {
    it("AlertTopic: topic and key policies admit this account's budgets only with admitBudgets", async () => {
        const run = (admitBudgets?: boolean) =>
            runUnderMocks(() => new AlertTopic("alerts", { emailAddresses: ["ops@example.com"], admitBudgets }), { account: { accountId: "555555555555" } }).then((r) => r.resources);
        const admitting = await run(true);
        const topicStatement = byPrincipal(statementsOf(admitting, "aws:sns/topicPolicy:TopicPolicy", "alerts"), "budgets.amazonaws.com");
        expect(topicStatement).to.deep.equal([
            {
                Sid: "BudgetsOfThisAccountPublish",
                Effect: "Allow",
                Principal: { Service: "budgets.amazonaws.com" },
                Action: "sns:Publish",
                Resource: "arn:aws:sns:eu-central-1:555555555555:alerts",
                Condition: BUDGETS_OF_THIS_ACCOUNT,
            },
        ]);
        const keyStatement = byPrincipal(statementsOf(admitting, "aws:kms/key:Key", "alerts"), "budgets.amazonaws.com");
        expect(keyStatement.map((s) => [s.Action, s.Condition])).to.deep.equal([[["kms:Decrypt", "kms:GenerateDataKey"], BUDGETS_OF_THIS_ACCOUNT]]);

        const plain = await run();
        expect(byPrincipal(statementsOf(plain, "aws:sns/topicPolicy:TopicPolicy", "alerts"), "budgets.amazonaws.com")).to.deep.equal([]);
        expect(byPrincipal(statementsOf(plain, "aws:kms/key:Key", "alerts"), "budgets.amazonaws.com")).to.deep.equal([]);
    });

    it("LicenseConfigSet alerts: admitBudgets adds budgets to the topic and key policies, the publish deny still spares services", async () => {
        const { resources } = await runUnderMocks(
            () => new LicenseConfigSet("prod", { licenses: { app: { countingType: "Instance", licenseCount: 5 } }, alerts: { admitBudgets: true } }),
            { account: { accountId: "555555555555" } },
        );
        const topicStatements = statementsOf(resources, "aws:sns/topicPolicy:TopicPolicy", "prod-alerts");
        expect(byPrincipal(topicStatements, "budgets.amazonaws.com").map((s) => [s.Action, s.Resource, s.Condition])).to.deep.equal([
            ["sns:Publish", "arn:aws:sns:eu-central-1:555555555555:prod-alerts", BUDGETS_OF_THIS_ACCOUNT],
        ]);
        const deny = topicStatements.find((s) => s.Sid === "NobodyElsePublishes");
        expect(deny.Condition.Bool).to.deep.equal({ "aws:PrincipalIsAWSService": "false" });
        expect(byPrincipal(statementsOf(resources, "aws:kms/key:Key", "prod-alerts"), "budgets.amazonaws.com")).to.have.length(1);
        const { resources: without } = await runUnderMocks(() => new LicenseConfigSet("prod", { licenses: { app: { countingType: "Instance", licenseCount: 5 } } }));
        expect(ofType(without, "aws:sns/topicPolicy:TopicPolicy")[0].inputs.policy).not.to.contain("budgets.amazonaws.com");
    });
});
