/**
 * Benchmark (not a test): how long from a workbench's EC2 state change to its owner's appearance in the license
 * server's named-user list, end to end in the local sandbox (sandbox), in real time (speed 1).
 *
 *   npx tsx bench/event-to-license-server.ts
 *
 * Each sample is a new user starting a CAD workbench (catia, no seat limit) at a random moment; the latency runs
 * from the EC2 event reaching the workbench account's default bus to the vendor CLI writing the list that holds
 * the user. Two wirings of the same deployment:
 *
 *   schedule   the reference: the sync runs every minute (the hub's `hub-sync-on-change` rule disabled, as
 *              `aws events disable-rule` would), so a change waits for the next tick;
 *   on-change  LicenseServerHub's default: the change marker announces each seat change and the sync runs at once,
 *              after the stream's batching window.
 *
 * Every run plays to the end and must pass as `npm start` does (settled, the expected lists, every sample's
 * expectation `applied` with one seat added, no sandbox error); otherwise the bench fails and names the run's
 * timeline log. Each run has its own output directory under .bench/ (kept: the timeline is in its timeline.log).
 *
 * Overrides: BENCH_SAMPLES (10), BENCH_SCHEDULE_WINDOW_S (120: starts spread over this many seconds, so they fall at
 * every phase of the minute), BENCH_ON_CHANGE_WINDOW_S (30), BENCH_MODES ("schedule,on-change"), BENCH_HUB_SETTINGS
 * ("after": the deployed settings; "before,after" compares them with the ones before issue #12, bench/hubSettings.ts).
 * BENCH_SMOKE=1: two starts, on change, at 60x (what `npm test` runs; the latencies are not real time).
 * From code: `measureLatencies(settings)` returns the samples and statistics as data.
 */
import * as path from "node:path";
import { Scenario } from "../sandbox/world/scenario";
import { loadScenario } from "../sandbox/world/scenarioFile";
import { admittedAtStart } from "../sandbox/world/organizationStacks";
import { runSandbox, SandboxResult } from "../sandbox/sandbox";
import type { SandboxEvent } from "../sandbox/runtime/events";
import { parseSeatRowKey } from "../functions/hub-shared/tableKeys";
import { HubSettingsName, applyHubSettings, describeHubSettings, hubSettingsNames } from "./hubSettings";
import { runInTurn, runMain, seconds } from "./benchRuns";

export type Wiring = "schedule" | "on-change";

export interface BenchSettings {
    /** Workbench starts per wiring. */
    samples: number;
    /** Seconds over which the starts are spread, per wiring. */
    windows: Record<Wiring, number>;
    wirings: Wiring[];
    /** The hub's latency settings to run each wiring with (bench/hubSettings.ts). */
    hubSettings: HubSettingsName[];
    /** Scenario seconds per real second (1: real time, the latencies are real). */
    speed: number;
    /** Where each run's output directory (and timeline.log) goes. */
    outRoot: string;
    /** Extra `runSandbox` options per wiring (e.g. other disabled rules), for comparisons. */
    sandboxOptions?: (wiring: Wiring) => { disabledRules?: string[] };
}

export interface Sample {
    user: string;
    /** Scenario second the EC2 event is delivered. */
    at: number;
    /** Real times (ms) of each hop. */
    ec2?: number;
    assigned?: number;
    marked?: number;
    installed?: number;
}

export interface Stats {
    min: number;
    median: number;
    /** 95th percentile (nearest rank). */
    p95: number;
    mean: number;
    max: number;
}

export interface WiringResult {
    wiring: Wiring;
    hub: HubSettingsName;
    samples: Sample[];
    /** Milliseconds from the EC2 event to the license server's list. */
    latency: Stats;
    /** The run's timeline. */
    logFile: string;
}

const PRODUCT = "catia";

const SMOKE = process.env.BENCH_SMOKE === "1";

export const DEFAULT_SETTINGS: BenchSettings = {
    samples: Number(process.env.BENCH_SAMPLES ?? (SMOKE ? 2 : 10)),
    windows: { schedule: Number(process.env.BENCH_SCHEDULE_WINDOW_S ?? (SMOKE ? 60 : 120)), "on-change": Number(process.env.BENCH_ON_CHANGE_WINDOW_S ?? (SMOKE ? 20 : 30)) },
    wirings: (process.env.BENCH_MODES ?? (SMOKE ? "on-change" : "schedule,on-change")).split(",") as Wiring[],
    hubSettings: hubSettingsNames(process.env.BENCH_HUB_SETTINGS ?? "after"),
    speed: SMOKE ? 60 : 1,
    outRoot: path.resolve(__dirname, "..", ".bench"),
};

/**
 * The default scenario's world with one CAD workbench start per sample, at random moments in the window: its
 * accounts, catalog and licenses, but not its story (instances, faults, attempts: those name the default's instances).
 */
export function benchScenario(samples: Sample[]): Scenario {
    const base = loadScenario();
    const accounts = admittedAtStart(base);
    return {
        ...base,
        description: `benchmark: ${samples.length} workbench starts`,
        users: samples.map((s) => s.user),
        instances: Object.fromEntries(samples.map((s, i) => [s.user, { account: accounts[i % accounts.length], owner: s.user, type: "cad" }])),
        timeline: samples.map((s) => ({ at: s.at, instance: s.user, state: "running" as const, expect: { outcome: "applied" as const, seatsAdded: 1 } })),
        faults: [],
        attempts: [],
        // The default scenario's partner account leaves the workbench OU mid-run, and a new one joins: these runs
        // keep the accounts admitted at the start, and only them.
        departures: undefined,
        moves: undefined,
        // The default scenario's seat events for people are about its own users.
        seatEvents: undefined,
        expected: { matlab: [], simulink: [], catia: samples.map((s) => s.user).sort() },
    };
}

/** Why a run does not count: not settled, other lists, a missed expectation, a sandbox error, a missing hop. */
export function runProblems(result: SandboxResult, samples: Sample[]): string[] {
    const problems: string[] = [];
    if (!result.settled) problems.push("the run did not settle");
    for (const m of result.mismatches) problems.push(`${m.product} ended with [${m.actual.join(", ")}], expected [${m.expected.join(", ")}]`);
    for (const e of result.expectations.filter((x) => !x.ok)) problems.push(`MISSED ${e.step}: ${e.expected} (observed: ${e.observed})`);
    for (const error of result.harnessErrors) problems.push(`sandbox error: ${error}`);
    const missing = samples.filter((s) => s.installed === undefined || s.ec2 === undefined);
    if (missing.length > 0) problems.push(`${missing.map((s) => s.user).join(", ")} never reached the license server`);
    if (problems.length === 0 && !result.ok) problems.push("the run is not ok");
    return problems;
}

async function measureWiring(wiring: Wiring, hub: HubSettingsName, settings: BenchSettings, runId: string): Promise<WiringResult> {
    const window = settings.windows[wiring];
    // Whole seconds, as EC2 stamps its events: the forwarder asks EC2 for the state at the event's time.
    const samples: Sample[] = Array.from({ length: settings.samples }, (_, i) => ({ user: `bench${String(i + 1).padStart(2, "0")}`, at: Math.round(1 + Math.random() * (window - 1)) }));
    const byUser = new Map(samples.map((s) => [s.user, s]));
    const onEvent = (event: SandboxEvent) => {
        const now = Date.now();
        if (event.kind === "ec2-event") byUser.get(event.instance)!.ec2 = now;
        if (event.kind === "invocation" && event.fn.handler === "hub-assignment" && event.result.ok) {
            const user = (event.event as { detail?: { "user-id"?: string } }).detail?.["user-id"];
            const sample = user === undefined ? undefined : byUser.get(user);
            if (sample && sample.assigned === undefined) sample.assigned = now;
        }
        if (event.kind === "stream-batch") {
            for (const record of event.records) {
                const seat = parseSeatRowKey(record.dynamodb?.Keys?.pk?.S, record.dynamodb?.Keys?.sk?.S);
                const sample = seat && record.eventName === "INSERT" ? byUser.get(seat.userId) : undefined;
                if (sample && sample.marked === undefined) sample.marked = now;
            }
        }
        if (event.kind === "license-server" && event.ok && event.product === PRODUCT) {
            for (const user of event.users ?? []) {
                const sample = byUser.get(user);
                if (sample && sample.installed === undefined) sample.installed = now;
            }
        }
    };
    const outDir = path.join(settings.outRoot, `${runId}-${wiring}-${hub}`);
    const result = await runSandbox({
        speed: settings.speed,
        output: null,
        outDir,
        scenario: benchScenario(samples),
        onEvent,
        disabledRules: [...(wiring === "schedule" ? ["hub-sync-on-change"] : []), ...(settings.sandboxOptions?.(wiring).disabledRules ?? [])],
        adjustDeployment: applyHubSettings(hub),
    });
    const problems = runProblems(result, samples);
    if (problems.length > 0) throw new Error(`${wiring} (${hub}): the run failed (timeline in ${result.logFile}):\n  - ${problems.join("\n  - ")}`);
    return { wiring, hub, samples, latency: stats(samples.map((s) => s.installed! - s.ec2!)), logFile: result.logFile };
}

export function stats(values: number[]): Stats {
    const sorted = [...values].sort((a, b) => a - b);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
    return { min: sorted[0], median: rank(0.5), p95: rank(0.95), mean, max: sorted[sorted.length - 1] };
}

/** Runs every wiring of the settings, one after the other; throws when a run fails. */
export async function measureLatencies(settings: BenchSettings = DEFAULT_SETTINGS, onWiring?: (result: WiringResult) => void): Promise<WiringResult[]> {
    const runs = settings.wirings.flatMap((wiring) => settings.hubSettings.map((hub) => ({ wiring, hub })));
    return runInTurn(runs, settings.outRoot, ({ wiring, hub }, runId) => measureWiring(wiring, hub, settings, runId), onWiring);
}

async function main(): Promise<void> {
    const settings = DEFAULT_SETTINGS;
    console.log(`Time from a workbench's EC2 event to its owner in the license server's list (local sandbox, speed ${settings.speed}${settings.speed === 1 ? "" : ": scenario seconds, not real time"})`);
    console.log(`  ${settings.samples} samples per wiring; sync schedule rate(1 minute); EventBridge delivery 0.5 s (emulated); hub settings:`);
    for (const hub of settings.hubSettings) console.log(`    ${describeHubSettings(hub)}`);
    console.log(`  Node ${process.version} on ${process.platform}/${process.arch}`);
    const results = await measureLatencies(settings, ({ wiring, hub, samples, logFile }) => {
        console.log(`  ${wiring} (${hub}): ${samples.length} starts at random moments in ${settings.windows[wiring]} s (timeline: ${path.relative(process.cwd(), logFile)})`);
        for (const s of samples) {
            const hop = (a?: number, b?: number) => (a !== undefined && b !== undefined ? seconds(b - a).padStart(5) : "    -");
            console.log(`    ${s.user}  event at t=${s.at.toFixed(1).padStart(5)} s  assigned +${hop(s.ec2, s.assigned)} s  marker +${hop(s.ec2, s.marked)} s  on the license server +${hop(s.ec2, s.installed)} s`);
        }
    });
    console.log("");
    console.log("  wiring     settings  min     median  p95     mean    max   (seconds)");
    for (const { wiring, hub, latency: s } of results) {
        console.log(`  ${wiring.padEnd(10)} ${hub.padEnd(8)}  ${[s.min, s.median, s.p95, s.mean].map((v) => seconds(v).padEnd(6)).join("  ")}  ${seconds(s.max)}`);
    }
}

runMain(module, main);
