/**
 * Benchmark (not a test): a login storm, 500 workbench starts in 10 s, through the local sandbox in real time (speed
 * 1), with the hub's settings before and after issue #12 side by side (bench/hubSettings.ts). Per settings it
 * reports the commands each product's license server got: the most in any one second (sliding) and in all, and
 * the time from each start's EC2 event to its owner being on the license server of every product the workbench
 * carries (median, p95, last).
 *
 *   npx tsx bench/login-storm.ts
 *
 * Half the starts are CAD workbenches (catia), half CAE ones (matlab and simulink, on one license server); the
 * storm's catalog has no seat limits, so every user ends on the lists. Every run must pass as `npm start` does
 * (settled, exact lists, every start applied, no sandbox error) or the bench fails, naming the run's timeline.
 *
 * Overrides: STORM_STARTS (500), STORM_SECONDS (10), BENCH_HUB_SETTINGS ("before,after"). BENCH_SMOKE=1: 6 starts in
 * 2 s at 60x, the deployed settings only (seconds; what `npm test` runs; the latencies are not real time).
 */
import * as path from "node:path";
import { Scenario } from "../sandbox/world/scenario";
import { loadScenario } from "../sandbox/world/scenarioFile";
import { admittedAtStart } from "../sandbox/world/organizationStacks";
import { runSandbox } from "../sandbox/sandbox";
import type { SandboxEvent } from "../sandbox/runtime/events";
import { runProblems, Sample, Stats, stats } from "./event-to-license-server";
import { HubSettingsName, applyHubSettings, describeHubSettings, hubSettingsNames } from "./hubSettings";
import { runInTurn, runMain, seconds } from "./benchRuns";

export interface StormSettings {
    starts: number;
    seconds: number;
    hubSettings: HubSettingsName[];
    /** Scenario seconds per real second (1: real time). */
    speed: number;
    outRoot: string;
}

export interface StormResult {
    hub: HubSettingsName;
    /** Per product: the most commands in any one second, and in all. */
    commands: Record<string, { maxPerSecond: number; total: number }>;
    /** Milliseconds from a start's EC2 event to its owner on the license server of every product of the workbench. */
    latency: Stats;
    logFile: string;
}

const TYPES = [
    { type: "cad", products: ["catia"] },
    { type: "cae-matlab", products: ["matlab", "simulink"] },
];

const SMOKE = process.env.BENCH_SMOKE === "1";

export const DEFAULT_STORM: StormSettings = {
    starts: Number(process.env.STORM_STARTS ?? (SMOKE ? 6 : 500)),
    seconds: Number(process.env.STORM_SECONDS ?? (SMOKE ? 2 : 10)),
    hubSettings: hubSettingsNames(process.env.BENCH_HUB_SETTINGS ?? (SMOKE ? "after" : "before,after")),
    speed: SMOKE ? 60 : 1,
    outRoot: path.resolve(__dirname, "..", ".bench"),
};

/** The most timestamps (ms) that fall within any window of `windowMs`. */
export function maxInWindow(times: number[], windowMs: number): number {
    const sorted = [...times].sort((a, b) => a - b);
    let most = 0;
    for (let first = 0, last = 0; last < sorted.length; last++) {
        while (sorted[last] - sorted[first] >= windowMs) first++;
        most = Math.max(most, last - first + 1);
    }
    return most;
}

function stormScenario(settings: StormSettings, users: string[]): Scenario {
    const base = loadScenario();
    const accounts = admittedAtStart(base);
    const typeOf = (i: number) => TYPES[i % TYPES.length];
    const expected: Record<string, string[]> = Object.fromEntries(Object.keys(base.catalog.products).map((p) => [p, [] as string[]]));
    users.forEach((user, i) => typeOf(i).products.forEach((p) => expected[p].push(user)));
    return {
        ...base,
        description: `benchmark: a login storm of ${users.length} starts in ${settings.seconds} s`,
        users,
        // No seat limits: every user ends on the lists, whatever order the storm lands in.
        catalog: { ...base.catalog, products: Object.fromEntries(Object.entries(base.catalog.products).map(([name, { seats: _seats, ...product }]) => [name, product])) },
        instances: Object.fromEntries(users.map((user, i) => [user, { account: accounts[i % accounts.length], owner: user, type: typeOf(i).type }])),
        // Many starts a second, each stamped with its whole second as EC2 does (the forwarder asks EC2 for the state then).
        timeline: users.map((user, i) => {
            const at = Math.round((1 + (i * settings.seconds) / users.length) * 100) / 100;
            return { at, occurredAt: Math.floor(at), instance: user, state: "running" as const, expect: { outcome: "applied" as const } };
        }),
        faults: [],
        attempts: [],
        // The default scenario's partner account leaves the workbench OU mid-run, and a new one joins: these runs
        // keep the accounts admitted at the start, and only them.
        departures: undefined,
        moves: undefined,
        // The default scenario's seat events for people are about its own users.
        seatEvents: undefined,
        expected: Object.fromEntries(Object.entries(expected).map(([p, list]) => [p, list.sort()])),
    };
}

async function storm(hub: HubSettingsName, settings: StormSettings, runId: string): Promise<StormResult> {
    const users = Array.from({ length: settings.starts }, (_, i) => `storm${String(i + 1).padStart(3, "0")}`);
    const productsOf = new Map(users.map((user, i) => [user, TYPES[i % TYPES.length].products]));
    const samples: Sample[] = users.map((user) => ({ user, at: 0 }));
    const byUser = new Map(samples.map((s) => [s.user, s]));
    /** user -> products whose license server already lists them. */
    const onServer = new Map<string, Set<string>>();
    const commandTimes = new Map<string, number[]>();
    const onEvent = (event: SandboxEvent) => {
        const now = Date.now();
        if (event.kind === "ec2-event") {
            const sample = byUser.get(event.instance);
            if (sample && sample.ec2 === undefined) sample.ec2 = now;
        }
        if (event.kind !== "license-server") return;
        if (!commandTimes.has(event.product)) commandTimes.set(event.product, []);
        commandTimes.get(event.product)!.push(now);
        if (!event.ok) return;
        for (const user of event.users ?? []) {
            const products = productsOf.get(user);
            if (!products) continue;
            const seen = onServer.get(user) ?? new Set<string>();
            seen.add(event.product);
            onServer.set(user, seen);
            const sample = byUser.get(user)!;
            if (sample.installed === undefined && products.every((p) => seen.has(p))) sample.installed = now;
        }
    };
    const outDir = path.join(settings.outRoot, `${runId}-storm-${hub}`);
    const result = await runSandbox({ speed: settings.speed, output: null, outDir, scenario: stormScenario(settings, users), onEvent, adjustDeployment: applyHubSettings(hub) });
    const problems = runProblems(result, samples);
    if (problems.length > 0) throw new Error(`storm (${hub}): the run failed (timeline in ${result.logFile}):\n  - ${problems.slice(0, 20).join("\n  - ")}`);
    const commands = Object.fromEntries([...commandTimes].sort(([a], [b]) => a.localeCompare(b)).map(([product, times]) => [product, { maxPerSecond: maxInWindow(times, 1000), total: times.length }]));
    return { hub, commands, latency: stats(samples.map((s) => s.installed! - s.ec2!)), logFile: result.logFile };
}

export async function measureStorms(settings: StormSettings = DEFAULT_STORM, onResult?: (result: StormResult) => void): Promise<StormResult[]> {
    return runInTurn(settings.hubSettings, settings.outRoot, (hub, runId) => storm(hub, settings, runId), onResult);
}

async function main(): Promise<void> {
    const settings = DEFAULT_STORM;
    console.log(`Login storm: ${settings.starts} workbench starts in ${settings.seconds} s (local sandbox, speed ${settings.speed}, Node ${process.version})`);
    await measureStorms(settings, ({ hub, commands, latency, logFile }) => {
        console.log(`  ${describeHubSettings(hub)} (timeline: ${path.relative(process.cwd(), logFile)})`);
        for (const [product, c] of Object.entries(commands)) console.log(`    ${product.padEnd(10)} commands: at most ${c.maxPerSecond} in one second, ${c.total} in all`);
        console.log(`    event -> on the license server: median ${seconds(latency.median)} s, p95 ${seconds(latency.p95)} s, last ${seconds(latency.max)} s`);
    });
}

runMain(module, main);
