import { expect } from "chai";
import fc from "fast-check";
import { LICENSE_CONFIGURATIONS_KEY } from "../../functions/license-usage-report/configurationObject";
import { reportKeys, reportRoots, runTimestamp } from "../../functions/license-usage-report/keys";
import { parseLicenseConfigurationArn } from "../../functions/license-usage-report/licenseConfigurationArn";
import { configurationArn } from "./support/fixtures";

const CONFIGURATION = parseLicenseConfigurationArn(configurationArn("eu-central-1", 0xabc))!;

describe("report keys", () => {
    it("names a run after its UTC start time: ISO 8601 basic format, zero-padded, no colons", () => {
        expect(runTimestamp(new Date("2026-03-05T06:07:08.009Z"))).to.equal("20260305T060708.009Z");
        expect(runTimestamp(new Date("2027-01-01T00:00:00.000+01:00"))).to.equal("20261231T230000.000Z");
        expect(() => runTimestamp(new Date("not a date"))).to.throw(/outside the years/);
    });

    it("lays out a dated run folder: <prefix>YYYY/MM/DD/<timestamp>/", () => {
        const keys = reportKeys("license-usage/", "dated", new Date("2026-03-05T06:07:08.009Z"));
        expect(keys.summary).to.equal("license-usage/2026/03/05/20260305T060708.009Z/summary.csv");
        expect(keys.manifest).to.equal("license-usage/2026/03/05/20260305T060708.009Z/manifest.json");
        expect(keys.usage(CONFIGURATION)).to.equal(
            "license-usage/2026/03/05/20260305T060708.009Z/usage/eu-central-1_111111111111_lic-00000000000000000000000000000abc.csv",
        );
        expect(reportKeys("", "dated", new Date("2026-12-31T23:59:59.999Z")).summary).to.equal("2026/12/31/20261231T235959.999Z/summary.csv");
    });

    it("lays out Hive partitions per file kind for Athena", () => {
        const keys = reportKeys("reports/", "hive", new Date("2026-03-05T06:07:08.009Z"));
        const partitions = "year=2026/month=03/day=05/run=20260305T060708.009Z";
        expect(keys.summary).to.equal(`reports/summary/${partitions}/summary.csv`);
        expect(keys.manifest).to.equal(`reports/manifest/${partitions}/manifest.json`);
        expect(keys.usage(CONFIGURATION)).to.equal(`reports/usage/${partitions}/eu-central-1_111111111111_lic-00000000000000000000000000000abc.csv`);
    });

    it("sorts keys in time order and never produces a colon or an unpadded part", () => {
        const time = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2999-12-31T23:59:59Z"), noInvalidDate: true });
        fc.assert(
            fc.property(time, time, (a, b) => {
                const [ka, kb] = [reportKeys("p/", "dated", a).summary, reportKeys("p/", "dated", b).summary];
                expect(ka).to.match(/^p\/\d{4}\/\d{2}\/\d{2}\/\d{8}T\d{6}\.\d{3}Z\/summary\.csv$/);
                const order = ka < kb ? -1 : ka > kb ? 1 : 0;
                expect(order).to.equal(Math.sign(a.getTime() - b.getTime()));
            }),
        );
    });
});

describe("report roots (what the write grant and retention rules cover)", () => {
    it("is the prefix itself when there is one, else the layout's top-level folders", () => {
        expect(reportRoots("license-usage/", "dated")).to.deep.equal(["license-usage/"]);
        expect(reportRoots("athena/", "hive")).to.deep.equal(["athena/"]);
        expect(reportRoots("", "hive")).to.deep.equal(["summary/", "usage/", "received/", "manifest/"]);
        expect(reportRoots("", "dated")).to.deep.equal(["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    });

    it("covers every key a run writes and never the ARN list", () => {
        const time = fc.date({ min: new Date("1000-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true });
        fc.assert(
            fc.property(time, fc.constantFrom("", "license-usage/", "a/b/"), fc.constantFrom("dated" as const, "hive" as const), (at, prefix, layout) => {
                const roots = reportRoots(prefix, layout);
                const keys = reportKeys(prefix, layout, at);
                for (const key of [keys.summary, keys.manifest, keys.usage(CONFIGURATION)]) {
                    expect(roots.some((root) => key.startsWith(root)), key).to.equal(true);
                }
                expect(roots.some((root) => LICENSE_CONFIGURATIONS_KEY.startsWith(root))).to.equal(false);
            }),
        );
    });
});
