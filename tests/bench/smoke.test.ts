/**
 * Benches that cannot rot: every benchmark in bench/ (a file that says "Benchmark (not a test)") runs here as its
 * command line runs it, in its smoke mode (BENCH_SMOKE=1: tiny sizes), and must end well and print its result. A
 * new benchmark fails this test until it has a smoke mode and an expected line below.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const BENCH_DIR = path.resolve(__dirname, "..", "..", "bench");

/** What each benchmark's smoke run must print (a line of its result). */
const EXPECTED: Record<string, RegExp> = {
    "event-to-license-server.ts": /on-change\s+after\s+\d+\.\d\s+\d+\.\d/,
    "login-storm.ts": /event -> on the license server: median \d+\.\d s, p95 \d+\.\d s/,
    "org-scale.ts": /event -> license server, per \(start, product\): p50 \d+\.\d s, p95 \d+\.\d s, max \d+\.\d s \(\d+ pairs; 0 never delivered\)/,
    "reconciliation-convergence.ts": /^divergences: 0 /m,
    "tracker-concurrency.ts": /concurrency \d+ [\d.]+ s: [\d.]+x faster/,
};

const benches = fs
    .readdirSync(BENCH_DIR)
    .filter((file) => file.endsWith(".ts") && fs.readFileSync(path.join(BENCH_DIR, file), "utf8").slice(0, 400).includes("Benchmark (not a test)"))
    .sort();

function runBench(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            ["--import", "tsx", path.join(BENCH_DIR, file)],
            { cwd: path.dirname(BENCH_DIR), env: { ...process.env, BENCH_SMOKE: "1" }, timeout: 280_000, maxBuffer: 16 * 1024 * 1024 },
            (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
    });
}

describe("benches in smoke mode (each as its command line runs it, BENCH_SMOKE=1)", function () {
    this.timeout(300_000);

    it("finds every benchmark, and each has an expected result line", () => {
        expect(benches).to.include.members(["event-to-license-server.ts", "org-scale.ts"]);
        expect(benches).to.deep.equal(Object.keys(EXPECTED).sort());
    });

    for (const file of benches) {
        it(`${file} runs and prints its result`, async () => {
            const { code, stdout, stderr } = await runBench(file);
            expect(code, `${file} failed:\n${stderr.slice(-2000)}`).to.equal(0);
            expect(stdout).to.match(EXPECTED[file] ?? /(?!)/);
        });
    }
});
