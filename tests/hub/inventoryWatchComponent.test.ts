import { expect } from "chai";
import { LicenseServerHub, LicenseServerHubArgs } from "../../components/hub/licenseServerHub";
import { silenceQuery } from "../../components/hub/inventoryWatch";
import { RecordedResource, named, runUnderMocks } from "../support/pulumiMocks";
import { messageOf } from "../support/errors";
import { CATALOG } from "./support/fixtures";

const ARGS: LicenseServerHubArgs = { catalog: CATALOG, workbenchAccountIds: ["222222222222"] };
const TOPIC = "arn:aws:sns:eu-central-1:111111111111:alerts";
const bySid = (resources: RecordedResource[], policy: string) =>
    Object.fromEntries(JSON.parse(named(resources, "aws:iam/rolePolicy:RolePolicy", policy).inputs.policy).Statement.map((s: any) => [s.Sid, s]));

describe("LicenseServerHub: the silence watch and snapshot permissions (Pulumi mocks)", () => {
    let resources: RecordedResource[];
    before(async () => {
        ({ resources } = await runUnderMocks(() => new LicenseServerHub("hub", { ...ARGS, workbenchRegions: ["eu-central-1", "us-east-1"], alarmActions: [TOPIC] })));
    });

    it("alarms, with actions, on each expected account-region that sent no snapshot, naming it as a contributor", () => {
        const alarm = named(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "hub-silent-inventories");
        expect(alarm.inputs).to.deep.include({ threshold: 0, comparisonOperator: "GreaterThanThreshold", evaluationPeriods: 1, treatMissingData: "notBreaching", alarmActions: [TOPIC], okActions: [TOPIC] });
        expect(alarm.inputs.metricQueries).to.deep.equal([{ id: "silent", expression: silenceQuery("hub-inventory-watch"), period: 300, returnData: true }]);
        expect(silenceQuery("hub-inventory-watch")).to.equal(
            `SELECT MAX(InventorySilentPeriods) FROM SCHEMA("LicenseOps", account, region, service) WHERE service = 'hub-inventory-watch' GROUP BY account, region`,
        );
        expect(alarm.inputs.alarmDescription).to.contain("3 periods of 5 min");
    });

    it("runs the watch every inventory period with the configured regions, reading only the last-snapshot records", () => {
        const fn = named(resources, "aws:lambda/function:Function", "hub-inventory-watch");
        expect(fn.inputs.environment.variables).to.include({ HUB_WORKBENCH_REGIONS: "eu-central-1,us-east-1", HUB_INVENTORY_PERIOD_SECONDS: "300", HUB_SILENT_INVENTORY_PERIODS: "3", POWERTOOLS_SERVICE_NAME: "hub-inventory-watch" });
        expect(named(resources, "aws:cloudwatch/eventRule:EventRule", "hub-inventory-watch").inputs.scheduleExpression).to.equal("rate(5 minutes)");
        const statements = bySid(resources, "hub-inventory-watch-policy");
        expect(statements.ReadLastSnapshots).to.deep.include({ Action: ["dynamodb:DeleteItem", "dynamodb:Query"], Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["INVENTORY"] } } });
        // Leaving is clean: it stops a departed account-region's instances through the instance and seat items only.
        expect(statements.ReleaseDepartedSeats).to.deep.include({
            Action: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"],
            Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["INSTANCE#*", "SEAT#*"] } },
        });
        expect(Object.keys(statements).sort()).to.deep.equal(["ReadHubConfiguration", "ReadLastSnapshots", "ReleaseDepartedSeats", "SendFailedInvocations", "WriteOwnLogs"]);
        expect(fn.inputs.environment.variables.HUB_TOMBSTONE_RETENTION_SECONDS).to.equal(String(7 * 86400));
    });

    it("lets the assignment read its snapshot's account-region by key (Query, BatchGetItem), keep the records and remove chunks", () => {
        const statements = bySid(resources, "hub-assignment-policy");
        expect(statements.ReadAccountRegion).to.deep.include({ Action: ["dynamodb:BatchGetItem", "dynamodb:Query"], Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["INSTANCE#*", "SEAT#*"] } } });
        expect(statements.CollectInventoryChunks.Action).to.deep.equal(["dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:Query"]);
        expect(statements.RecordLastSnapshots).to.deep.include({ Action: ["dynamodb:GetItem", "dynamodb:PutItem"], Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["INVENTORY", "LAYOUT"] } } });
        // The Scan remains only for the one-time move of an earlier release's items.
        expect(statements.FindEarlierInstanceItems.Action).to.deep.equal(["dynamodb:Scan"]);
    });

    it("takes the period and the silence from its arguments, and refuses what cannot be right, naming the field", async () => {
        const { resources: custom } = await runUnderMocks(() => new LicenseServerHub("c", { ...ARGS, inventoryPeriodMinutes: 15, silentInventoryPeriods: 4 }));
        expect(named(custom, "aws:cloudwatch/metricAlarm:MetricAlarm", "c-silent-inventories").inputs.metricQueries[0].period).to.equal(900);
        expect(named(custom, "aws:lambda/function:Function", "c-inventory-watch").inputs.environment.variables).to.include({ HUB_WORKBENCH_REGIONS: "", HUB_INVENTORY_PERIOD_SECONDS: "900", HUB_SILENT_INVENTORY_PERIODS: "4" });
        const refusal = (args: Partial<LicenseServerHubArgs>) => messageOf(() => new LicenseServerHub("bad", { ...ARGS, ...args }));
        expect(refusal({ workbenchRegions: ["eu-central-1", "Frankfurt"] })).to.match(/^bad: workbenchRegions\[1\]: "Frankfurt" is not an AWS region code/);
        expect(refusal({ silentInventoryPeriods: 1 })).to.match(/silentInventoryPeriods must be a whole number from 2 to 100 \(got 1\): one late snapshot is not silence/);
        expect(refusal({ inventoryPeriodMinutes: 0 })).to.match(/inventoryPeriodMinutes must be a whole number of minutes from 1 to 1440/);
    });
});
