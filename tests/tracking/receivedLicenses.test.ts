import { expect } from "chai";
import { AwsServiceError } from "../../sandbox/aws/awsJsonServer";
import type { StandinReceivedLicense } from "../../sandbox/aws/licenseManagerStandin";
import { parseTrackerSettings, TrackerConfig } from "../../functions/license-usage-report/config";
import { assessExpiry } from "../../functions/license-usage-report/receivedLicenses";
import { RECEIVED_LICENSES_EXPIRING_METRIC, ReportIncompleteError, runLicenseUsageReport } from "../../functions/license-usage-report/tracker";
import type { Manifest } from "../../functions/license-usage-report/manifest";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { parseCsvObjects } from "./support/csvParse";
import { REPORT_BUCKET, TrackerWorld, addConfiguration, startTrackerWorld, trackerConfigFor } from "./support/trackerWorld";

const NOW = new Date("2026-03-05T06:07:08.009Z");
const FOLDER = "license-usage/2026/03/05/20260305T060708.009Z/";
const days = (n: number) => new Date(NOW.getTime() + n * 86_400_000).toISOString();

function received(region: string, id: string, end: string | undefined, fields: Partial<StandinReceivedLicense> = {}): StandinReceivedLicense {
    return {
        LicenseArn: `arn:aws:license-manager::294406891311:license:l-${id}`,
        LicenseName: `license ${id}`,
        ProductName: `product ${id}`,
        ProductSKU: `sku-${id}`,
        Issuer: { Name: "Vendor Inc" },
        HomeRegion: region,
        Status: "AVAILABLE",
        Validity: { Begin: days(-100), ...(end ? { End: end } : {}) },
        Entitlements: [{ Name: "Users", MaxCount: 10, Unit: "Count" }],
        ReceivedMetadata: { ReceivedStatus: "ACTIVE" },
        consumed: { Users: 7 },
        ...fields,
    };
}

describe("received licenses (Marketplace and vendor grants) in the usage report", () => {
    describe("expiry", () => {
        it("flags a validity ending within the window, and one already ended, and nothing else", () => {
            expect(assessExpiry(days(10), NOW, 30)).to.deep.equal({ status: "expiring-soon", daysToExpiry: 10 });
            expect(assessExpiry(days(30), NOW, 30)).to.deep.equal({ status: "expiring-soon", daysToExpiry: 30 });
            expect(assessExpiry(days(31), NOW, 30)).to.deep.equal({ status: "valid", daysToExpiry: 31 });
            expect(assessExpiry(days(-1), NOW, 30)).to.deep.equal({ status: "expired", daysToExpiry: -1 });
            expect(assessExpiry(undefined, NOW, 30)).to.deep.equal({ status: "no-end-date" });
            expect(assessExpiry("not a date", NOW, 30)).to.deep.equal({ status: "no-end-date" });
        });

        it("refuses bad regions and windows in the environment, naming the variable", () => {
            const base = { REPORT_BUCKET, LICENSE_CONFIGURATIONS_SHA256: "a".repeat(64) };
            expect(parseTrackerSettings(base).receivedLicenses).to.deep.equal({ regions: [], expiryWarningDays: 30 });
            expect(parseTrackerSettings({ ...base, RECEIVED_LICENSE_REGIONS: "eu-central-1,us-east-1", EXPIRY_WARNING_DAYS: "14" }).receivedLicenses).to.deep.equal({
                regions: ["eu-central-1", "us-east-1"],
                expiryWarningDays: 14,
            });
            expect(() => parseTrackerSettings({ ...base, RECEIVED_LICENSE_REGIONS: "eu-central-1,Frankfurt" })).to.throw(/RECEIVED_LICENSE_REGIONS.*"Frankfurt" is not an AWS region/);
            expect(() => parseTrackerSettings({ ...base, EXPIRY_WARNING_DAYS: "0" })).to.throw(/EXPIRY_WARNING_DAYS.*from 1 to 365/);
        });
    });

    describe("against the License Manager stand-in and s3rver (real SDK clients)", () => {
        let world: TrackerWorld;
        let ports: ReturnType<TrackerWorld["ports"]>;
        beforeEach(async () => {
            world = await startTrackerWorld();
            ports = world.ports();
        });
        afterEach(async () => {
            ports.destroy();
            await world.close();
        });

        const configFor = (arns: string[], regions: string[]) => trackerConfigFor(arns, { RECEIVED_LICENSE_REGIONS: regions.join(",") });
        const run = (config: TrackerConfig, telemetry = new RecordingTelemetry()) =>
            runLicenseUsageReport(config, ports, telemetry, { requestId: "run-1", now: () => NOW, trigger: { source: "aws.events", eventId: "e-1" } });
        const read = async (key: string) => (await world.s3.getText(REPORT_BUCKET, key)).body;

        it("lists every received license of every region, every page, with entitlement usage, and counts the one expiring soon", async () => {
            const arn = addConfiguration(world.licenseManager, "eu-central-1", 1, 1);
            world.licenseManager.state.receivedLicenses.push(
                received("eu-central-1", "a", days(200)),
                received("eu-central-1", "b", days(12), { ProductName: '=HYPERLINK("x")' }),
                received("eu-central-1", "c", undefined, { Entitlements: [] }),
                received("us-east-1", "d", days(400), { Entitlements: [{ Name: "Cores", MaxCount: 64, Unit: "Count" }, { Name: "Users", Unit: "Count" }], consumed: { Cores: 48 } }),
                received("ap-southeast-2", "never-listed", days(1)),
            );
            const telemetry = new RecordingTelemetry();

            const result = await run(configFor([arn], ["eu-central-1", "us-east-1"]), telemetry);

            expect(result.receivedLicenses).to.deep.equal({ regions: 2, failedRegions: 0, licenses: 4, expiringSoon: 1 });
            // Page size 2: eu-central-1's three licenses take two ListReceivedLicenses calls.
            expect(world.licenseManager.calls.filter((c) => c.operation === "ListReceivedLicenses")).to.have.length(3);
            const rows = parseCsvObjects(await read(`${FOLDER}received-licenses.csv`));
            expect(rows.map((r) => [r.region, r.license_arn.split(":").pop(), r.entitlement_name, r.entitlement_consumed, r.expiry_status, r.days_to_expiry])).to.deep.equal([
                ["eu-central-1", "l-a", "Users", "7", "valid", "200"],
                ["eu-central-1", "l-b", "Users", "7", "expiring-soon", "12"],
                ["eu-central-1", "l-c", "", "", "no-end-date", ""],
                ["us-east-1", "l-d", "Cores", "48", "valid", "400"],
                ["us-east-1", "l-d", "Users", "0", "valid", "400"],
            ]);
            // Issuer text is untrusted: a formula is neutralised like every other CSV cell.
            expect(rows[1].product_name.startsWith("=")).to.equal(false);
            expect(telemetry.total(RECEIVED_LICENSES_EXPIRING_METRIC)).to.equal(1);
            expect(telemetry.logs.find((l) => l.level === "warn" && /expires soon/.test(l.message))?.fields).to.include({ region: "eu-central-1", daysToExpiry: 12 });

            const manifest = JSON.parse(await read(`${FOLDER}manifest.json`)) as Manifest;
            expect(manifest.receivedLicenses).to.deep.equal([
                { region: "eu-central-1", licenses: 3 },
                { region: "us-east-1", licenses: 1 },
            ]);
            expect(manifest.files.map((f) => f.kind)).to.include("received");
        });

        it("reports a region it cannot read as FAILED, writes the rest, and fails the run", async () => {
            const arn = addConfiguration(world.licenseManager, "eu-central-1", 1, 1);
            world.licenseManager.state.receivedLicenses.push(received("eu-central-1", "a", days(5)));
            world.licenseManager.failNext("ListReceivedLicenses", new AwsServiceError("AccessDeniedException", "not authorized", 400), 1);
            const telemetry = new RecordingTelemetry();

            const failure = await run(configFor([arn], ["us-east-1", "eu-central-1"]), telemetry).then(
                () => expect.fail("a region that cannot be read must fail the run"),
                (err: unknown) => err,
            );

            expect(failure).to.be.instanceOf(ReportIncompleteError);
            expect((failure as Error).message).to.match(/1 of 2 received-license regions could not be read: received licenses in (us-east-1|eu-central-1) \(AccessDeniedException/);
            const rows = parseCsvObjects(await read(`${FOLDER}received-licenses.csv`));
            expect(rows.filter((r) => r.status === "FAILED")).to.have.length(1);
            expect(rows.find((r) => r.status === "FAILED")!.error).to.match(/AccessDeniedException/);
            expect(telemetry.total("ReceivedLicenseRegionsFailed")).to.equal(1);
        });

        it("writes no received-licenses file and no metric when no region is configured", async () => {
            const arn = addConfiguration(world.licenseManager, "eu-central-1", 1, 1);
            const telemetry = new RecordingTelemetry();
            const result = await run(configFor([arn], []), telemetry);
            expect(result.receivedLicenses).to.deep.equal({ regions: 0, failedRegions: 0, licenses: 0, expiringSoon: 0 });
            expect(await world.s3.exists(REPORT_BUCKET, `${FOLDER}received-licenses.csv`)).to.equal(false);
            expect(telemetry.metrics.map((m) => m.name)).not.to.include(RECEIVED_LICENSES_EXPIRING_METRIC);
        });
    });
});
