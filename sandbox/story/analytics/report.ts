/**
 * The sandbox's analytics report: the ledger and the usage reports copied out of the local S3 into
 * `<out>/analytics/`, every analytics/queries/*.sql run on DuckDB over them, and one self-contained HTML page with
 * the seats over time per product against its seat limit, the denials, the event -> license server latency
 * distribution and the query results as tables.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { LocalS3 } from "../../aws/s3rver";
import { LocalAnalytics, Row } from "./duckdb";
import { renderReportHtml } from "./html";
import { ProductTotals, SeatSeries, productTotals, seatSeries } from "./seatSeries";
import { LEDGER_PREFIX } from "../../../functions/hub-ledger/ledgerRecord";
import { COST_CENTRE_TABLE } from "../../../components/analytics/tables";

export interface ReportSources {
    s3: LocalS3;
    ledgerBucket: string;
    /** The governance tracker's bucket, prefix and layout; absent: no License Manager section. */
    usageReports?: { bucket: string; prefix: string; layout: "dated" | "hive" };
    /** Event -> license server latencies, wall-clock seconds. */
    latencies: number[];
    /** The same on the scenario clock, with its speed; absent outside the sandbox. */
    scenarioLatencies?: { seconds: number[]; speed: number };
    /** A few words, and one paragraph saying what the report covers. */
    title: string;
    description: string;
    /** The sandbox's scenario second 0 (its times are then shown as on its console); absent: UTC times. */
    scenarioEpochMs?: number;
}

export interface AnalyticsReport {
    htmlPath: string;
    totals: ProductTotals[];
    queries: Record<string, Row[]>;
    series: SeatSeries[];
    /** Every denial in the ledger (product, user_id, event_at, reason). */
    denialEvents: Row[];
    latencies: number[];
    scenarioLatencies?: { seconds: number[]; speed: number };
}

export async function writeAnalyticsReport(outDir: string, sources: ReportSources): Promise<AnalyticsReport> {
    const root = path.join(outDir, "analytics");
    fs.rmSync(root, { recursive: true, force: true });
    const ledgerRoot = path.join(root, "ledger");
    const reportRoot = path.join(root, "reports");
    await mirror(sources.s3, sources.ledgerBucket, LEDGER_PREFIX, ledgerRoot, (key) => key);
    await mirror(sources.s3, sources.ledgerBucket, COST_CENTRE_TABLE.key, ledgerRoot, (key) => key);
    const usage = sources.usageReports;
    if (usage) await mirror(sources.s3, usage.bucket, usage.prefix, reportRoot, (key) => hiveSummaryKey(key.slice(usage.prefix.length), usage.layout));

    const analytics = await LocalAnalytics.open({ ledgerRoot, reportRoot });
    try {
        const queries = await analytics.runAll();
        const series = seatSeries(await analytics.query("SELECT product, start_at, end_at FROM seat_sessions"), queries.concurrent_seats);
        const denialEvents = await analytics.query("SELECT product, user_id, event_at, reason FROM seat_events WHERE kind = 'denial' ORDER BY event_at, product, user_id");
        const totals = productTotals(series, queries);
        const htmlPath = path.join(root, "report.html");
        fs.writeFileSync(htmlPath, renderReportHtml({
                title: sources.title,
                description: sources.description,
                clock: sources.scenarioEpochMs === undefined ? undefined : { scenarioEpochMs: sources.scenarioEpochMs },
                totals,
                series,
                denialEvents,
                latencies: sources.latencies,
                queries,
            }));
        return { htmlPath, totals, queries, series, denialEvents, latencies: sources.latencies, scenarioLatencies: sources.scenarioLatencies };
    } finally {
        analytics.close();
    }
}

/** The console lines: where the report is, and per product its peak concurrency and seat-hours. */
export function analyticsSummaryLines(report: AnalyticsReport, cwd = process.cwd()): string[] {
    const lines = [`Analytics report: ${path.relative(cwd, report.htmlPath) || report.htmlPath}`];
    for (const t of report.totals) {
        const owned = t.seatsOwned === null ? "no seat limit" : `${t.seatsOwned} owned`;
        lines.push(`  ${t.product.padEnd(12)} peak ${t.peakSeats} concurrent (${owned}), ${t.seatHours.toFixed(2)} seat-hours, ${t.denials} denied`);
    }
    for (const d of report.queries.seat_decisions ?? []) {
        const owned = d.seats_owned === null ? "no limit now" : `${d.seats_owned} now`;
        const cost = d.recommended_yearly_cost === null ? "" : `; ${Math.round(Number(d.recommended_yearly_cost)).toLocaleString("en-US")} a year${d.idle_yearly_cost ? `, idle seats now cost ${Math.round(Number(d.idle_yearly_cost)).toLocaleString("en-US")}` : ""}`;
        lines.push(`  decide: ${String(d.product).padEnd(12)} own ${d.recommended_seats} seats (${owned}): ${d.reason}${cost}`);
    }
    if (report.latencies.length > 0) {
        const sorted = [...report.latencies].sort((a, b) => a - b);
        const scenario = report.scenarioLatencies;
        const onScenarioClock = scenario && scenario.seconds.length > 0 ? `; on the scenario clock (${scenario.speed}x) median ${median([...scenario.seconds].sort((a, b) => a - b)).toFixed(0)} s` : "";
        lines.push(`  event -> license server: median ${median(sorted).toFixed(1)} s wall clock over ${sorted.length} starts${onScenarioClock}`);
    }
    return lines;
}

/**
 * Where a tracker summary goes in the hive layout the analytics tables read (relative to the report prefix), or
 * undefined for other report files. A `dated` run folder `YYYY/MM/DD/<run>/` carries the same partition values.
 */
export function hiveSummaryKey(relativeKey: string, layout: "dated" | "hive"): string | undefined {
    if (layout === "hive") return relativeKey.startsWith("summary/") ? relativeKey : undefined;
    const dated = /^(\d{4})\/(\d{2})\/(\d{2})\/([^/]+)\/summary\.csv$/.exec(relativeKey);
    return dated ? `summary/year=${dated[1]}/month=${dated[2]}/day=${dated[3]}/run=${dated[4]}/summary.csv` : undefined;
}

/** Copies the objects under `prefix` to `dir`, each at `target(key)` (skipped when undefined). */
async function mirror(s3: LocalS3, bucket: string, prefix: string, dir: string, target: (key: string) => string | undefined): Promise<void> {
    let token: string | undefined;
    do {
        const page = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const { Key } of page.Contents ?? []) {
            const relative = target(Key!);
            if (relative === undefined) continue;
            const object = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key }));
            const file = path.join(dir, ...relative.split("/"));
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, Buffer.from(await object.Body!.transformToByteArray()));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
}

function median(sorted: number[]): number {
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
