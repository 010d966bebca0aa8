/**
 * Benchmark (not a test): does the hub always heal from lost, duplicated and reordered workbench events at the
 * next complete inventory snapshot? The fast-check property of tests/hub/reconciliation.property.test.ts, run many
 * times: random instance lives (running before deployment, tags changed, removed or made hostile, terminated),
 * events and periodic snapshot chunks lost (one in four), duplicated, reordered and delivered concurrently, then
 * one more complete snapshot; a run diverges when the seat rows differ from the truth in any way.
 *
 *   npx tsx bench/reconciliation-convergence.ts            # 10,000 runs on in-memory ports
 *   BENCH_PORTS=dynalite BENCH_RUNS=300 npx tsx bench/reconciliation-convergence.ts
 *
 * In-memory ports (tests/hub/support/memoryHubPorts.ts) have the DynamoDB ports' single-item atomicity and yield
 * between operations, so concurrent deliveries interleave; dynalite runs the real DynamoDB ports (slower: about a
 * hundred requests per run). Overrides: BENCH_RUNS, BENCH_PORTS (memory | dynalite), FC_SEED (replay); BENCH_SMOKE=1:
 * 50 runs (what `npm test` runs).
 */
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { startDynalite } from "../sandbox/aws/dynalite";
import { ConvergenceResult, convergenceScenarioArb, runConvergence } from "../tests/hub/support/convergence";
import { withDynaliteHub } from "../tests/hub/support/dynaliteHub";
import { memoryHub } from "../tests/hub/support/memoryHubPorts";

const RUNS = Number(process.env.BENCH_RUNS ?? (process.env.BENCH_SMOKE === "1" ? 50 : 10_000));
const PORTS = process.env.BENCH_PORTS ?? "memory";

async function main(): Promise<void> {
    if (PORTS !== "memory" && PORTS !== "dynalite") throw new Error(`BENCH_PORTS must be memory or dynalite (got ${PORTS})`);
    const dynamo = PORTS === "dynalite" ? await startDynalite() : undefined;
    const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
    const totals = { runs: 0, divergences: 0, miscounted: 0, deliveries: 0, lost: 0, seats: 0 };
    const started = process.hrtime.bigint();
    let firstDivergence: { scenario: unknown; result: ConvergenceResult } | undefined;
    try {
        const scenarios = fc.sample(convergenceScenarioArb, { numRuns: RUNS, seed });
        for (const scenario of scenarios) {
            const result = dynamo
                ? await withDynaliteHub(dynamo, (hub) => runConvergence(hub, scenario))
                : await (async () => {
                      const hub = memoryHub();
                      return runConvergence({ ports: hub.ports, tableName: "memory", seatRows: async () => hub.seatRows() }, scenario);
                  })();
            totals.runs++;
            totals.deliveries += result.delivered;
            totals.lost += result.lost;
            totals.seats += Object.values(result.expected).reduce((n, holders) => n + holders.length, 0);
            if (result.miscounted.length > 0) totals.miscounted++;
            if (!isDeepStrictEqual(result.actual, result.expected) || result.miscounted.length > 0) {
                totals.divergences++;
                firstDivergence ??= { scenario, result };
            }
            if (totals.runs % 1000 === 0) console.log(`  ${totals.runs} runs, ${totals.divergences} divergences`);
        }
    } finally {
        await dynamo?.close();
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`ports ${PORTS}, seed ${seed}`);
    console.log(
        `${totals.runs} runs in ${seconds.toFixed(1)} s: ${totals.deliveries} deliveries (${totals.lost} events or chunks lost before duplication), ` +
            `${totals.seats} seat holdings expected at the end`,
    );
    console.log(`divergences: ${totals.divergences} (miscounted seat rows in ${totals.miscounted} runs)`);
    if (firstDivergence) {
        console.log(JSON.stringify(firstDivergence, null, 2));
        process.exitCode = 1;
    }
}

main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
