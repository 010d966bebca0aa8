/**
 * Benchmark (not a test): how much bounded concurrency buys the license usage report.
 *
 *   npx tsx bench/tracker-concurrency.ts
 *
 * 500 license configurations spread over 5 regions, each with 3 pages of usage, served by the local License Manager
 * stand-in with injected latency on every response, read through the real SDK clients (one per region, adaptive
 * retries). The same run is timed one configuration at a time (concurrency 1), with the tracker's default
 * concurrency (8) and with its maximum (32).
 * Report files go to an in-memory store, so only License Manager reads are measured.
 * Overrides: BENCH_CONFIGURATIONS, BENCH_LATENCY_MS, BENCH_CONCURRENCY; BENCH_SMOKE=1: 20 configurations, 5 ms (what
 * `npm test` runs).
 */
import { LOCAL_CLIENT_CONFIG } from "../sandbox/aws/awsJsonServer";
import { startLicenseManagerStandin } from "../sandbox/aws/licenseManagerStandin";
import { addConfiguration } from "../tests/tracking/support/trackerWorld";
import { regionalLicenseManagers } from "../functions/license-usage-report/awsPorts";
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY, parseTrackerSettings } from "../functions/license-usage-report/config";
import { licenseConfigurationsDocument, parseLicenseConfigurationsDocument } from "../functions/license-usage-report/configurationObject";
import { runLicenseUsageReport } from "../functions/license-usage-report/tracker";
import type { Telemetry } from "../functions/shared/telemetry";

const SMOKE = process.env.BENCH_SMOKE === "1";
const CONFIGURATIONS = Number(process.env.BENCH_CONFIGURATIONS ?? (SMOKE ? 20 : 500));
const REGIONS = ["eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2", "sa-east-1"];
const PAGE_SIZE = 2;
const PAGES = 3;
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? (SMOKE ? 5 : 25));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? DEFAULT_CONCURRENCY);

const quiet: Telemetry = { info() {}, warn() {}, error() {}, metric() {} };

async function main(): Promise<void> {
    const standin = await startLicenseManagerStandin();
    standin.state.defaultPageSize = PAGE_SIZE;
    const rows = PAGE_SIZE * (PAGES - 1) + 1; // exactly PAGES pages
    const arns = Array.from({ length: CONFIGURATIONS }, (_, i) => addConfiguration(standin, REGIONS[i % REGIONS.length], i, rows));
    standin.setLatency(LATENCY_MS);

    console.log(
        `${CONFIGURATIONS} configurations x ${REGIONS.length} regions x ${PAGES} usage pages (${rows} rows each), ` +
            `${LATENCY_MS} ms latency per License Manager response, ${CONFIGURATIONS * (1 + PAGES)} calls per run`,
    );
    const time = async (concurrency: number) => {
        // Fresh clients per run, so no connection or rate-limiter state carries over.
        const managers = regionalLicenseManagers(() => ({ endpoint: standin.endpoint, credentials: LOCAL_CLIENT_CONFIG.credentials }));
        // The ARN list as the function gets it (the S3 object's body and pinned SHA-256), parsed before timing starts.
        const document = licenseConfigurationsDocument(arns);
        const settings = parseTrackerSettings({ REPORT_BUCKET: "bench-bucket", CONCURRENCY: String(concurrency), LICENSE_CONFIGURATIONS_SHA256: document.sha256 });
        const config = { ...settings, configurations: parseLicenseConfigurationsDocument(Buffer.from(document.body), settings.licenseConfigurations) };
        const stored = new Map<string, string>();
        const callsBefore = standin.calls.length;
        const started = process.hrtime.bigint();
        const result = await runLicenseUsageReport(
            config,
            { licenseManager: managers.readerFor, receivedLicenses: managers.receivedReaderFor, putObject: async (file) => void stored.set(file.key, file.body) },
            quiet,
            { requestId: `bench-${concurrency}`, now: () => new Date() },
        );
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        managers.destroy();
        if (result.usageRows !== CONFIGURATIONS * rows || result.configurations.failed !== 0) {
            throw new Error(`incomplete run: ${JSON.stringify(result)}`);
        }
        console.log(`  concurrency ${String(concurrency).padStart(2)}: ${seconds.toFixed(2)} s (${standin.calls.length - callsBefore} calls, ${stored.size} files)`);
        return seconds;
    };

    try {
        const sequential = await time(1);
        for (const concurrency of [...new Set([CONCURRENCY, MAX_CONCURRENCY])]) {
            const concurrent = await time(concurrency);
            console.log(`one at a time ${sequential.toFixed(2)} s, concurrency ${concurrency} ${concurrent.toFixed(2)} s: ${(sequential / concurrent).toFixed(1)}x faster`);
        }
    } finally {
        await standin.close();
    }
}

main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
