import { expect } from "chai";
import { stats } from "../../bench/event-to-license-server";
import { maxInWindow } from "../../bench/login-storm";
import { HUB_SETTINGS, applyHubSettings, hubSettingsNames } from "../../bench/hubSettings";
import { SYNC_ENVIRONMENT } from "../../functions/hub-shared/environment";
import type { LocalDeployment } from "../../sandbox/world/deployment";

describe("bench login storm and hub settings", () => {
    it("counts the most commands within any one second, sliding, not per calendar second", () => {
        expect(maxInWindow([], 1000)).to.equal(0);
        // 900 and 1100 fall in different calendar seconds but within one second of each other.
        expect(maxInWindow([0, 900, 1100, 2500], 1000)).to.equal(2);
        expect(maxInWindow([0, 1000, 2000], 1000)).to.equal(1);
        expect(maxInWindow([5, 1, 3, 2, 4], 1000)).to.equal(5);
    });

    it("reports median and p95 by nearest rank", () => {
        const values = Array.from({ length: 20 }, (_, i) => (i + 1) * 100);
        expect(stats(values)).to.include({ min: 100, median: 1000, p95: 1900, max: 2000 });
        expect(stats([7])).to.include({ median: 7, p95: 7 });
    });

    it("applies the compared settings to the change marker's mapping and the sync, and refuses unknown names", () => {
        const deployment = {
            functions: [
                { handler: "hub-sync", arn: "sync", environment: { A: "1" } },
                { handler: "hub-change-marker", arn: "marker", environment: {} },
            ],
            mappings: [
                { functionArn: "marker", maximumBatchingWindowSeconds: 1 },
                { functionArn: "ledger", maximumBatchingWindowSeconds: 3 },
            ],
        } as unknown as LocalDeployment;
        applyHubSettings("before")(deployment);
        expect(deployment.mappings.map((m) => m.maximumBatchingWindowSeconds)).to.deep.equal([HUB_SETTINGS.before.batchingWindowSeconds, 3]);
        expect(deployment.functions[0].environment).to.deep.equal({ A: "1", [SYNC_ENVIRONMENT.minCommandIntervalMs]: String(HUB_SETTINGS.before.minCommandIntervalMs) });
        expect(HUB_SETTINGS.before).to.deep.equal({ batchingWindowSeconds: 5, minCommandIntervalMs: 1 });
        expect(() => hubSettingsNames("before,later")).to.throw('unknown hub settings "later" (use before, after)');
    });
});
