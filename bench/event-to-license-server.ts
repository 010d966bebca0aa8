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
 * Overrides: BENCH_SAMPLES (10), BENCH_SCHEDULE_WINDOW_S (120: starts spread over this many seconds, so they fall at
 * every phase of the minute), BENCH_ON_CHANGE_WINDOW_S (30), BENCH_MODES ("schedule,on-change").
 */
import { loadScenario, Scenario } from "../sandbox/scenario";
import { runSandbox, SandboxAborted } from "../sandbox/sandbox";
import type { SandboxEvent } from "../sandbox/events";
import { parseSeatRowKey } from "../functions/hub-shared/tableKeys";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 10);
const WINDOWS = { schedule: Number(process.env.BENCH_SCHEDULE_WINDOW_S ?? 120), "on-change": Number(process.env.BENCH_ON_CHANGE_WINDOW_S ?? 30) };
const MODES = (process.env.BENCH_MODES ?? "schedule,on-change").split(",") as Array<keyof typeof WINDOWS>;
const PRODUCT = "catia";

interface Sample {
    user: string;
    /** Scenario second the EC2 event is delivered. */
    at: number;
    /** Real times (ms) of each hop. */
    ec2?: number;
    assigned?: number;
    marked?: number;
    installed?: number;
}

/** The default scenario's world with one CAD workbench start per sample, at random moments in the window. */
function benchScenario(samples: Sample[]): Scenario {
    const base = loadScenario();
    const accounts = Object.entries(base.accounts).filter(([, a]) => a.role === "workbench-account" && a.allowedOnHub).map(([key]) => key);
    return {
        ...base,
        description: `benchmark: ${samples.length} workbench starts`,
        users: samples.map((s) => s.user),
        instances: Object.fromEntries(samples.map((s, i) => [s.user, { account: accounts[i % accounts.length], owner: s.user, type: "cad" }])),
        timeline: samples.map((s) => ({ at: s.at, instance: s.user, state: "running" as const })),
        faults: [],
        expected: { matlab: [], simulink: [], catia: samples.map((s) => s.user).sort() },
    };
}

async function measure(mode: keyof typeof WINDOWS): Promise<Sample[]> {
    const window = WINDOWS[mode];
    const samples: Sample[] = Array.from({ length: SAMPLES }, (_, i) => ({ user: `bench${String(i + 1).padStart(2, "0")}`, at: Math.round((1 + Math.random() * (window - 1)) * 10) / 10 }));
    const byUser = new Map(samples.map((s) => [s.user, s]));
    const abort = new AbortController();
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
            if (samples.every((s) => s.installed !== undefined)) abort.abort();
        }
    };
    process.stdout.write(`${mode}: ${SAMPLES} starts at random moments in ${window} s, real time...`);
    try {
        await runSandbox({ speed: 1, output: null, scenario: benchScenario(samples), onEvent, signal: abort.signal, disabledRules: mode === "schedule" ? ["hub-sync-on-change"] : [] });
    } catch (err) {
        if (!(err instanceof SandboxAborted)) throw err;
    }
    process.stdout.write(" done\n");
    const missing = samples.filter((s) => s.installed === undefined || s.ec2 === undefined);
    if (missing.length > 0) throw new Error(`${mode}: ${missing.map((s) => s.user).join(", ")} never reached the license server`);
    return samples;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], mean, max: sorted[sorted.length - 1] };
};

async function main(): Promise<void> {
    console.log("Time from a workbench's EC2 event to its owner in the license server's list (local sandbox, speed 1)");
    console.log(`  ${SAMPLES} samples per wiring; sync schedule rate(1 minute); stream batching window 5 s; EventBridge delivery 0.5 s (emulated)`);
    console.log(`  Node ${process.version} on ${process.platform}/${process.arch}`);
    const results: Array<[string, ReturnType<typeof stats>]> = [];
    for (const mode of MODES) {
        const samples = await measure(mode);
        for (const s of samples) {
            const hop = (a?: number, b?: number) => (a !== undefined && b !== undefined ? seconds(b - a).padStart(5) : "    -");
            console.log(`    ${s.user}  event at t=${s.at.toFixed(1).padStart(5)} s  assigned +${hop(s.ec2, s.assigned)} s  marker +${hop(s.ec2, s.marked)} s  on the license server +${hop(s.ec2, s.installed)} s`);
        }
        results.push([mode, stats(samples.map((s) => s.installed! - s.ec2!))]);
    }
    console.log("");
    console.log("  wiring      min     median  mean    max   (seconds)");
    for (const [mode, s] of results) console.log(`  ${mode.padEnd(10)}  ${seconds(s.min).padEnd(6)}  ${seconds(s.median).padEnd(6)}  ${seconds(s.mean).padEnd(6)}  ${seconds(s.max)}`);
}

main().then(
    () => process.exit(0),
    (err) => {
        console.error(err);
        process.exit(1);
    },
);
