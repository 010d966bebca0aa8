import { expect } from "chai";
import { formatReport, orgScaleSettings, runOrgScale, runSnapshotCost } from "../../bench/org-scale";
import { formatSnapshotCost } from "../../bench/orgScale/snapshotCost";
import { generateEstate, SMOKE_ESTATE, TARGET_ESTATE } from "../../bench/orgScale/estate";
import { CapacityMeter } from "../../bench/orgScale/capacity";
import { percentiles } from "../../bench/orgScale/storm";

describe("bench org-scale (smoke: a tiny estate in seconds)", function () {
    this.timeout(60_000);

    it("plays the storm through the real handlers and delivers every start to the license servers of all its products", async () => {
        const settings = orgScaleSettings({ BENCH_SMOKE: "1" });
        const [report] = await runOrgScale(settings);
        const estate = generateEstate(settings.estate, settings.seed);
        const pairs = estate.storm.reduce((n, wb) => n + estate.catalog.workbenchTypes[wb.type].length, 0);
        expect(report.undelivered).to.equal(0);
        expect(report.pairs.count).to.equal(pairs);
        expect(report.starts.count).to.equal(estate.storm.length);
        expect(report.sync.errors).to.deep.equal([]);
        expect(report.minutes.reduce((n, m) => n + m.starts, 0)).to.equal(estate.storm.length);
        expect(report.dynamodb.assignment.writeUnits).to.be.greaterThan(pairs);
        expect(report.api.SendCommand).to.be.greaterThan(0);
        expect(report.syncPeakHeapBytes).to.be.a("number");
        expect(formatReport(report).join("\n")).to.match(/event -> license server, per \(start, product\): p50 [0-9.]+ s/);
    });

    it("measures what a snapshot asks of DynamoDB at two estate sizes, the same at both and never a Scan", async () => {
        const settings = orgScaleSettings({ BENCH_SMOKE: "1" });
        const rows = await runSnapshotCost(settings);
        expect(rows.map((r) => r.accountRegions)).to.deep.equal([2, 6]);
        for (const row of rows) {
            expect(row.perSnapshot.calls).not.to.have.property("Scan");
            expect(row.perSnapshot).to.deep.equal(rows[0].perSnapshot);
            expect(row.perSnapshot.itemsRead).to.be.greaterThan(3);
        }
        expect(formatSnapshotCost(rows).join("\n")).to.match(/^\s+6\s+2\s+[0-9.]+\s+[0-9.]+\s+BatchGet/m);
    });

    it("generates the target estate of issue #20 from its seed, every product carried and on a license server", () => {
        const estate = generateEstate(TARGET_ESTATE, 20);
        expect(estate.accountRegions).to.have.length(3200);
        expect(Object.keys(estate.catalog.products)).to.have.length(400);
        expect(new Set(Object.values(estate.serverOf)).size).to.equal(30);
        const types = Object.values(estate.catalog.workbenchTypes);
        expect(types).to.have.length(60);
        expect(Math.max(...types.map((t) => t.length))).to.be.at.most(20);
        expect(new Set(types.flat()).size).to.equal(400);
        expect(estate.storm).to.have.length(8000);
        expect(new Set([...estate.storm, ...estate.running].map((wb) => wb.user)).size).to.equal(10_000);
        expect(estate.storm.every((wb, i) => i === 0 || estate.storm[i - 1].startAt <= wb.startAt)).to.equal(true);
        expect(generateEstate(SMOKE_ESTATE, 7)).to.deep.equal(generateEstate(SMOKE_ESTATE, 7));
    });

    it("counts capacity as DynamoDB bills it: 4 KB read units, 1 KB write units, Query pages of 1 MB", () => {
        const meter = new CapacityMeter();
        meter.read("GetItem", 100);
        meter.read("GetItem", 5000, false);
        meter.write("PutItem", 1025);
        meter.readPages("Query", Array.from({ length: 3 }, () => 600_000));
        expect(meter.readUnits).to.equal(1 + 1 + 147 + 147 + 147);
        expect(meter.writeUnits).to.equal(2);
        expect(meter.requests).to.deep.equal({ GetItem: 2, PutItem: 1, Query: 3 });
        expect(percentiles([5, 1, 3, 2, 4])).to.deep.equal({ count: 5, p50: 3, p95: 5, max: 5 });
    });
});
