/**
 * One run of bench/org-scale.ts: the estate's baseline delivered first (fast), then the login storm played in
 * scaled time against the hub with Run Command round trip L, the sync on its one-minute schedule and on every seat
 * change, until every start is on its license servers (or the drain limit); then the numbers.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { WORKBENCH_EVENT_DETAIL_TYPE, WORKBENCH_EVENT_SCHEMA_VERSION, WORKBENCH_EVENT_SOURCE } from "../../functions/shared/workbenchEvent";
import { ScaledClock } from "./clock";
import type { Estate, Workbench } from "./estate";
import { HubModel, startHub } from "./hubModel";

export interface StormSettings {
    /** Run Command round trip L, seconds. */
    roundTripSeconds: number;
    /** Virtual seconds per real second. */
    speed: number;
    /** After the storm, how long (virtual seconds) the hub may take to deliver the rest. */
    drainSeconds: number;
    /** Second of the minute the sync's schedule fires at. */
    tickPhaseSeconds: number;
    /** Virtual seconds before the storm in which the baseline must be delivered. */
    warmUpSeconds: number;
}

export interface Percentiles {
    count: number;
    p50: number;
    p95: number;
    max: number;
}

export interface MinuteRow {
    minute: number;
    starts: number;
    changedProducts: number;
    deliveredProducts: number;
    pairsDelivered: number;
    /** (start, product) pairs that waited more than one sync tick (60 s). */
    pairsLate: number;
    p95Seconds: number;
}

export interface StormReport {
    roundTripSeconds: number;
    speed: number;
    events: number;
    minutes: MinuteRow[];
    /** Seconds from a start's EC2 event to its owner on the license server: per (start, product), per start (all products). */
    pairs: Percentiles;
    starts: Percentiles;
    undelivered: number;
    sync: { invocations: number; throttled: number; dropped: number; busy: number; failedProducts: number; failureReasons: Record<string, number>; maxSentPerInvocation: number; errors: string[] };
    /** Sync invocations that sent commands: seconds since 8:50 they started and ended, commands and products sent. */
    syncRuns: Array<{ start: number; end: number; commands: number; sent: number; failed: number }>;
    /** Per handler: DynamoDB requests, read and write units, in all and per workbench event. */
    dynamodb: Record<string, { requests: number; readUnits: number; writeUnits: number }>;
    api: Record<string, number>;
    syncPeakHeapBytes: number;
    /** Seconds from SendCommand to the poll that saw the command finished (L plus the polling's delay). */
    roundTrips: Percentiles;
    /** The event loop's delay (real ms, p99 and max): how far the machine's load stretched virtual time (times the speed). */
    eventLoopDelayMs: { p99: number; max: number };
    table: { instances: number; seatRows: number };
    realSeconds: number;
}

/** 8:50 on the Monday of the storm. */
const STORM_START = Date.parse("2026-12-07T08:50:00Z");

export async function runStorm(estate: Estate, settings: StormSettings): Promise<StormReport> {
    const realStart = process.hrtime.bigint();
    const clock = new ScaledClock(settings.speed, STORM_START - settings.warmUpSeconds * 1000);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    clock.install();
    let hub: HubModel | undefined;
    try {
        hub = startHub(estate, { clock, roundTripMs: 200, busDelayMs: 500, apiLatencyMs: 20, syncTimeoutMs: 300_000 }, STORM_START);
        const productsOf = (wb: Workbench) => estate.catalog.workbenchTypes[wb.type];

        // The baseline: workbenches already running, delivered before the storm by one scheduled sync.
        hub.setSyncOnChange(false);
        for (const wb of estate.running) hub.deliver(workbenchEvent(wb, "running", STORM_START + wb.startAt * 1000));
        await clock.sleep(2000);
        await hub.idle();
        hub.scheduledTick();
        await hub.idle();
        hub.setSyncOnChange(true);
        hub.setRoundTrip(settings.roundTripSeconds * 1000);
        if (clock.now() > STORM_START) throw new Error(`the baseline took ${Math.round((clock.now() - STORM_START) / 1000 + settings.warmUpSeconds)} s to deliver, more than the ${settings.warmUpSeconds} s before the storm`);
        await clock.until(STORM_START);
        hub.resetCounters();
        loopDelay.enable();

        // The storm and the schedule, in time order.
        type Step = { at: number; run: () => void };
        const steps: Step[] = [];
        for (const wb of estate.storm) {
            const at = STORM_START + wb.startAt * 1000;
            steps.push({ at, run: () => (hub!.tracker.expect(wb.user, productsOf(wb), at), hub!.deliver(workbenchEvent(wb, "running", at))) });
        }
        for (const wb of estate.running.filter((w) => w.stopAt !== undefined)) {
            const at = STORM_START + wb.stopAt! * 1000;
            steps.push({ at, run: () => hub!.deliver(workbenchEvent(wb, "stopped", at)) });
        }
        const end = STORM_START + (estate.size.stormSeconds + settings.drainSeconds) * 1000;
        for (let tick = STORM_START + settings.tickPhaseSeconds * 1000; tick <= end; tick += 60_000) steps.push({ at: tick, run: () => hub!.scheduledTick() });
        steps.sort((a, b) => a.at - b.at);
        const stormEnd = STORM_START + estate.size.stormSeconds * 1000;
        for (const step of steps) {
            if (step.at > stormEnd && hub.tracker.undelivered() === 0) break;
            await clock.until(step.at);
            step.run();
        }
        await hub.idle();
        loopDelay.disable();
        const result = report(hub, estate, settings, Number(process.hrtime.bigint() - realStart) / 1e9);
        result.eventLoopDelayMs = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };

        hub.setRoundTrip(200);
        result.syncPeakHeapBytes = await hub.probeSyncMemory();
        await hub.idle();
        return result;
    } finally {
        await hub?.close();
        clock.uninstall();
    }
}

export function workbenchEvent(wb: Workbench, ec2State: "running" | "stopped", at: number): Record<string, unknown> {
    const time = new Date(at).toISOString();
    const id = `ec2-${wb.instanceId}-${ec2State}`;
    return {
        version: "0",
        id: `bus-${id}`,
        "detail-type": WORKBENCH_EVENT_DETAIL_TYPE,
        source: WORKBENCH_EVENT_SOURCE,
        account: wb.account,
        time,
        region: wb.region,
        resources: [],
        detail: {
            "schema-version": WORKBENCH_EVENT_SCHEMA_VERSION,
            ...(ec2State === "running" ? { "user-id": wb.user, "workbench-type": wb.type } : {}),
            "workbench-state": ec2State === "running" ? "started" : "stopped",
            "instance-id": wb.instanceId,
            account: wb.account,
            region: wb.region,
            "ec2-state": ec2State,
            "ec2-event-time": time,
            "ec2-event-id": id,
        },
    };
}

export function percentiles(values: readonly number[]): Percentiles {
    const sorted = [...values].sort((a, b) => a - b);
    const rank = (p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]);
    return { count: sorted.length, p50: rank(0.5), p95: rank(0.95), max: sorted.length === 0 ? NaN : sorted[sorted.length - 1] };
}

function report(hub: HubModel, estate: Estate, settings: StormSettings, realSeconds: number): StormReport {
    const minuteOf = (at: number) => Math.floor((at - STORM_START) / 60_000);
    const minutes = new Map<number, MinuteRow>();
    const row = (minute: number) => {
        if (!minutes.has(minute)) minutes.set(minute, { minute, starts: 0, changedProducts: 0, deliveredProducts: 0, pairsDelivered: 0, pairsLate: 0, p95Seconds: NaN });
        return minutes.get(minute)!;
    };
    for (const wb of estate.storm) row(Math.floor(wb.startAt / 60)).starts++;
    for (const [minute, products] of hub.changedProducts) if (minute >= 0) row(minute).changedProducts = products.size;
    for (const [minute, products] of hub.installedProducts) if (minute >= 0) row(minute).deliveredProducts = products.size;
    const latencies = new Map<number, number[]>();
    for (const pair of hub.tracker.pairs) {
        const minute = minuteOf(pair.at);
        const r = row(minute);
        r.pairsDelivered++;
        if (pair.latencyMs > 60_000) r.pairsLate++;
        latencies.set(minute, [...(latencies.get(minute) ?? []), pair.latencyMs / 1000]);
    }
    for (const [minute, values] of latencies) row(minute).p95Seconds = percentiles(values).p95;
    const events = estate.storm.length + estate.running.filter((w) => w.stopAt !== undefined).length;
    const runs = hub.syncRuns.filter((r) => r.startedAt >= STORM_START);
    const dynamodb = Object.fromEntries(
        Object.entries(hub.capacity).map(([name, meter]) => [name, { requests: meter.totalRequests(), readUnits: meter.readUnits, writeUnits: meter.writeUnits }]),
    );
    return {
        roundTripSeconds: settings.roundTripSeconds,
        speed: settings.speed,
        events,
        minutes: [...minutes.values()].sort((a, b) => a.minute - b.minute),
        pairs: percentiles(hub.tracker.pairs.map((p) => p.latencyMs / 1000)),
        starts: percentiles(hub.tracker.starts.map((ms) => ms / 1000)),
        undelivered: hub.tracker.undelivered(),
        sync: {
            invocations: runs.length,
            throttled: hub.functions.sync.throttles,
            dropped: hub.functions.sync.dropped,
            busy: runs.filter((r) => r.outcome === "busy").length,
            failedProducts: runs.reduce((n, r) => n + r.failed, 0),
            failureReasons: runs.flatMap((r) => r.failureReasons).reduce<Record<string, number>>((tally, reason) => ({ ...tally, [reason]: (tally[reason] ?? 0) + 1 }), {}),
            maxSentPerInvocation: Math.max(0, ...runs.map((r) => r.sent)),
            errors: [...new Set([...hub.functions.sync.errors, ...hub.functions.assignment.errors])].slice(0, 5),
        },
        syncRuns: runs.filter((r) => r.commands > 0).map((r) => ({ start: (r.startedAt - STORM_START) / 1000, end: (r.endedAt - STORM_START) / 1000, commands: r.commands, sent: r.sent, failed: r.failed })),
        dynamodb,
        api: { ...hub.api.calls },
        syncPeakHeapBytes: NaN,
        roundTrips: percentiles(hub.api.observedRoundTrips().map((ms) => ms / 1000)),
        eventLoopDelayMs: { p99: NaN, max: NaN },
        table: hub.tableCounts(),
        realSeconds,
    };
}
