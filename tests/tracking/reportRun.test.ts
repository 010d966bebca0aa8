import { createHash } from "node:crypto";
import { expect } from "chai";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { AwsServiceError } from "../../sandbox/aws/awsJsonServer";
import type { TrackerConfig } from "../../functions/license-usage-report/config";
import { LICENSE_CONFIGURATIONS_KEY } from "../../functions/license-usage-report/configurationObject";
import { runTriggerOf } from "../../functions/license-usage-report/runIdentity";
import { ReportIncompleteError, ReportRunResult, RunContext, runLicenseUsageReport, TrackerPorts } from "../../functions/license-usage-report/tracker";
import type { Manifest } from "../../functions/license-usage-report/manifest";
import type { LicenseManagerReader } from "../../functions/license-usage-report/collect";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { parseCsv, parseCsvObjects } from "./support/csvParse";
import { REPORT_BUCKET, TrackerWorld, addConfiguration, startTrackerWorld, trackerConfigFor } from "./support/trackerWorld";
import { configurationArn } from "./support/fixtures";

const RUN_TIME = new Date("2026-03-05T06:07:08.009Z");
const RUN_FOLDER = "license-usage/2026/03/05/20260305T060708.009Z/";

describe("license usage report run (s3rver + License Manager stand-in, real SDK clients)", () => {
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

    const configFor = (arns: string[], overrides: Record<string, string> = {}) => trackerConfigFor(arns, { CONCURRENCY: "4", ...overrides });
    const run = (config: TrackerConfig, telemetry = new RecordingTelemetry(), runPorts: TrackerPorts = ports, context: Partial<RunContext> = {}) =>
        runLicenseUsageReport(config, runPorts, telemetry, { requestId: "run-1", now: () => RUN_TIME, trigger: { source: "aws.events", eventId: "e-1" }, ...context });
    const listKeys = async (prefix: string) =>
        ((await world.s3.client.send(new ListObjectsV2Command({ Bucket: REPORT_BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
    const read = async (key: string) => (await world.s3.getText(REPORT_BUCKET, key)).body;
    const usageKeyIn = (folder: string, arn: string) => {
        const [, , , region, account, , id] = arn.split(":");
        return `${folder}usage/${region}_${account}_${id}.csv`;
    };
    const usageKey = (arn: string) => usageKeyIn(RUN_FOLDER, arn);

    it("reads each configuration in its own region, follows every usage page, and writes every row", async () => {
        const eu = addConfiguration(world.licenseManager, "eu-central-1", 1, 5, { Name: "Windows Server", LicenseCount: 40, ConsumedLicenses: 10 });
        const us = addConfiguration(world.licenseManager, "us-east-1", 2, 0, { Name: "SQL Server", LicenseCountingType: "Core", LicenseCount: undefined });
        const ap = addConfiguration(world.licenseManager, "ap-southeast-2", 3, 7, { Name: "Oracle DB", LicenseCount: 3, ConsumedLicenses: 4 });

        const result = await run(configFor([eu, us, ap]));

        expect(result).to.deep.include({ runId: "run-1", summaryKey: `${RUN_FOLDER}summary.csv`, manifestKey: `${RUN_FOLDER}manifest.json`, usageRows: 12, filesWritten: 5 });
        // The stand-in only answers for the region the request was signed for, so every call reached the right region.
        expect([...new Set(world.licenseManager.regions)].sort()).to.deep.equal(["ap-southeast-2", "eu-central-1", "us-east-1"]);
        const usageCalls = (arn: string) => world.licenseManager.calls.filter((c) => c.operation === "ListUsageForLicenseConfiguration" && c.input.LicenseConfigurationArn === arn);
        expect([eu, us, ap].map((arn) => usageCalls(arn).length)).to.deep.equal([3, 1, 4]); // page size 2

        for (const [arn, rows] of [[eu, 5], [us, 0], [ap, 7]] as const) {
            const usage = parseCsvObjects(await read(usageKey(arn)));
            expect(usage.map((r) => r.resource_arn)).to.deep.equal(world.licenseManager.state.usage.get(arn)!.map((u) => u.ResourceArn));
            expect(usage).to.have.length(rows);
        }
        const [first] = parseCsvObjects(await read(usageKey(eu)));
        expect(first).to.deep.equal({
            license_configuration_arn: eu,
            resource_arn: "arn:aws:ec2:eu-central-1:111111111111:instance/i-000000000000003e8",
            resource_type: "EC2_INSTANCE",
            resource_status: "running",
            resource_owner_id: "111111111111",
            association_time: "2026-01-02T03:04:05.000Z",
            consumed_licenses: "4",
        });

        const summary = parseCsvObjects(await read(`${RUN_FOLDER}summary.csv`));
        expect(summary.map((r) => r.license_configuration_arn)).to.deep.equal([eu, us, ap]);
        expect(summary[0]).to.deep.equal({
            license_configuration_name: "Windows Server",
            license_configuration_arn: eu,
            region: "eu-central-1",
            counting_type: "vCPU",
            license_count: "40",
            hard_limit: "true",
            consumed_licenses: "10",
            utilisation_percent: "25",
            status: "AVAILABLE",
            usage_rows: "5",
            usage_file: usageKey(eu),
            error: "",
        });
        expect(summary[1]).to.deep.include({ counting_type: "Core", license_count: "", utilisation_percent: "", usage_rows: "0" });
        expect(summary[2]).to.deep.include({ utilisation_percent: "133.33", usage_rows: "7" });
    });

    it("writes a manifest whose files, row counts and SHA-256 sums match what is in the bucket, with content types", async () => {
        const eu = addConfiguration(world.licenseManager, "eu-central-1", 1, 3);
        const us = addConfiguration(world.licenseManager, "us-west-2", 2, 1);
        const config = configFor([eu, us]);
        await run(config);

        const manifestObject = await world.s3.getText(REPORT_BUCKET, `${RUN_FOLDER}manifest.json`);
        expect(manifestObject.contentType).to.equal("application/json");
        const manifest = JSON.parse(manifestObject.body) as Manifest;
        expect(manifest).to.deep.include({
            schemaVersion: 2,
            runId: "run-1",
            runTime: RUN_TIME.toISOString(),
            attempt: { requestId: "run-1", startedAt: RUN_TIME.toISOString(), collectedAt: RUN_TIME.toISOString() },
            bucket: REPORT_BUCKET,
            prefix: "license-usage/",
            layout: "dated",
            licenseConfigurations: { key: LICENSE_CONFIGURATIONS_KEY, sha256: config.licenseConfigurations.sha256 },
            trigger: { source: "aws.events", eventId: "e-1" },
            configurations: { total: 2, succeeded: 2, failed: 0, usageRows: 4 },
            failures: [],
        });
        expect(manifest.files.map((f) => f.key).sort()).to.deep.equal([usageKey(eu), usageKey(us), `${RUN_FOLDER}summary.csv`].sort());
        for (const file of manifest.files) {
            const object = await world.s3.getText(REPORT_BUCKET, file.key);
            expect(object.contentType, file.key).to.equal("text/csv; charset=utf-8; header=present");
            expect(createHash("sha256").update(object.body).digest("hex"), file.key).to.equal(file.sha256);
            expect(Buffer.byteLength(object.body), file.key).to.equal(file.bytes);
            expect(parseCsv(object.body).length - 1, file.key).to.equal(file.rows);
        }
    });

    it("rides out throttling through the SDK's retries and still reads every row", async () => {
        const eu = addConfiguration(world.licenseManager, "eu-central-1", 1, 3);
        const throttled = () => new AwsServiceError("ThrottlingException", "Rate exceeded", 400);
        world.licenseManager.failNext("ListUsageForLicenseConfiguration", throttled(), 2);
        world.licenseManager.failNext("GetLicenseConfiguration", throttled(), 1);

        const telemetry = new RecordingTelemetry();
        const result = await run(configFor([eu]), telemetry);

        expect(result.configurations).to.deep.equal({ total: 1, succeeded: 1, failed: 0 });
        expect(parseCsvObjects(await read(usageKey(eu)))).to.have.length(3);
        const count = (operation: string) => world.licenseManager.calls.filter((c) => c.operation === operation).length;
        expect(count("ListUsageForLicenseConfiguration")).to.equal(2 + 2);
        expect(count("GetLicenseConfiguration")).to.equal(1 + 1);
        expect(telemetry.total("LicenseConfigurationsFailed")).to.equal(0);
    });

    it("reports a configuration it cannot read as FAILED, writes all the others, then fails the run", async () => {
        const eu = addConfiguration(world.licenseManager, "eu-central-1", 1, 3);
        const missing = configurationArn("us-east-1", 404);
        const ap = addConfiguration(world.licenseManager, "ap-northeast-1", 3, 2);
        const telemetry = new RecordingTelemetry();

        const error = await run(configFor([eu, missing, ap]), telemetry).then(
            () => expect.fail("the run should fail"),
            (err: unknown) => err,
        );
        expect(error).to.be.instanceOf(ReportIncompleteError);
        expect((error as Error).message).to.match(
            new RegExp(`^License usage report run-1: 1 of 3 license configurations could not be read: ${missing} \\(InvalidParameterValueException: .*not found\\)`),
        );
        expect((error as ReportIncompleteError).result.configurations).to.deep.equal({ total: 3, succeeded: 2, failed: 1 });

        const summary = parseCsvObjects(await read(`${RUN_FOLDER}summary.csv`));
        expect(summary.map((r) => r.status)).to.deep.equal(["AVAILABLE", "FAILED", "AVAILABLE"]);
        expect(summary[1]).to.deep.include({ license_configuration_arn: missing, region: "us-east-1", usage_file: "" });
        expect(summary[1].error).to.match(/^InvalidParameterValueException: License configuration .* not found$/);
        expect(parseCsvObjects(await read(usageKey(eu)))).to.have.length(3);
        expect(parseCsvObjects(await read(usageKey(ap)))).to.have.length(2);
        expect(await world.s3.exists(REPORT_BUCKET, usageKey(missing))).to.equal(false);

        const manifest = JSON.parse(await read(`${RUN_FOLDER}manifest.json`)) as Manifest;
        expect(manifest.configurations).to.deep.include({ total: 3, succeeded: 2, failed: 1 });
        expect(manifest.failures).to.have.length(1);
        expect(manifest.failures[0]).to.deep.include({ licenseConfigurationArn: missing, region: "us-east-1" });
        expect(telemetry.total("LicenseConfigurationsFailed")).to.equal(1);
        expect(telemetry.logs.find((l) => l.level === "error")?.fields).to.deep.include({ licenseConfigurationArn: missing });
    });

    it("escapes comma, quote and newline laden names and neutralises formula-like ones", async () => {
        const names = ['=HYPERLINK("http://evil.example","click")', 'Acme, Inc. "Gold"\r\nsecond line', "+SUM(A1:A9)", "-1+2", "@cmd", "\tindented"];
        const arns = names.map((name, i) => addConfiguration(world.licenseManager, "eu-central-1", 10 + i, 1, { Name: name, Status: i === 0 ? "=1+1" : "AVAILABLE" }));
        await run(configFor(arns));

        const text = await read(`${RUN_FOLDER}summary.csv`);
        expect(text).to.contain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
        expect(text).to.contain(`"Acme, Inc. ""Gold""\r\nsecond line"`);
        const summary = parseCsvObjects(text);
        expect(summary.map((r) => r.license_configuration_name)).to.deep.equal([
            `'=HYPERLINK("http://evil.example","click")`,
            'Acme, Inc. "Gold"\r\nsecond line',
            "'+SUM(A1:A9)",
            "'-1+2",
            "'@cmd",
            "'\tindented",
        ]);
        expect(summary[0].status).to.equal("'=1+1");
        for (const row of summary) {
            for (const cell of Object.values(row)) expect(/^[=+\-@\t\r]/.test(cell), JSON.stringify(cell)).to.equal(false);
        }
    });

    it("uses Hive partitions when asked", async () => {
        const eu = addConfiguration(world.licenseManager, "eu-central-1", 1, 1);
        const result = await run(configFor([eu], { REPORT_LAYOUT: "hive", REPORT_PREFIX: "athena/" }));
        const partitions = "year=2026/month=03/day=05/run=20260305T060708.009Z";
        expect(result.summaryKey).to.equal(`athena/summary/${partitions}/summary.csv`);
        expect(result.manifestKey).to.equal(`athena/manifest/${partitions}/manifest.json`);
        expect(await world.s3.exists(REPORT_BUCKET, `athena/usage/${partitions}/eu-central-1_111111111111_lic-00000000000000000000000000000001.csv`)).to.equal(true);
    });

    it("reads several configurations at once, never more than the configured concurrency", async () => {
        const arns = Array.from({ length: 12 }, (_, i) => addConfiguration(world.licenseManager, ["eu-central-1", "us-east-1", "eu-west-1"][i % 3], i, 3));
        world.licenseManager.setLatency(5);
        let inFlight = 0;
        let peak = 0;
        const counting = (reader: LicenseManagerReader): LicenseManagerReader => ({
            getLicenseConfiguration: (arn) => reader.getLicenseConfiguration(arn),
            async *usagePages(arn) {
                inFlight += 1;
                peak = Math.max(peak, inFlight);
                try {
                    yield* reader.usagePages(arn);
                } finally {
                    inFlight -= 1;
                }
            },
        });
        const result = await run(configFor(arns), new RecordingTelemetry(), { ...ports, licenseManager: (region) => counting(ports.licenseManager(region)) });
        expect(result.usageRows).to.equal(36);
        expect(peak).to.equal(4);
    });

    it("writes no manifest when a file cannot be written, and fails the run", async () => {
        const eu = addConfiguration(world.licenseManager, "eu-central-1", 1, 1);
        const us = addConfiguration(world.licenseManager, "us-east-1", 2, 1);
        const failing: TrackerPorts = {
            ...ports,
            putObject: async (file) => {
                if (file.key === usageKey(us)) throw Object.assign(new Error("We encountered an internal error"), { name: "InternalError" });
                return ports.putObject(file);
            },
        };
        const outcome: ReportRunResult | Error = await run(configFor([eu, us]), new RecordingTelemetry(), failing).catch((err: Error) => err);
        expect(outcome).to.be.instanceOf(Error);
        expect((outcome as Error).message).to.match(/1 of 3 files could not be written, so no manifest was written: .*usage\/us-east-1.*InternalError/);
        expect(await world.s3.exists(REPORT_BUCKET, `${RUN_FOLDER}manifest.json`)).to.equal(false);
        expect(await world.s3.exists(REPORT_BUCKET, usageKey(eu))).to.equal(true);
    });

    describe("retries of one scheduled run", () => {
        const SCHEDULED = { id: "6a7e8d9c-1b2a-4c3d-8e9f-0a1b2c3d4e5f", source: "aws.events", "detail-type": "Scheduled Event", time: "2026-03-05T06:00:00Z" };
        const SCHEDULED_FOLDER = "license-usage/2026/03/05/20260305T060000.000Z/";
        const attempt = (requestId: string, at: string, event: unknown = SCHEDULED): Partial<RunContext> => ({
            requestId,
            now: () => new Date(at),
            trigger: runTriggerOf(event),
        });

        it("writes every attempt to the scheduled run's folder, so a retry replaces a failed run instead of adding one", async () => {
            const eu = addConfiguration(world.licenseManager, "eu-central-1", 1, 2);
            const late = configurationArn("us-east-1", 7); // unreadable on the first attempt
            const config = configFor([eu, late]);

            const failed = await run(config, new RecordingTelemetry(), ports, attempt("req-1", "2026-03-05T06:00:02.250Z")).catch((err: unknown) => err);
            expect(failed).to.be.instanceOf(ReportIncompleteError);
            expect((failed as ReportIncompleteError).result.manifestKey).to.equal(`${SCHEDULED_FOLDER}manifest.json`);

            addConfiguration(world.licenseManager, "us-east-1", 7, 1);
            const retried = await run(config, new RecordingTelemetry(), ports, attempt("req-2", "2026-03-05T06:01:05.750Z"));

            expect(retried).to.deep.include({ runId: SCHEDULED.id, runTime: "2026-03-05T06:00:00.000Z", requestId: "req-2" });
            expect(retried.manifestKey).to.equal(`${SCHEDULED_FOLDER}manifest.json`);
            expect(await listKeys("license-usage/")).to.deep.equal(
                [`${SCHEDULED_FOLDER}manifest.json`, `${SCHEDULED_FOLDER}summary.csv`, usageKeyIn(SCHEDULED_FOLDER, eu), usageKeyIn(SCHEDULED_FOLDER, late)].sort(),
            );
            const manifest = JSON.parse(await read(`${SCHEDULED_FOLDER}manifest.json`)) as Manifest;
            expect(manifest).to.deep.include({
                runId: SCHEDULED.id,
                runTime: "2026-03-05T06:00:00.000Z",
                attempt: { requestId: "req-2", startedAt: "2026-03-05T06:01:05.750Z", collectedAt: "2026-03-05T06:01:05.750Z" },
                failures: [],
            });
            expect(manifest.configurations).to.deep.include({ total: 2, succeeded: 2, failed: 0 });
            expect(parseCsvObjects(await read(`${SCHEDULED_FOLDER}summary.csv`)).map((r) => r.status)).to.deep.equal(["AVAILABLE", "AVAILABLE"]);
        });

        it("gives each scheduled event and each manual invocation a folder of its own", async () => {
            const eu = addConfiguration(world.licenseManager, "eu-central-1", 1, 1);
            const config = configFor([eu]);
            const nextDay = { ...SCHEDULED, id: "0b9f1c2d-3e4f-4a5b-8c7d-6e5f4a3b2c1d", time: "2026-03-06T06:00:00Z" };

            const runs = [
                await run(config, new RecordingTelemetry(), ports, attempt("req-1", "2026-03-05T06:00:01.000Z")),
                await run(config, new RecordingTelemetry(), ports, attempt("req-2", "2026-03-06T06:00:01.000Z", nextDay)),
                await run(config, new RecordingTelemetry(), ports, attempt("req-3", "2026-03-06T09:30:15.042Z", {})),
                await run(config, new RecordingTelemetry(), ports, attempt("req-4", "2026-03-06T09:30:15.043Z", {})),
            ];
            expect(runs.map((r) => [r.runId, r.manifestKey])).to.deep.equal([
                [SCHEDULED.id, `${SCHEDULED_FOLDER}manifest.json`],
                [nextDay.id, "license-usage/2026/03/06/20260306T060000.000Z/manifest.json"],
                ["req-3", "license-usage/2026/03/06/20260306T093015.042Z/manifest.json"],
                ["req-4", "license-usage/2026/03/06/20260306T093015.043Z/manifest.json"],
            ]);
            const manifests = (await listKeys("license-usage/")).filter((key) => key.endsWith("/manifest.json"));
            expect(manifests).to.have.length(4);
        });

        it("warns and names the run after the attempt when a scheduled event has no usable time", async () => {
            const eu = addConfiguration(world.licenseManager, "eu-central-1", 1, 1);
            const telemetry = new RecordingTelemetry();
            const result = await run(configFor([eu]), telemetry, ports, attempt("req-1", "2026-03-05T06:00:01.000Z", { ...SCHEDULED, time: "2026-02-30T06:00:00Z" }));
            expect(result).to.deep.include({ runId: "req-1", manifestKey: "license-usage/2026/03/05/20260305T060001.000Z/manifest.json" });
            expect(telemetry.logs.find((l) => l.level === "warn")?.message).to.match(/scheduled event without a usable id and time/);
        });
    });
});
