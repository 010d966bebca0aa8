import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { emittedValues, silenceContributors } from "../../sandbox/story/alarms";
import { silenceQuery } from "../../components/hub/inventoryWatch";
import type { DeployedStack } from "../../sandbox/world/stackConfiguration";

describe("sandbox alarm evaluation (embedded metric format in the function logs)", () => {
    const emf = (fields: Record<string, unknown>, metrics: string[], dimensions: string[][] = [["service"]]) =>
        JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: "LicenseOps", Dimensions: dimensions, Metrics: metrics.map((Name) => ({ Name, Unit: "Count" })) }] }, ...fields });

    it("reads a metric's values only where it is declared in the namespace with exactly the alarm's dimensions", () => {
        const lines = [
            emf({ service: "license-usage-report", ReceivedLicensesExpiringSoon: 2 }, ["ReceivedLicensesExpiringSoon"]),
            emf({ service: "hub-sync", ReceivedLicensesExpiringSoon: 5 }, ["ReceivedLicensesExpiringSoon"]),
            emf({ service: "license-usage-report", ReceivedLicensesExpiringSoon: 7 }, ["Other"]),
            '{"level":"INFO","message":"not a metric","ReceivedLicensesExpiringSoon":9}',
            "not json at all",
            emf({ service: "license-usage-report", ReceivedLicensesExpiringSoon: [0, 3] }, ["ReceivedLicensesExpiringSoon"]),
        ];
        expect(emittedValues(lines, "LicenseOps", "ReceivedLicensesExpiringSoon", { service: "license-usage-report" })).to.deep.equal([2, 0, 3]);
        expect(emittedValues(lines, "Elsewhere", "ReceivedLicensesExpiringSoon", { service: "license-usage-report" })).to.deep.equal([]);
    });

    it("names the silence alarm's contributors as of the watch's last run: its query's service, above its threshold", () => {
        const logs = fs.mkdtempSync(path.join(os.tmpdir(), "silence-"));
        const hub = "222222222222";
        // Logs and alarms are regional: the stack's alarm reads its own account-region's logs only.
        fs.mkdirSync(path.join(logs, hub, "eu-central-1"), { recursive: true });
        fs.mkdirSync(path.join(logs, hub, "eu-west-1"), { recursive: true });
        const silent = (account: string, periods: number, service = "hub-inventory-watch", region = "eu-central-1") =>
            emf({ service, account, region, InventorySilentPeriods: periods }, ["InventorySilentPeriods"], [["service", "account", "region"]]);
        const runEnds = (n: number, service = "hub-inventory-watch") => emf({ service, SilentAccountRegions: n }, ["SilentAccountRegions"]);
        fs.writeFileSync(
            path.join(logs, hub, "eu-central-1", "hub-inventory-watch-logs.log"),
            [
                // An earlier run named both (a skipped tick made engineering look silent): the alarm has moved on.
                silent("111111111111", 3), silent("333333333333", 3), runEnds(2),
                // The last run: research silent 5 periods; engineering 1 is below the threshold; another service's metric is not the query's.
                silent("333333333333", 5), silent("111111111111", 1), silent("444444444444", 9, "other-watch"), runEnds(1), runEnds(0, "other-watch"),
            ].join("\n"),
        );
        // The same watch's logs in another region belong to another stack's alarm.
        fs.writeFileSync(path.join(logs, hub, "eu-west-1", "hub-inventory-watch-logs.log"), [silent("666666666666", 9, "hub-inventory-watch", "eu-west-1"), runEnds(1)].join("\n"));
        const stack = {
            accountId: hub,
            region: "eu-central-1",
            resources: [
                { type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "silence", inputs: { comparisonOperator: "GreaterThanOrEqualToThreshold", threshold: 3, metricQueries: [{ id: "silent", expression: silenceQuery("hub-inventory-watch") }] } },
            ],
        } as unknown as DeployedStack;
        try {
            expect(silenceContributors([stack], logs)).to.deep.equal([{ account: "333333333333", region: "eu-central-1", silentPeriods: 5 }]);
            // Without the alarm in the stack, nothing is named, whatever the logs say.
            expect(silenceContributors([{ ...stack, resources: [] }], logs)).to.deep.equal([]);
        } finally {
            fs.rmSync(logs, { recursive: true, force: true });
        }
    });
});
