/**
 * The analytics report page: self-contained (Chart.js inlined, the data as JSON in the page), so it opens from disk
 * with no network. Charts get stable ids (`seats-<product>`, `denials-chart`, `latency-chart`) and the page sets
 * `window.reportReady` once every chart is drawn.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Row } from "./duckdb";
import type { ProductTotals, SeatSeries } from "./seatSeries";
import { analyticsQueries } from "../../../components/analytics/tables";

export interface ReportPage {
    title: string;
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
    const data = { series: page.series, denials: denialCounts(page), latency: latencyHistogram(page.latencies) };
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
<section id="totals"><h2>Per product</h2>${table("product-totals", page.totals.map((t) => ({ product: t.product, peak_concurrent_seats: t.peakSeats, seats_owned: t.seatsOwned, seat_hours: t.seatHours, denials: t.denials })))}</section>
<section id="seats"><h2>Seats held over time, against the seat limit</h2>
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
    return `<table id="${id}"><tr>${columns.map((c) => `<th>${escape(c)}</th>`).join("")}</tr>\n${body}${more}</table>`;
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
  var clock = function (ms) { return new Date(ms).toISOString().slice(5, 16).replace("T", " "); };
  var common = { animation: false, responsive: true, maintainAspectRatio: false };
  data.series.forEach(function (s) {
    var points = s.points.map(function (p) { return { x: time(p[0]), y: p[1] }; });
    var datasets = [{ label: "seats held", data: points, stepped: true, borderColor: "#1f77b4", pointRadius: 0 }];
    if (s.seatsOwned !== null && points.length > 0) {
      datasets.push({ label: "seat limit", data: [{ x: points[0].x, y: s.seatsOwned }, { x: points[points.length - 1].x, y: s.seatsOwned }], borderColor: "#d62728", borderDash: [6, 4], pointRadius: 0 });
    }
    new Chart(document.getElementById("seats-" + s.product), {
      type: "line",
      data: { datasets: datasets },
      options: Object.assign({}, common, { scales: { x: { type: "linear", ticks: { callback: clock } }, y: { beginAtZero: true, ticks: { precision: 0 } } } })
    });
  });
  new Chart(document.getElementById("denials-chart"), {
    type: "bar",
    data: { labels: data.denials.products, datasets: [{ label: "denials", data: data.denials.counts, backgroundColor: "#d62728" }] },
    options: Object.assign({}, common, { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } })
  });
  new Chart(document.getElementById("latency-chart"), {
    type: "bar",
    data: { labels: data.latency.labels, datasets: [{ label: "workbench starts", data: data.latency.counts, backgroundColor: "#2ca02c" }] },
    options: Object.assign({}, common, { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } })
  });
  window.reportReady = true;
})();
`;
