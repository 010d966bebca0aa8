import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { chromium, BrowserContext } from "playwright-core";
import { startS3rver, LocalS3 } from "../../sandbox/aws/s3rver";
import { AnalyticsReport, analyticsSummaryLines, hiveSummaryKey, writeAnalyticsReport } from "../../sandbox/story/analytics/report";
import { writeKnownScenario } from "../analytics/support/knownScenario";
import { ensureChromium } from "../../tools/browser/chromium";

/** The flags keep the browser off the network and out of any shared profile. */
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Uploads every file under `dir` to the bucket, at its relative path. */
async function upload(s3: LocalS3, bucket: string, dir: string, prefix = ""): Promise<void> {
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const file = path.join(entry.parentPath, entry.name);
        await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + path.relative(dir, file).split(path.sep).join("/"), Body: fs.readFileSync(file) }));
    }
}

describe("sandbox analytics report: the HTML page in a real headless browser", () => {
    let s3: LocalS3;
    let report: AnalyticsReport;
    let context: BrowserContext;
    const consoleErrors: string[] = [];
    let page: import("playwright-core").Page;

    before(async function () {
        // The first run on a fresh machine installs Debian's chromium (apt-get): minutes, not seconds.
        this.timeout(600_000);
        const browser = ensureChromium();
        s3 = await startS3rver();
        const files = writeKnownScenario();
        await s3.createBucket("ledger");
        await s3.createBucket("reports");
        await upload(s3, "ledger", files.ledgerRoot);
        await upload(s3, "reports", files.reportRoot, "license-usage/");
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "analytics-report-"));
        report = await writeAnalyticsReport(outDir, {
            s3,
            ledgerBucket: "ledger",
            usageReports: { bucket: "reports", prefix: "license-usage/", layout: "hive" },
            latencies: [1.5, 2.5, 3, 7],
            title: "License usage: known scenario",
            description: "Two products over two months: matlab with two owned seats and a denial, ansys without a seat limit.",
        });

        context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), "chromium-profile-")), {
            executablePath: browser,
            headless: true,
            args: CHROMIUM_FLAGS,
        });
        page = await context.newPage();
        page.on("console", (message) => {
            if (message.type() === "error") consoleErrors.push(message.text());
        });
        page.on("pageerror", (error) => consoleErrors.push(String(error)));
        await page.goto(pathToFileURL(report.htmlPath).href);
        await page.waitForFunction(() => (globalThis as { reportReady?: boolean }).reportReady === true, undefined, { timeout: 20_000 });
    });
    after(async () => {
        await context?.close();
        await s3?.close();
    });

    const chart = (id: string) =>
        page.evaluate((canvasId) => {
            // Runs in the page (the project's TypeScript has no DOM types).
            const page = globalThis as any;
            const c = page.Chart.getChart(canvasId);
            const canvas = page.document.getElementById(canvasId);
            return { labels: c.data.labels ?? [], datasets: c.data.datasets.map((d: any) => ({ label: d.label, data: d.data })), width: canvas.width, height: canvas.height };
        }, id);

    it("renders with no console errors", () => {
        expect(consoleErrors).to.deep.equal([]);
    });

    it("opens with a short title, one paragraph, and the decisions for every product before anything else", async () => {
        const layout = await page.evaluate(() => {
            const doc = (globalThis as any).document;
            return { h1: doc.querySelector("h1").textContent, description: doc.querySelector("#description").textContent, sections: [...doc.querySelectorAll("body > section")].map((s: any) => s.id) };
        });
        expect(layout.h1).to.equal("License usage: known scenario");
        expect(layout.description).to.match(/^Two products over two months/);
        expect(layout.sections[0]).to.equal("decisions");
        const decisions = await page.$$eval("#decisions-table tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("th, td")].map((c) => c.textContent)));
        expect(decisions[0]).to.deep.equal(["Product", "Seats owned", "Peak concurrent", "p95 concurrent (daily peaks)", "Denials", "Recommended seats", "Reason", "Owned, per year", "Idle seats, per year", "Recommended, per year"]);
        expect(decisions.slice(1)).to.deep.equal([
            ["ansys", "unlimited", "1", "1", "0", "1", "no seat limit: a limit at the peak of 1 would have denied no one", "", "", "950"],
            ["matlab", "2", "3", "3", "1", "3", "short: denied 1 times (1 users); peak demand 3 against 2 owned", "3,600", "0", "5,400"],
        ]);
    });

    it("draws matlab's seats held, its denied demand and its seats owned as three series with a legend", async () => {
        const matlab = await chart("seats-matlab");
        expect(matlab.width).to.be.greaterThan(0);
        expect(matlab.datasets.map((d: any) => d.label)).to.deep.equal(["seats held", "denied demand (waiting)", "seats owned"]);
        const legend = await page.evaluate(() => (globalThis as any).Chart.getChart("seats-matlab").legend.legendItems.map((i: any) => i.text));
        expect(legend).to.deep.equal(["seats held", "denied demand (waiting)", "seats owned"]);
        const at = (iso: string) => Date.parse(iso);
        // Demand: alice 09:00-11:00, bob 09:30-10:15, carol 10:00-10:30 (waits: 2 owned), eve from 10:50 (held until the
        // newest record, 11:00:02). Held is demand up to the 2 owned; denied demand the rest.
        const times = ["09:00:00", "09:30:00", "10:00:00", "10:15:00", "10:30:00", "10:50:00", "11:00:00", "11:00:02"].map((t) => at(`2026-03-02T${t}Z`));
        expect(matlab.datasets[0].data).to.deep.equal(times.map((x, i) => ({ x, y: [1, 2, 2, 2, 1, 2, 1, 0][i] })));
        expect(matlab.datasets[1].data).to.deep.equal(times.map((x, i) => ({ x, y: [0, 0, 1, 0, 0, 0, 0, 0][i] })));
        expect(matlab.datasets[2].data.map((p: any) => p.y)).to.deep.equal([2, 2]);
        const ansys = await chart("seats-ansys");
        expect(ansys.datasets.map((d: any) => d.label)).to.deep.equal(["seats held"]); // no seat limit, no limit line
        expect(ansys.datasets[0].data.map((p: any) => p.y)).to.deep.equal([1, 0, 1, 0]);
    });

    it("draws the denials per product and the latency distribution", async () => {
        const denials = await chart("denials-chart");
        expect(denials.labels).to.deep.equal(["ansys", "matlab"]);
        expect(denials.datasets[0].data).to.deep.equal([0, 1]);
        const latency = await chart("latency-chart");
        expect(latency.labels).to.deep.equal(["0-2 s", "2-4 s", "4-6 s", "6-8 s"]);
        expect(latency.datasets[0].data).to.deep.equal([1, 2, 0, 1]);
    });

    it("shows every query's results as a table", async () => {
        const rows = await page.evaluate(() =>
            Object.fromEntries([...(globalThis as any).document.querySelectorAll("table[id^='query-']")].map((t: any) => [t.id, t.querySelectorAll("tr").length - 1])),
        );
        // concurrent_seats without its empty hours: 47 days (01-15 .. 03-02) and 3 months for 2 products, and the 6 busy hours.
        expect(rows).to.deep.equal({ "query-concurrent_seats": 47 * 2 + 3 * 2 + 6, "query-denials": 1, "query-idle_named_users": 1, "query-license_utilisation": 4, "query-seat_decisions": 2, "query-seat_hours": 14 });
        const totals = await page.$$eval("#product-totals tr", (trs) => trs.slice(1).map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
        expect(totals).to.deep.equal([
            ["ansys", "1", "", "2.75", "0"],
            ["matlab", "3", "2", "3.417", "1"], // alice 2 + bob 0.75 + carol 0.5 + eve 0.167
        ]);
    });

    it("prints the report's path, and peak concurrency and seat-hours per product", () => {
        const lines = analyticsSummaryLines(report, "/");
        expect(lines[0]).to.equal(`Analytics report: ${path.relative("/", report.htmlPath)}`);
        expect(lines.slice(1)).to.deep.equal([
            "  ansys        peak 1 concurrent (no seat limit), 2.75 seat-hours, 0 denied",
            "  matlab       peak 3 concurrent (2 owned), 3.42 seat-hours, 1 denied",
            "  decide: ansys        own 1 seats (no limit now): no seat limit: a limit at the peak of 1 would have denied no one; 950 a year",
            "  decide: matlab       own 3 seats (2 now): short: denied 1 times (1 users); peak demand 3 against 2 owned; 5,400 a year",
            "  event -> license server: median 2.8 s wall clock over 4 starts",
        ]);
    });

    it("reads the tracker's dated layout as the hive partitions the tables use", () => {
        expect(hiveSummaryKey("2026/03/02/20260302T050000.000Z/summary.csv", "dated")).to.equal("summary/year=2026/month=03/day=02/run=20260302T050000.000Z/summary.csv");
        expect(hiveSummaryKey("2026/03/02/20260302T050000.000Z/usage/x.csv", "dated")).to.equal(undefined);
        expect(hiveSummaryKey("manifest/year=2026/month=03/day=02/run=x/manifest.json", "hive")).to.equal(undefined);
    });
});
