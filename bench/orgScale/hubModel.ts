/**
 * The hub of bench/org-scale.ts: the real handler logic (assignment, change marker, sync) with the real SSM, S3 and
 * EventBridge ports talking to bench/orgScale/fakeAws.ts, and in-memory DynamoDB ports that count the capacity the
 * DynamoDB ports would use (dynalite cannot take a login storm's writes: about 200 a second here). Lambda's
 * asynchronous invocation, reserved concurrency and throttling are modelled (lambdas.ts), the table's stream as one
 * shard polled four times a second, EventBridge hops as a fixed delay.
 */
import { createHash } from "node:crypto";
import { assignSeats } from "../../functions/hub-assignment/assignment";
import type { AssignmentPorts } from "../../functions/hub-assignment/assignment";
import { markSeatChanges } from "../../functions/hub-change-marker/changeMarker";
import { dynamoChangeMarkerPorts } from "../../functions/hub-change-marker/awsPorts";
import { awsSyncPorts } from "../../functions/hub-sync/awsPorts";
import { SyncOutcome, SyncPorts, syncUserLists } from "../../functions/hub-sync/sync";
import { AssignmentConfig, SyncConfig, productTargets } from "../../functions/hub-shared/config";
import { DEFAULT_FULL_CHECK_EVERY_TICKS, DEFAULT_MIN_COMMAND_INTERVAL_MS } from "../../functions/hub-shared/environment";
import { instanceItemKey, seatRowKey } from "../../functions/hub-shared/tableKeys";
import { SUPERSEDED_EXIT_CODE, renderUserList } from "../../functions/hub-shared/userList";
import { parseBundle } from "../../functions/hub-shared/bundle";
import { hubConfiguration } from "../../components/hub/hubConfigurationObject";
import type { Telemetry } from "../../functions/shared/telemetry";
import { memoryHub } from "../../tests/hub/support/memoryHubPorts";
import { TableRequest, memorySyncTable } from "../../tests/hub/support/memorySyncTable";
import { CapacityMeter, itemBytes } from "./capacity";
import type { ScaledClock } from "./clock";
import type { Estate } from "./estate";
import { FakeAws, InvocationResult } from "./fakeAws";
import { AsyncFunction } from "./lambdas";
import { DeliveryTracker, LicenseServerModel } from "./licenseServers";

export interface HubSettings {
    clock: ScaledClock;
    /** Run Command round trip L, virtual ms. */
    roundTripMs: number;
    /** Each EventBridge hop (workbench bus -> hub bus -> rule -> Lambda), virtual ms. */
    busDelayMs: number;
    apiLatencyMs: number;
    /** The sync Lambda's timeout (LicenseServerHub syncTimeoutSeconds), virtual ms. */
    syncTimeoutMs: number;
}

/** One sync invocation: when it ran and what it did. */
export interface SyncRun {
    startedAt: number;
    endedAt: number;
    outcome: SyncOutcome["outcome"];
    sent: number;
    failed: number;
    commands: number;
    /** Why products failed, their names, ids and numbers left out. */
    failureReasons: string[];
}

export interface HubModel {
    deliver(event: Record<string, unknown>): void;
    scheduledTick(): void;
    /** Changes Run Command's round trip from now on (the warm-up delivers the baseline quickly). */
    setRoundTrip(ms: number): void;
    /** Starts the capacity and API counts afresh (at the storm's beginning). */
    resetCounters(): void;
    /** Whether the change marker's announcements reach the sync (off while the baseline is loaded). */
    setSyncOnChange(on: boolean): void;
    idle(): Promise<void>;
    close(): Promise<void>;
    tracker: DeliveryTracker;
    syncRuns: SyncRun[];
    capacity: { assignment: CapacityMeter; changeMarker: CapacityMeter; sync: CapacityMeter };
    api: FakeAws;
    functions: { assignment: AsyncFunction<unknown>; sync: AsyncFunction<unknown> };
    /** One forced sync of every product on the current seats, alone; its peak heap growth in bytes. */
    probeSyncMemory(): Promise<number>;
    /** Products whose seat rows changed, and products whose list a license server installed, per minute since `origin`. */
    changedProducts: Map<number, Set<string>>;
    installedProducts: Map<number, Set<string>>;
    tableCounts(): { instances: number; seatRows: number };
}

const DEADLINE_MARGIN_MS = 15_000;

/** Telemetry that only sums metrics (a storm's logs would not fit in memory as records). */
class SummingTelemetry implements Telemetry {
    readonly totals: Record<string, number> = {};
    info(): void {}
    warn(): void {}
    error(): void {}
    metric(name: string, value: number): void {
        this.totals[name] = (this.totals[name] ?? 0) + value;
    }
}

export function startHub(estate: Estate, settings: HubSettings, origin: number): HubModel {
    const { clock } = settings;
    let roundTripMs = settings.roundTripMs;
    let syncOnChange = true;
    const tracker = new DeliveryTracker(() => clock.now());
    const changedProducts = new Map<number, Set<string>>();
    const installedProducts = new Map<number, Set<string>>();
    const byMinute = (map: Map<number, Set<string>>, product: string) => {
        const minute = Math.floor((clock.now() - origin) / 60_000);
        if (!map.has(minute)) map.set(minute, new Set());
        map.get(minute)!.add(product);
    };
    const servers = new LicenseServerModel((product, users) => {
        byMinute(installedProducts, product);
        tracker.installed(product, users);
    });
    const capacity = { assignment: new CapacityMeter(), changeMarker: new CapacityMeter(), sync: new CapacityMeter() };
    const meters = Object.values(capacity);
    const telemetry = new SummingTelemetry();

    // The table's stream, filtered to seat INSERT/REMOVE as the change marker's mapping is.
    const stream: Array<{ eventName: "INSERT" | "REMOVE"; dynamodb: { Keys: { pk: { S: string }; sk: { S: string } }; SequenceNumber: string } }> = [];
    let sequence = 0;
    const removedRows = new Set<string>();
    const hub = memoryHub({
        onSeatRowChange: ({ kind, product, userId }) => {
            if (kind === "REMOVE") removedRows.add(`${product}/${userId}`);
            byMinute(changedProducts, product);
            stream.push({ eventName: kind, dynamodb: { Keys: { pk: { S: seatRowKey(product, userId).pk }, sk: { S: seatRowKey(product, userId).sk } }, SequenceNumber: String(++sequence) } });
        },
    });
    const assignmentPorts = countedAssignmentPorts(hub.ports, capacity.assignment, (product, userId) => removedRows.delete(`${product}/${userId}`));

    const api: FakeAws = new FakeAws({
        clock,
        roundTripMs: () => roundTripMs,
        apiLatencyMs: settings.apiLatencyMs,
        execute: (instanceId, parameters, objects) => executeDocument(servers, instanceId, parameters, objects),
        onEvent: (entry) => {
            if (syncOnChange) void clock.sleep(settings.busDelayMs).then(() => sync.invoke({ source: entry.Source, "detail-type": entry.DetailType, detail: JSON.parse(entry.Detail ?? "{}") }));
        },
    });

    const assignmentConfig: AssignmentConfig = {
        tableName: "hub",
        workbenchTypes: estate.catalog.workbenchTypes,
        allowedAccounts: new Set(),
        tombstoneRetentionSeconds: 7 * 86400,
        maxClockSkewSeconds: 30,
    };
    const assignment = new AsyncFunction<unknown>({ clock, maxEventAgeMs: 6 * 3600_000, handler: (event) => assignSeats(event, assignmentConfig, assignmentPorts, telemetry, Date.now()) });

    const syncTable = memorySyncTable((product) => hub.seatHolders(product), meterFor(capacity.sync));
    // The change marker's real announcement port (EventBridge), its marks in the memory table.
    const markerPorts = { ...dynamoChangeMarkerPorts(undefined as never, "hub", { events: api.eventBridge as never, busName: "hub" }), markChanged: (changes: ReadonlyMap<string, number>) => syncTable.markFromStream(changes, meterFor(capacity.changeMarker)) };
    let polling = true;
    const poller = (async () => {
        while (polling) {
            await clock.sleep(250);
            while (stream.length > 0) {
                const batch = stream.splice(0, 100);
                const result = await markSeatChanges({ Records: batch } as never, markerPorts, telemetry, () => new Date(clock.now()));
                if (result.batchItemFailures.length > 0) throw new Error("the change marker failed a batch");
            }
        }
    })();

    const syncConfig: SyncConfig = {
        tableName: "hub",
        products: productTargets(hubConfiguration(estate.catalog, [])),
        userListBucket: "hub-user-lists",
        documentName: "hub-install-user-list",
        configurationFingerprint: "bench",
        deliveryTimeoutSeconds: 60,
        pollIntervalMs: 2000,
        fullCheckEveryTicks: DEFAULT_FULL_CHECK_EVERY_TICKS,
        minCommandIntervalMs: DEFAULT_MIN_COMMAND_INTERVAL_MS,
    };
    // The real SSM and S3 ports against the in-process services; the table's items in memory.
    const syncPorts: SyncPorts = { ...awsSyncPorts({ db: undefined as never, s3: api.s3 as never, ssm: api.ssm as never }, syncConfig), ...syncTable.ports };
    const syncRuns: SyncRun[] = [];
    let invocation = 0;
    const runSync = async (event: unknown, force = false): Promise<SyncOutcome> => {
        const e = (event ?? {}) as Record<string, unknown>;
        const startedAt = clock.now();
        const outcome = await syncUserLists(
            syncPorts,
            {
                products: syncConfig.products,
                configurationFingerprint: syncConfig.configurationFingerprint,
                deadline: Date.now() + settings.syncTimeoutMs - DEADLINE_MARGIN_MS,
                force,
                scheduled: e.source === "aws.events" && e["detail-type"] === "Scheduled Event",
                fullCheckEveryTicks: syncConfig.fullCheckEveryTicks,
                minCommandIntervalMs: syncConfig.minCommandIntervalMs,
                pollIntervalMs: syncConfig.pollIntervalMs,
                holder: `sync-${++invocation}`,
                sleep: clock.sleep,
            },
            telemetry,
        );
        const done = "sent" in outcome ? outcome : { sent: [], failed: [], commands: 0 };
        const failureReasons = done.failed.map((f) => f.reason.replace(/feature-\d+|i-[0-9a-f]+|bench-command-\d+|[0-9][0-9:.TZ-]*/g, "#"));
        syncRuns.push({ startedAt, endedAt: clock.now(), outcome: outcome.outcome, sent: done.sent.length, failed: done.failed.length, commands: done.commands, failureReasons });
        return outcome;
    };
    // Reserved concurrency 1 and no retries, as LicenseServerHub deploys the sync.
    const sync = new AsyncFunction<unknown>({ clock, reservedConcurrency: 1, maxEventAgeMs: 600_000, handler: (event) => runSync(event) });

    return {
        deliver: (event) => void clock.sleep(settings.busDelayMs).then(() => assignment.invoke(event)),
        scheduledTick: () => sync.invoke({ source: "aws.events", "detail-type": "Scheduled Event" }),
        setRoundTrip: (ms) => (roundTripMs = ms),
        setSyncOnChange: (on) => (syncOnChange = on),
        resetCounters() {
            meters.forEach((m) => m.reset());
            for (const name of Object.keys(api.calls)) delete api.calls[name];
        },
        async idle() {
            for (;;) {
                await assignment.idle();
                while (stream.length > 0) await clock.sleep(250);
                await sync.idle();
                await api.idle();
                if (stream.length === 0) return;
            }
        },
        async close() {
            polling = false;
            await poller;
        },
        tracker,
        syncRuns,
        capacity,
        api,
        functions: { assignment, sync },
        probeSyncMemory: () => peakHeapGrowth(() => runSync({}, true)),
        changedProducts,
        installedProducts,
        tableCounts: () => hub.counts(),
    };
}

/** The document's effect on one license server, for the bundle a command names: each product as the script treats it. */
function executeDocument(servers: LicenseServerModel, instanceId: string, parameters: Record<string, string[]>, objects: ReadonlyMap<string, Buffer>): InvocationResult {
    const body = objects.get(parameters.bundleObjectKey?.[0] ?? "");
    if (!body || createHash("sha256").update(body).digest("hex") !== parameters.bundleSha256?.[0]) return { status: "Failed", responseCode: 1, stdout: "", stderr: "license-hub: bundle missing or not matching its checksum" };
    const lines: string[] = [];
    let code = 0;
    for (const entry of parseBundle(body.toString("utf8"))) {
        if (renderUserList(entry.users).sha256 !== entry.sha256) {
            lines.push(`result ${entry.product} failed`);
            code = 1;
            continue;
        }
        const result = servers.apply(instanceId, entry.product, entry.generation, entry.sha256, entry.users);
        lines.push(result.line, result.code === 0 ? `result ${entry.product} applied ${entry.generation}` : `result ${entry.product} superseded ${result.held}`);
        if (result.code !== 0 && code === 0) code = SUPERSEDED_EXIT_CODE;
    }
    return { status: code === 0 ? "Success" : "Failed", responseCode: code, stdout: lines.join("\n"), stderr: "" };
}

/** Counts the memory table's requests as DynamoDB bills them. */
function meterFor(meter: CapacityMeter): (request: TableRequest) => void {
    return ({ operation, items, consistent }) => {
        if (operation === "Query") meter.readPages(operation, items, consistent);
        else if (operation === "GetItem") meter.read(operation, items[0] ?? 0, consistent);
        else meter.write(operation, items.reduce((a, b) => a + b, 0));
    };
}

/**
 * The assignment's ports with the capacity the DynamoDB ports spend: an UpdateItem per instance event (and a
 * GetItem when a later event won), one conditional write per seat holder added, a DeleteItem tried first and an
 * UpdateItem when the row keeps other holders (a GetItem when neither applied).
 */
function countedAssignmentPorts(ports: AssignmentPorts, meter: CapacityMeter, rowRemoved: (product: string, userId: string) => boolean): AssignmentPorts {
    const instanceBytes = (state: { ref: string; products: string[]; seatRefs: string[] }) => itemBytes({ ...instanceItemKey(state.ref), ...state, orderKey: "x".repeat(60), ec2EventId: "x".repeat(40) });
    const seatBytes = (product: string, userId: string) => itemBytes({ ...seatRowKey(product, userId), product, userId, firstAssignedAt: "2026-12-07T08:50:00.000Z", instances: ["1".repeat(40)], workbenchCount: 1 });
    return {
        async applyInstanceEvent(update) {
            const result = await ports.applyInstanceEvent(update);
            meter.write("UpdateItem", instanceBytes(result.current));
            if (!result.applied) meter.read("GetItem", instanceBytes(result.current));
            return result;
        },
        async readInstance(ref) {
            const state = await ports.readInstance(ref);
            meter.read("GetItem", state ? instanceBytes(state) : 0);
            return state;
        },
        async addSeatHolder(product, userId, ref, at) {
            const added = await ports.addSeatHolder(product, userId, ref, at);
            meter.write("UpdateItem", seatBytes(product, userId));
            return added;
        },
        async removeSeatHolder(product, userId, ref) {
            rowRemoved(product, userId);
            const removed = await ports.removeSeatHolder(product, userId, ref);
            const deleted = rowRemoved(product, userId);
            meter.write("DeleteItem", seatBytes(product, userId));
            if (!deleted) meter.write("UpdateItem", seatBytes(product, userId));
            if (!removed) meter.read("GetItem", seatBytes(product, userId));
            return removed;
        },
    };
}

/** Runs `work` alone and returns the most the heap grew while it ran (sampled every 5 ms), after a collection. */
export async function peakHeapGrowth(work: () => Promise<unknown>): Promise<number> {
    const gc = collector();
    gc?.();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    try {
        await work();
    } finally {
        clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return peak - base;
}

function collector(): (() => void) | undefined {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const v8 = require("node:v8") as typeof import("node:v8");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const vm = require("node:vm") as typeof import("node:vm");
    v8.setFlagsFromString("--expose-gc");
    return vm.runInNewContext("gc") as (() => void) | undefined;
}
