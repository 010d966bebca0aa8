/**
 * The analytics report page a license owner reads first: a short title and a paragraph, then the decisions per
 * product (seat_decisions.sql: owned against peak and p95 concurrency and denials, a recommended seat count with its
 * reason, yearly costs where the catalog states them), then the charts and every query's results. Self-contained
 * (Chart.js inlined, the data as JSON in the page), so it opens from disk with no network. Charts get stable ids
 * (`seats-<product>`, `denials-chart`, `latency-chart`) and the page sets `window.reportReady` once every chart is
 * drawn.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Row } from "./duckdb";
import type { ProductTotals, SeatSeries } from "./seatSeries";
import { analyticsQueries } from "../../../components/analytics/tables";

export interface ReportPage {
    /** A few words. */
    title: string;
    /** One paragraph: what period and what estate the report covers. */
    description: string;
    /**
     * Where times are shown on: `scenario` with its second 0 (the sandbox: `t=mm:ss`, as on its console), else the
     * ledger's UTC times.
     */
    clock?: { scenarioEpochMs: number };
    totals: ProductTotals[];
    series: SeatSeries[];
    denialEvents: Row[];
    latencies: number[];
    queries: Record<string, Row[]>;
}

/** Rows shown per query table; the full results are in the CSV-like JSON at the end of the page. */
const MAX_TABLE_ROWS = 300;
/** Width of a latency histogram bucket, seconds. */
export const LATENCY_BUCKET_SECONDS = 2;

export function renderReportHtml(page: ReportPage): string {
    const data = { series: page.series, denials: denialCounts(page), latency: latencyHistogram(page.latencies), scenarioEpochMs: page.clock?.scenarioEpochMs ?? null };
    const timeAxis = page.clock ? "scenario time (t=mm:ss, as on the console)" : "time (UTC)";
    const descriptions = new Map(analyticsQueries().map((q) => [q.name, q.description]));
    const sections = Object.entries(page.queries).map(([name, rows]) => {
        const shown = name === "concurrent_seats" ? rows.filter((r) => r.grain !== "hour" || Number(r.peak_seats) > 0) : rows;
        const note = shown.length < rows.length ? ` Hours without any seat held are left out (${rows.length - shown.length} rows).` : "";
        return `<section class="query"><h3>${escape(name)}.sql</h3><p>${escape(descriptions.get(name) ?? "")}${escape(note)}</p>${table(`query-${name}`, shown)}</section>`;
    });
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(page.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; }
th { background: #f3f3f3; }
figure { width: 900px; height: 280px; margin: 0 0 1.5rem; }
</style>
</head>
<body>
<h1>${escape(page.title)}</h1>
<p id="description">${escape(page.description)}</p>
<section id="decisions"><h2>Decisions</h2>
<p>Per product over the period: the seats owned against the peak and the p95 of the daily peak concurrency (demand, so users who waited count) and the denials, and the seat count to own with its reason. Yearly costs use each product's <code>annualCostPerSeat</code> in the hub's catalog; idle seats are those owned beyond the peak.</p>
${table("decisions-table", decisionRows(page.queries.seat_decisions ?? []))}</section>
<section id="totals"><h2>Per product</h2>${table("product-totals", page.totals.map((t) => ({ product: t.product, peak_concurrent_seats: t.peakSeats, seats_owned: t.seatsOwned, seat_hours: t.seatHours, denials: t.denials })))}</section>
<section id="seats"><h2>Seats over time: held, denied demand and owned (x: ${escape(timeAxis)})</h2>
${page.series.map((s) => `<h3>${escape(s.product)}</h3><figure><canvas id="seats-${escape(s.product)}"></canvas></figure>`).join("\n")}
</section>
<section id="denials"><h2>Denials (users left waiting for lack of seats)</h2><figure><canvas id="denials-chart"></canvas></figure>${table("denial-events", page.denialEvents)}</section>
<section id="latency"><h2>Event to license server latency (${page.latencies.length} workbench starts, wall-clock seconds)</h2><figure><canvas id="latency-chart"></canvas></figure></section>
<section id="queries"><h2>Query results (analytics/queries/*.sql on DuckDB)</h2>
${sections.join("\n")}
</section>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${chartJsSource()}</script>
<script>${CHARTS_SCRIPT}</script>
</body>
</html>
`;
}

/** The decisions as a license owner reads them: costs rounded to whole units, recommendation and reason last. */
function decisionRows(rows: Row[]): Row[] {
    const money = (value: Row[string]) => (value === null || value === undefined ? "" : Math.round(Number(value)).toLocaleString("en-US"));
    return rows.map((r) => ({
        product: r.product,
        seats_owned: r.seats_owned === null ? "unlimited" : r.seats_owned,
        peak_seats: r.peak_seats,
        p95_seats: r.p95_seats,
        denials: r.denials,
        recommended_seats: r.recommended_seats,
        reason: r.reason,
        owned_yearly_cost: money(r.owned_yearly_cost),
        idle_yearly_cost: money(r.idle_yearly_cost),
        recommended_yearly_cost: money(r.recommended_yearly_cost),
    }));
}

/** Column headers in words: the query's snake_case names, as a reader says them. */
const HEADERS: Record<string, string> = {
    peak_seats: "Peak concurrent",
    p95_seats: "p95 concurrent (daily peaks)",
    recommended_seats: "Recommended seats",
    owned_yearly_cost: "Owned, per year",
    idle_yearly_cost: "Idle seats, per year",
    recommended_yearly_cost: "Recommended, per year",
    peak_concurrent_seats: "Peak concurrent",
    user_id: "User",
    event_at: "When",
};

export function humanHeader(column: string): string {
    if (HEADERS[column]) return HEADERS[column];
    const words = column.replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
}

function denialCounts(page: ReportPage): { products: string[]; counts: number[] } {
    const products = page.series.map((s) => s.product);
    return { products, counts: products.map((p) => page.denialEvents.filter((d) => d.product === p).length) };
}

function latencyHistogram(latencies: number[]): { labels: string[]; counts: number[] } {
    if (latencies.length === 0) return { labels: [], counts: [] };
    const buckets = Math.floor(Math.max(...latencies) / LATENCY_BUCKET_SECONDS) + 1;
    const counts = Array.from({ length: buckets }, () => 0);
    for (const l of latencies) counts[Math.floor(l / LATENCY_BUCKET_SECONDS)]++;
    return { labels: counts.map((_, i) => `${i * LATENCY_BUCKET_SECONDS}-${(i + 1) * LATENCY_BUCKET_SECONDS} s`), counts };
}

function table(id: string, rows: Row[]): string {
    if (rows.length === 0) return `<table id="${id}"><tr><td>(no rows)</td></tr></table>`;
    const columns = Object.keys(rows[0]);
    const body = rows
        .slice(0, MAX_TABLE_ROWS)
        .map((r) => `<tr>${columns.map((c) => `<td>${escape(r[c] === null ? "" : String(r[c]))}</td>`).join("")}</tr>`)
        .join("\n");
    const more = rows.length > MAX_TABLE_ROWS ? `<tr><td colspan="${columns.length}">… ${rows.length - MAX_TABLE_ROWS} more rows</td></tr>` : "";
    return `<table id="${id}"><tr>${columns.map((c) => `<th title="${escape(c)}">${escape(humanHeader(c))}</th>`).join("")}</tr>\n${body}${more}</table>`;
}

function escape(text: string): string {
    return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** JSON safe inside a script element: no `</script>` or HTML comment can close it. */
function jsonForScript(value: unknown): string {
    return JSON.stringify(value).replace(/</g, "\\u003c");
}

function chartJsSource(): string {
    const file = path.join(path.dirname(require.resolve("chart.js")), "chart.umd.min.js");
    return fs.readFileSync(file, "utf8").replace(/<\/script/gi, "<\\/script");
}

/** Runs in the page: draws the charts from #report-data. */
const CHARTS_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var time = function (iso) { return Date.parse(iso); };
  var two = function (n) { return (n < 10 ? "0" : "") + n; };
  // The console's clock in the sandbox (t=mm:ss from scenario second 0), else UTC month-day hour:minute.
  var clock = data.scenarioEpochMs !== null
    ? function (ms) { var s = Math.max(0, Math.round((ms - data.scenarioEpochMs) / 1000)); return "t=" + two(Math.floor(s / 60)) + ":" + two(s % 60); }
    : function (ms) { return new Date(ms).toISOString().slice(5, 16).replace("T", " "); };
  var xTitle = data.scenarioEpochMs !== null ? "scenario time, as on the console" : "time (UTC)";
  var common = { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: true, position: "top" } } };
  var axis = function (title, extra) { return Object.assign({ title: { display: true, text: title } }, extra || {}); };
  data.series.forEach(function (s) {
    var level = s.points.map(function (p) { return { x: time(p[0]), y: p[1] }; });
    var owned = s.seatsOwned;
    var held = level.map(function (p) { return { x: p.x, y: owned === null ? p.y : Math.min(p.y, owned) }; });
    var datasets = [{ label: "seats held", data: held, stepped: true, borderColor: "#1f77b4", backgroundColor: "#1f77b4", pointRadius: 0 }];
    if (owned !== null && level.length > 0) {
      var denied = level.map(function (p) { return { x: p.x, y: Math.max(0, p.y - owned) }; });
      datasets.push({ label: "denied demand (waiting)", data: denied, stepped: true, borderColor: "#ff7f0e", backgroundColor: "#ff7f0e", pointRadius: 0 });
      datasets.push({ label: "seats owned", data: [{ x: level[0].x, y: owned }, { x: level[level.length - 1].x, y: owned }], borderColor: "#d62728", backgroundColor: "#d62728", borderDash: [6, 4], pointRadius: 0 });
    }
    new Chart(document.getElementById("seats-" + s.product), {
      type: "line",
      data: { datasets: datasets },
      options: Object.assign({}, common, { scales: { x: axis(xTitle, { type: "linear", ticks: { callback: clock, maxTicksLimit: 8 } }), y: axis("seats", { beginAtZero: true, ticks: { precision: 0 } }) } })
    });
  });
  new Chart(document.getElementById("denials-chart"), {
    type: "bar",
    data: { labels: data.denials.products, datasets: [{ label: "denials", data: data.denials.counts, backgroundColor: "#d62728" }] },
    options: Object.assign({}, common, { scales: { x: axis("product"), y: axis("denials", { beginAtZero: true, ticks: { precision: 0 } }) } })
  });
  new Chart(document.getElementById("latency-chart"), {
    type: "bar",
    data: { labels: data.latency.labels, datasets: [{ label: "workbench starts", data: data.latency.counts, backgroundColor: "#2ca02c" }] },
    options: Object.assign({}, common, { scales: { x: axis("wall-clock seconds from the EC2 event to the owner on the license server"), y: axis("workbench starts", { beginAtZero: true, ticks: { precision: 0 } }) } })
  });
  window.reportReady = true;
})();
`;
