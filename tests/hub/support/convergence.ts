/**
 * The anti-entropy property, shared by the test (a few hundred runs) and bench/reconciliation-convergence.ts
 * (thousands): workbench instances live a random life (some already running before deployment, tags changed,
 * removed or made hostile, terminated); the forwarder's events and periodic inventory snapshots reach the hub lost,
 * duplicated, reordered and concurrently; after one more complete snapshot the seat rows are exactly the truth.
 */
import fc from "fast-check";
import { assignSeats } from "../../../functions/hub-assignment/assignment";
import { reconcileSnapshot } from "../../../functions/hub-assignment/snapshot";
import { instanceRef } from "../../../functions/hub-shared/tableKeys";
import { Ec2InstanceState, InventoryInstance, snapshotChunks } from "../../../functions/shared/inventorySnapshot";
import {
    EC2_STATE_TO_WORKBENCH_STATE,
    Ec2State,
    WORKBENCH_EVENT_DETAIL_TYPE,
    WORKBENCH_EVENT_SCHEMA_VERSION,
    WORKBENCH_EVENT_SOURCE,
    WORKBENCH_SNAPSHOT_DETAIL_TYPE,
    isValidUserId,
    isValidWorkbenchType,
} from "../../../functions/shared/workbenchEvent";
import { RecordingTelemetry } from "../../support/recordingTelemetry";
import { allSettledOrThrow } from "../../support/settled";
import { CATALOG, NOW, WORKBENCH_ACCOUNT, assignmentConfig } from "./fixtures";
import type { HubUnderTest } from "./dynaliteHub";

const REGION = "eu-central-1";
const INSTANCES = ["i-0bbbbbbbbbbbbbbb1", "i-0bbbbbbbbbbbbbbb2", "i-0bbbbbbbbbbbbbbb3", "i-0bbbbbbbbbbbbbbb4"];
const OWNER = "owner";
const TYPE = "type";
/** Tag sets an instance can carry: valid workbenches, a type the catalog lacks, a hostile owner, none. */
const TAG_SETS: Record<string, string>[] = [
    { [OWNER]: "alice", [TYPE]: "cae-standard" },
    { [OWNER]: "bob", [TYPE]: "office" },
    { [OWNER]: "carol", [TYPE]: "simulation" },
    { [OWNER]: "alice", [TYPE]: "gaming" },
    { [OWNER]: "mallory; rm -rf /", [TYPE]: "office" },
    {},
];
/**
 * Pending is sent by EC2 but no rule forwards it: no event, yet the inventory lists it, and the hub counts it as
 * running (EC2's lag before running, #21 item 6).
 */
const STATES: Ec2InstanceState[] = ["pending", "running", "running", "stopping", "stopped", "shutting-down", "terminated"];
/** Small chunks, so that most snapshots have several and losing one makes the snapshot partial. */
const CHUNK_BYTES = 420;
const T0 = NOW - 600_000;

type Step =
    | { kind: "transition"; instance: number; state: Ec2InstanceState; gapSeconds: number }
    | { kind: "retag"; instance: number; tags: number; gapSeconds: number }
    | { kind: "snapshot"; asOfLagMs: number; gapSeconds: number };

export interface ConvergenceScenario {
    /** Per instance: running before deployment (no event ever says so), and its tags. */
    initial: { running: boolean; tags: number }[];
    steps: Step[];
    /** Copies of each delivery (0 = lost), used in order of the deliveries; repeated as needed. */
    copies: number[];
    shuffleSeed: number;
    batchSizes: number[];
}

const gap = fc.integer({ min: 1, max: 3 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant("transition" as const), instance: fc.nat(INSTANCES.length - 1), state: fc.constantFrom(...STATES), gapSeconds: gap }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("retag" as const), instance: fc.nat(INSTANCES.length - 1), tags: fc.nat(TAG_SETS.length - 1), gapSeconds: gap }) },
    // The inventory starts up to 1.5 s before it reads: events in between are both seen and sent.
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("snapshot" as const), asOfLagMs: fc.integer({ min: 0, max: 1500 }), gapSeconds: gap }) },
);

export const convergenceScenarioArb: fc.Arbitrary<ConvergenceScenario> = fc.record({
    initial: fc.array(fc.record({ running: fc.boolean(), tags: fc.nat(TAG_SETS.length - 1) }), { minLength: INSTANCES.length, maxLength: INSTANCES.length }),
    steps: fc.array(stepArb, { minLength: 1, maxLength: 12 }),
    // One in four deliveries is lost, stops included.
    copies: fc.array(fc.constantFrom(0, 1, 1, 1, 1, 2, 3), { minLength: 1, maxLength: 40 }),
    shuffleSeed: fc.integer(),
    batchSizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 20 }),
});

interface Truth {
    state: Ec2InstanceState;
    tags: Record<string, string>;
}

type Delivery = { kind: "event" | "chunk"; event: Record<string, unknown> };

/** The events and snapshot chunks the workbench account sends, and the instances' final truth. */
function simulate(scenario: ConvergenceScenario): { deliveries: Delivery[]; final: Truth[]; finalTime: number } {
    const truth: Truth[] = scenario.initial.map((i) => ({ state: i.running ? "running" : "stopped", tags: { ...TAG_SETS[i.tags] } }));
    const deliveries: Delivery[] = [];
    let time = T0;
    let snapshots = 0;
    for (const [i, step] of scenario.steps.entries()) {
        time += step.gapSeconds * 1000;
        if (step.kind === "snapshot") {
            deliveries.push(...snapshotDeliveries(truth, time - step.asOfLagMs, `s-${snapshots++}`));
            continue;
        }
        const instance = truth[step.instance];
        if (instance.state === "terminated") continue;
        if (step.kind === "retag") {
            instance.tags = { ...TAG_SETS[step.tags] };
            continue;
        }
        instance.state = step.state;
        if (step.state === "pending") continue;
        const event = forwarded(INSTANCES[step.instance], step.state, instance.tags, time, `ev-${i}`);
        if (event) deliveries.push({ kind: "event", event });
    }
    return { deliveries, final: truth, finalTime: time };
}

/** What the forwarder puts on the bus for one EC2 state change: every stop; a start with a valid owner and type. */
function forwarded(instanceId: string, ec2State: Ec2State, tags: Record<string, string>, time: number, id: string): Record<string, unknown> | undefined {
    const workbenchState = EC2_STATE_TO_WORKBENCH_STATE[ec2State];
    if (workbenchState === "started" && !(isValidUserId(tags[OWNER]) && isValidWorkbenchType(tags[TYPE]))) return undefined;
    const at = new Date(time).toISOString().replace(".000Z", "Z");
    return envelope(WORKBENCH_EVENT_DETAIL_TYPE, at, {
        "schema-version": WORKBENCH_EVENT_SCHEMA_VERSION,
        ...(workbenchState === "started" ? { "user-id": tags[OWNER], "workbench-type": tags[TYPE] } : {}),
        "workbench-state": workbenchState,
        "instance-id": instanceId,
        account: WORKBENCH_ACCOUNT,
        region: REGION,
        "ec2-state": ec2State,
        "ec2-event-time": at,
        "ec2-event-id": id,
    });
}

/** An inventory as the inventory Lambda takes it: every instance with a workbench tag key, valid values only. */
function snapshotDeliveries(truth: readonly Truth[], asOfMs: number, snapshotId: string): Delivery[] {
    const listed: InventoryInstance[] = [];
    truth.forEach((t, i) => {
        if (t.state === "terminated" || (t.tags[OWNER] === undefined && t.tags[TYPE] === undefined)) return;
        listed.push({
            "instance-id": INSTANCES[i],
            "ec2-state": t.state,
            ...(isValidUserId(t.tags[OWNER]) ? { "user-id": t.tags[OWNER] } : {}),
            ...(isValidWorkbenchType(t.tags[TYPE]) ? { "workbench-type": t.tags[TYPE] } : {}),
        });
    });
    const asOf = new Date(asOfMs).toISOString();
    return snapshotChunks({ account: WORKBENCH_ACCOUNT, region: REGION, snapshotId, asOf }, listed, CHUNK_BYTES).map((detail) => ({
        kind: "chunk",
        event: envelope(WORKBENCH_SNAPSHOT_DETAIL_TYPE, asOf, detail as unknown as Record<string, unknown>),
    }));
}

let busEventIds = 0;

function envelope(detailType: string, time: string, detail: Record<string, unknown>): Record<string, unknown> {
    return { version: "0", id: `bus-${++busEventIds}`, "detail-type": detailType, source: WORKBENCH_EVENT_SOURCE, account: WORKBENCH_ACCOUNT, time, region: REGION, resources: [], detail };
}

/** Seat rows the final truth calls for: running (or pending) instances with a valid owner and a type the catalog knows. */
function expectedRows(final: readonly Truth[]): Record<string, string[]> {
    const rows: Record<string, string[]> = {};
    final.forEach((t, i) => {
        const products = Object.prototype.hasOwnProperty.call(CATALOG.workbenchTypes, t.tags[TYPE]) ? CATALOG.workbenchTypes[t.tags[TYPE]] : undefined;
        if ((t.state !== "running" && t.state !== "pending") || !isValidUserId(t.tags[OWNER]) || !products) return;
        for (const product of products) (rows[`${product}/${t.tags[OWNER]}`] ??= []).push(instanceRef(WORKBENCH_ACCOUNT, REGION, INSTANCES[i]));
    });
    for (const holders of Object.values(rows)) holders.sort();
    return rows;
}

/** Deterministic Fisher-Yates from fast-check's seed, so a failing run replays. */
function shuffled<T>(items: T[], seed: number): T[] {
    const out = [...items];
    let state = seed >>> 0 || 1;
    for (let i = out.length - 1; i > 0; i--) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        const j = state % (i + 1);
        [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
}

export interface ConvergenceResult {
    expected: Record<string, string[]>;
    actual: Record<string, string[]>;
    /** Seat rows whose workbenchCount is not the number of their holders. */
    miscounted: string[];
    delivered: number;
    lost: number;
}

/** Runs one scenario against a hub and returns what its seat rows hold after the final snapshot. */
export async function runConvergence(hub: HubUnderTest, scenario: ConvergenceScenario): Promise<ConvergenceResult> {
    const config = assignmentConfig(hub.tableName);
    const telemetry = new RecordingTelemetry();
    const deliver = (d: Delivery): Promise<unknown> =>
        d.kind === "event" ? assignSeats(d.event, config, hub.ports, telemetry, NOW) : reconcileSnapshot(d.event, config, hub.ports, telemetry, NOW);
    const runConcurrently = async (items: Delivery[]) => {
        for (let next = 0, b = 0; next < items.length; b++) {
            const size = scenario.batchSizes[b % scenario.batchSizes.length];
            await allSettledOrThrow(items.slice(next, next + size).map(deliver));
            next += size;
        }
    };

    const { deliveries, final, finalTime } = simulate(scenario);
    const copies = deliveries.flatMap((d, i) => Array.from({ length: scenario.copies[i % scenario.copies.length] }, () => d));
    const lost = deliveries.filter((_, i) => scenario.copies[i % scenario.copies.length] === 0).length;
    await runConcurrently(shuffled(copies, scenario.shuffleSeed));

    // The next inventory, complete: its chunks arrive duplicated, in any order, concurrently.
    const next = snapshotDeliveries(final, finalTime + 3000, "s-final");
    await runConcurrently(shuffled([...next, ...next], scenario.shuffleSeed + 1));

    const rows = await hub.seatRows();
    return {
        expected: expectedRows(final),
        actual: Object.fromEntries([...rows].map(([key, row]) => [key, row.instances])),
        miscounted: [...rows].filter(([, row]) => row.workbenchCount !== row.instances.length).map(([key]) => key),
        delivered: copies.length,
        lost,
    };
}
