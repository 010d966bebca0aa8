/**
 * Benchmark (not a test): the hub at the estate issue #20 sizes it for, through a Monday-morning login storm.
 *
 *   npx tsx bench/org-scale.ts                 # the target estate, L = 2, 10 and 30 s (a few minutes each)
 *   BENCH_SMOKE=1 npx tsx bench/org-scale.ts   # a tiny estate in seconds (what npm test runs)
 *
 * The estate (bench/orgScale/estate.ts, from a seed): 800 workbench accounts in 4 regions, 400 products on 30
 * license servers, 60 workbench types of 5 to 20 products, 40,000 engineers; 2,000 workbenches running at 8:50 (500
 * of them stop during the storm) and 8,000 starts between 8:50 and 9:00. The real handler logic (assignment,
 * change marker, sync) runs with the real SSM, S3 and EventBridge ports against in-process services, and in-memory
 * DynamoDB ports that count the capacity the DynamoDB ports would use (dynalite takes about 200 writes a second
 * here; the storm needs about 2,000 a second at speed 10). Run Command answers after the round trip L. Time runs
 * BENCH_SPEED (10) times faster than real time; handler CPU time is not scaled, so it counts tenfold.
 *
 * Per L it prints, per minute of the storm: starts, products whose seats changed, products delivered, (start,
 * product) pairs delivered and those that waited more than one sync tick, their p95; then event -> license server
 * per pair and per start (p50, p95, max), the sync's invocations, DynamoDB requests and units per workbench event,
 * Run Command and S3 calls, and the sync's peak heap growth in one forced sync of every product.
 *
 * Then the snapshot cost against the estate's size (orgScale/snapshotCost.ts): on dynalite with the real ports, the
 * DynamoDB calls, items read and items written per inventory snapshot at 10, 100, 1,000 and 3,200 account-regions.
 *
 * Overrides: BENCH_L ("2,10,30"; "none" skips the storms), BENCH_SPEED (10), BENCH_DRAIN_S (1200), BENCH_SEED (20),
 * BENCH_SNAPSHOT_SCALES ("10,100,1000,3200"; "none" skips), BENCH_SMOKE.
 */
import { generateEstate, SMOKE_ESTATE, TARGET_ESTATE, EstateSize } from "./orgScale/estate";
import { runStorm, StormReport, StormSettings } from "./orgScale/storm";
import { runMain } from "./benchRuns";
import { SnapshotCostRow, formatSnapshotCost, measureSnapshotCost } from "./orgScale/snapshotCost";

export interface OrgScaleSettings {
    estate: EstateSize;
    roundTripsSeconds: number[];
    speed: number;
    drainSeconds: number;
    seed: number;
    /** Estate sizes (account-regions) the snapshot cost is measured at. */
    snapshotScales: number[];
}

const numbers = (list: string) => (list === "none" ? [] : list.split(",").map(Number));

export function orgScaleSettings(env: Record<string, string | undefined> = process.env): OrgScaleSettings {
    const smoke = env.BENCH_SMOKE === "1";
    return {
        estate: smoke ? SMOKE_ESTATE : TARGET_ESTATE,
        roundTripsSeconds: numbers(env.BENCH_L ?? (smoke ? "2" : "2,10,30")),
        speed: Number(env.BENCH_SPEED ?? (smoke ? 50 : 10)),
        drainSeconds: Number(env.BENCH_DRAIN_S ?? (smoke ? 300 : 1200)),
        seed: Number(env.BENCH_SEED ?? 20),
        snapshotScales: numbers(env.BENCH_SNAPSHOT_SCALES ?? (smoke ? "2,6" : "10,100,1000,3200")),
    };
}

export async function runOrgScale(settings: OrgScaleSettings, onReport?: (report: StormReport) => void): Promise<StormReport[]> {
    const reports: StormReport[] = [];
    for (const roundTripSeconds of settings.roundTripsSeconds) {
        const estate = generateEstate(settings.estate, settings.seed);
        const storm: StormSettings = { roundTripSeconds, speed: settings.speed, drainSeconds: settings.drainSeconds, tickPhaseSeconds: 0, warmUpSeconds: settings.estate === SMOKE_ESTATE ? 20 : 180 };
        const report = await runStorm(estate, storm);
        onReport?.(report);
        reports.push(report);
    }
    return reports;
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");

export function formatReport(r: StormReport): string[] {
    const lines = [`L = ${r.roundTripSeconds} s (${r.events} workbench events; ${r.table.instances} instance items and ${r.table.seatRows} seat rows at the end; ${f(r.realSeconds, 0)} s real)`];
    lines.push("  minute  starts  products changed  delivered  pairs delivered  late (>1 tick)  p95 s");
    for (const m of r.minutes) {
        lines.push(`  ${String(m.minute).padStart(6)}  ${String(m.starts).padStart(6)}  ${String(m.changedProducts).padStart(16)}  ${String(m.deliveredProducts).padStart(9)}  ${String(m.pairsDelivered).padStart(15)}  ${String(m.pairsLate).padStart(14)}  ${f(m.p95Seconds).padStart(5)}`);
    }
    lines.push(`  event -> license server, per (start, product): p50 ${f(r.pairs.p50)} s, p95 ${f(r.pairs.p95)} s, max ${f(r.pairs.max)} s (${r.pairs.count} pairs; ${r.undelivered} never delivered)`);
    lines.push(`  event -> license server, per start (every product): p50 ${f(r.starts.p50)} s, p95 ${f(r.starts.p95)} s, max ${f(r.starts.max)} s`);
    lines.push(`  sync: ${r.sync.invocations} invocations (${r.sync.busy} busy), ${r.sync.throttled} throttled, ${r.sync.dropped} events dropped, ${r.sync.failedProducts} product deliveries failed, at most ${r.sync.maxSentPerInvocation} products sent by one invocation`);
    for (const [reason, n] of Object.entries(r.sync.failureReasons).sort(([, a], [, b]) => b - a).slice(0, 4)) lines.push(`    ${n} x ${reason}`);
    for (const [handler, c] of Object.entries(r.dynamodb)) {
        lines.push(`  DynamoDB ${handler.padEnd(12)} ${String(c.requests).padStart(9)} requests, ${f(c.readUnits, 0).padStart(9)} RCU, ${f(c.writeUnits, 0).padStart(8)} WCU; per event ${f(c.requests / r.events)} requests, ${f(c.readUnits / r.events)} RCU, ${f(c.writeUnits / r.events)} WCU`);
    }
    lines.push(`  AWS calls: ${Object.entries(r.api).sort(([a], [b]) => a.localeCompare(b)).map(([name, n]) => `${name} ${n}`).join(", ")}`);
    lines.push(`  sync peak heap growth in one forced sync of every product: ${f(r.syncPeakHeapBytes / 1048576)} MB`);
    lines.push(`  Run Command round trip as the sync saw it (L plus polling): p50 ${f(r.roundTrips.p50)} s, p95 ${f(r.roundTrips.p95)} s (${r.roundTrips.count} commands)`);
    lines.push(`  event loop delay: p99 ${f(r.eventLoopDelayMs.p99)} ms, max ${f(r.eventLoopDelayMs.max)} ms real (x${r.speed} in scenario time: the machine's load)`);
    if (r.sync.errors.length > 0) lines.push(`  errors: ${r.sync.errors.join(" | ")}`);
    if (process.env.BENCH_VERBOSE === "1") {
        for (const run of r.syncRuns) lines.push(`    sync ${f(run.start).padStart(6)} s -> ${f(run.end).padStart(6)} s: ${run.commands} commands, ${run.sent} products sent, ${run.failed} failed`);
    }
    return lines;
}

async function main(): Promise<void> {
    const settings = orgScaleSettings();
    const e = settings.estate;
    console.log(
        `Org-scale bench: ${e.accounts} accounts x ${e.regionsPerAccount} regions, ${e.products} products on ${e.licenseServers} license servers, ${e.types} types of ${e.minProductsPerType}-${e.maxProductsPerType} products, ` +
            `${e.users} engineers; ${e.running} running (${e.stops} stop), ${e.starts} starts in ${e.stormSeconds} s; speed ${settings.speed}, seed ${settings.seed}, Node ${process.version}`,
    );
    await runOrgScale(settings, (report) => console.log(formatReport(report).join("\n")));
    if (settings.snapshotScales.length > 0) console.log(formatSnapshotCost(await runSnapshotCost(settings)).join("\n"));
}

export function runSnapshotCost(settings: OrgScaleSettings): Promise<SnapshotCostRow[]> {
    return measureSnapshotCost(generateEstate(settings.estate, settings.seed), settings.snapshotScales);
}

runMain(module, main);
