import { ACCOUNT_ID_PATTERN, Ec2State, WORKBENCH_EVENT_SOURCE, WORKBENCH_SNAPSHOT_DETAIL_TYPE, isValidUserId } from "../shared/workbenchEvent";
import { InventoryInstance, InventorySnapshotDetail, snapshotDetailProblem } from "../shared/inventorySnapshot";
import { Telemetry, describeUntrusted } from "../shared/telemetry";
import { mapWithConcurrency } from "../shared/concurrency";
import { instanceRef, parseSeatRef, seatRef } from "../hub-shared/tableKeys";
import type { AssignmentConfig } from "../hub-shared/config";
import { AssignmentPorts, InstanceState, InstanceUpdate, ORIGIN_MISMATCH, applyUpdate, originProblem, productsOf, reconcileSeats } from "./assignment";
import { eventOrderKey } from "./eventOrder";
import type { InventoryRecord } from "../hub-shared/inventoryRecords";

/** What the hub table holds for one (account, region), read for a reconciliation. */
export interface HeldState {
    /** Instance items of the account and region, by ref. */
    instances: Map<string, InstanceState>;
    /**
     * Seat rows (`product#user`) naming each instance ref, among the seats its item was ever entitled to (`seatRefs`:
     * a seat row names an instance only after its item recorded the entitlement, and seatRefs only grows while the
     * item exists).
     */
    seatHoldings: Map<string, string[]>;
}

export type { InventoryRecord };

/** DynamoDB operations of the reconciliation; all throw on AWS errors so that Lambda retries the chunk. */
export interface SnapshotPorts {
    /** Stores one chunk until `expiresAt` (epoch seconds) unless that position is already held (the first copy stays). */
    storeChunk(chunk: InventorySnapshotDetail, expiresAt: number): Promise<void>;
    /** Every stored chunk of the snapshot, strongly consistent. */
    readChunks(account: string, region: string, snapshotId: string): Promise<InventorySnapshotDetail[]>;
    /**
     * Instance items of the account and region (their own partition: a Query) and the seat rows their seatRefs name,
     * strongly consistent, every page: the cost of a snapshot grows with its own instances only.
     */
    heldState(account: string, region: string): Promise<HeldState>;
    /** The account-region's last complete snapshot, if one was recorded. */
    lastSnapshot(account: string, region: string): Promise<InventoryRecord | undefined>;
    /**
     * Records the snapshot as the account-region's last complete one (unless a later one is recorded already) and
     * deletes its `chunkCount` chunks.
     */
    completeSnapshot(record: InventoryRecord, chunkCount: number, expiresAt: number): Promise<void>;
    /**
     * Moves instance items of releases before 0.2.0 (one partition per instance) into their account-region's
     * partition, merged with any item already there, once per table (a Scan, the first time only); returns how many
     * it moved.
     */
    adoptLegacyInstances(): Promise<number>;
}

/** An instance a snapshot corrected (a lost or late event, or one never sent), with the seat holders that changed. */
export interface SnapshotCorrection {
    instanceId: string;
    state: "started" | "stopped";
    seatsAdded: number;
    seatsReleased: number;
}

/**
 * An instance whose later event won over the snapshot's observation, and whose seats the snapshot's reconciliation
 * changed to follow that event (it ran while the event's own invocation was reconciling): the seats are the event's
 * doing, done by whichever invocation got there first.
 */
export interface SnapshotFollowed {
    instanceId: string;
    /** The event whose state the seats now follow. */
    ec2EventId?: string;
    seatsAdded: number;
    seatsReleased: number;
}

export type SnapshotOutcome =
    | { outcome: "partial"; snapshotId: string; chunksHeld: number; chunkCount: number }
    | { outcome: "stale"; snapshotId: string; reason: string }
    | {
          outcome: "reconciled";
          snapshotId: string;
          observed: number;
          corrected: number;
          superseded: number;
          repaired: number;
          corrections: SnapshotCorrection[];
          followed: SnapshotFollowed[];
      }
    | { outcome: "rejected"; reason: string };

/**
 * Observations are ordered as if made this long before the snapshot's as-of time (rounded down to the second). EC2
 * event times have whole seconds, so an event that happened after as-of can carry an earlier time than as-of; and
 * the Lambda's and EC2's clocks may differ slightly. Any event from after the inventory started therefore orders
 * after its observations and wins; an event from just before may win too, which only postpones a correction to
 * the next snapshot.
 */
export const SNAPSHOT_ORDER_MARGIN_MS = 1000;
/** A stale chunk's reason when its own snapshot was reconciled already (a redelivery). */
export const SNAPSHOT_ALREADY_RECONCILED = "snapshot already reconciled";
/** Chunks wait this long for the rest of their snapshot (EventBridge and Lambda retries end well before). */
export const SNAPSHOT_CHUNK_RETENTION_SECONDS = 2 * 86400;
/** An account-region's last-snapshot record is kept this long after its last snapshot (then it is forgotten). */
export const INVENTORY_RECORD_RETENTION_SECONDS = 7 * 86400;
/** Instances corrected at once. */
const CORRECTION_CONCURRENCY = 8;

/** The time an inventory's observations are ordered at (see SNAPSHOT_ORDER_MARGIN_MS), as an ISO string with ms. */
export function observationTime(asOf: string): string {
    const ms = Math.floor(Date.parse(asOf) / 1000) * 1000 - SNAPSHOT_ORDER_MARGIN_MS - 1;
    return new Date(ms).toISOString();
}

/**
 * Stores one chunk of an inventory snapshot and, once every chunk of that snapshot is held, reconciles the hub
 * table with it for the snapshot's (account, region):
 *  - an instance seen running with a valid owner and a known type that the table does not hold as started by that
 *    owner and type is started;
 *  - an instance the table holds as started that the snapshot does not show running as a valid workbench (absent,
 *    in any other state, or its tags removed or changed to invalid) is stopped;
 *  - seat rows that disagree with the instance's item (a write that never happened) are repaired.
 * Each correction is an ordinary observation written through the ordered instance item at the snapshot's time,
 * so an event from after the inventory started always wins over it, and duplicates, reordering and concurrent
 * invocations keep converging exactly as for events. A partial snapshot changes nothing.
 */
export async function reconcileSnapshot(
    event: unknown,
    config: AssignmentConfig,
    ports: AssignmentPorts & SnapshotPorts,
    telemetry: Telemetry,
    now: number = Date.now(),
): Promise<SnapshotOutcome> {
    const checked = checkSnapshot(event, config, now);
    if (typeof checked === "string") {
        telemetry.metric("WorkbenchEventsRejected", 1);
        if (checked.startsWith(ORIGIN_MISMATCH)) telemetry.metric("WorkbenchEventsOriginMismatch", 1);
        telemetry.warn("inventory snapshot rejected", { reason: checked, event: describeUntrusted(event, 400) });
        return { outcome: "rejected", reason: checked };
    }
    const chunk = checked;
    const snapshotId = chunk["snapshot-id"];
    const last = await ports.lastSnapshot(chunk.account, chunk.region);
    if (last && (last.snapshotId === snapshotId || last.asOf > chunk["as-of"])) {
        // A redelivered chunk of a snapshot already reconciled (its chunks are gone), or one older than the last.
        const reason = last.snapshotId === snapshotId ? SNAPSHOT_ALREADY_RECONCILED : `a later snapshot (as of ${last.asOf}) was reconciled already`;
        telemetry.info("inventory chunk stale", { snapshotId, account: chunk.account, region: chunk.region, reason });
        return { outcome: "stale", snapshotId, reason };
    }
    await ports.storeChunk(chunk, Math.floor(now / 1000) + SNAPSHOT_CHUNK_RETENTION_SECONDS);
    const chunks = await ports.readChunks(chunk.account, chunk.region, snapshotId);
    const observations = completeSnapshot(chunk, chunks);
    if (typeof observations === "string") {
        telemetry.metric("WorkbenchEventsRejected", 1);
        telemetry.warn("inventory snapshot rejected", { reason: observations, snapshotId });
        return { outcome: "rejected", reason: observations };
    }
    if (observations === undefined) {
        const held = new Set(chunks.map((c) => c["chunk-index"])).size;
        telemetry.metric("InventoryChunksPending", 1);
        telemetry.info("inventory chunk stored; snapshot incomplete", { snapshotId, chunksHeld: held, chunkCount: chunk["chunk-count"] });
        return { outcome: "partial", snapshotId, chunksHeld: held, chunkCount: chunk["chunk-count"] };
    }

    const adopted = await ports.adoptLegacyInstances();
    if (adopted > 0) telemetry.info("instance items of an earlier release adopted", { adopted });
    const held = await ports.heldState(chunk.account, chunk.region);
    const at = observationTime(chunk["as-of"]);
    const context: ObservationContext = { account: chunk.account, region: chunk.region, config, orderTime: at, eventId: `inventory/${snapshotId}`, now };
    const refs = new Set<string>([...held.instances.keys(), ...held.seatHoldings.keys()]);
    const byRef = new Map<string, InventoryInstance>();
    for (const observed of observations) {
        const ref = instanceRef(chunk.account, chunk.region, observed["instance-id"]);
        byRef.set(ref, observed);
        refs.add(ref);
    }

    const results = await mapWithConcurrency([...refs], CORRECTION_CONCURRENCY, async (ref) => ({
        ref,
        ...(await correctInstance(ref, byRef.get(ref), held.instances.get(ref), held.seatHoldings.get(ref) ?? [], context, ports)),
    }));
    const corrected = results.filter((r) => r.outcome === "corrected").length;
    const superseded = results.filter((r) => r.outcome === "superseded").length;
    const repaired = results.filter((r) => r.outcome === "repaired").length;
    const refPrefix = instanceRef(chunk.account, chunk.region, "");
    const corrections = results
        .filter((r) => r.outcome === "corrected")
        .map((r): SnapshotCorrection => ({ instanceId: r.ref.slice(refPrefix.length), state: r.state, seatsAdded: r.seatsAdded, seatsReleased: r.seatsReleased }));
    const followed = results
        .filter((r) => r.outcome === "superseded" && r.seatsAdded + r.seatsReleased > 0)
        .map((r): SnapshotFollowed => ({ instanceId: r.ref.slice(refPrefix.length), ec2EventId: r.followedEventId, seatsAdded: r.seatsAdded, seatsReleased: r.seatsReleased }));
    const reconciledAt = new Date(now).toISOString();
    await ports.completeSnapshot(
        { account: chunk.account, region: chunk.region, snapshotId, asOf: chunk["as-of"], reconciledAt },
        chunk["chunk-count"],
        Math.floor(now / 1000) + INVENTORY_RECORD_RETENTION_SECONDS,
    );
    telemetry.metric("InventorySnapshotsReconciled", 1);
    if (corrected > 0) telemetry.metric("InventoryCorrections", corrected);
    if (repaired > 0) telemetry.metric("InventorySeatRepairs", repaired);
    telemetry.info("inventory snapshot reconciled", {
        snapshotId,
        account: chunk.account,
        region: chunk.region,
        asOf: chunk["as-of"],
        observed: observations.length,
        corrected,
        superseded,
        repaired,
        corrections,
        ...(followed.length > 0 ? { followed } : {}),
    });
    return { outcome: "reconciled", snapshotId, observed: observations.length, corrected, superseded, repaired, corrections, followed };
}

interface ObservationContext {
    account: string;
    region: string;
    config: AssignmentConfig;
    orderTime: string;
    eventId: string;
    now: number;
}

type Correction = "agreed" | "corrected" | "superseded" | "repaired";

/** What the inventory says an instance should hold: a start with its seats, or nothing. */
function desiredUpdate(ref: string, observed: InventoryInstance | undefined, context: ObservationContext): InstanceUpdate {
    const base = { ref, ec2EventTime: context.orderTime, ec2EventId: context.eventId };
    const userId = observed?.["user-id"];
    const products = productsOf(context.config, observed?.["workbench-type"]);
    // Pending is EC2's lag before running (#21 item 6): a snapshot taken seconds after a start must not release it.
    const running = observed?.["ec2-state"] === "running" || observed?.["ec2-state"] === "pending";
    if (running && isValidUserId(userId) && products) {
        return {
            ...base,
            orderKey: eventOrderKey(context.orderTime, "running", context.eventId, context.now),
            state: "started",
            userId,
            workbenchType: observed["workbench-type"],
            products,
            ec2State: "running",
            seatRefs: products.map((p) => seatRef(p, userId)),
        };
    }
    // Absent: terminated or no longer tagged. Pending or running without a valid owner and known type: no seat.
    const ec2State: Ec2State =
        observed === undefined ? "terminated" : observed["ec2-state"] === "pending" || observed["ec2-state"] === "running" ? "stopped" : observed["ec2-state"];
    return {
        ...base,
        orderKey: eventOrderKey(context.orderTime, ec2State, context.eventId, context.now),
        state: "stopped",
        products: [],
        ec2State,
        seatRefs: [],
        expiresAt: Math.floor(context.now / 1000) + context.config.tombstoneRetentionSeconds,
    };
}

function entitledSeats(item: InstanceState | undefined): Set<string> {
    const owner = item?.userId;
    return new Set(item?.state === "started" && owner !== undefined ? item.products.map((p) => seatRef(p, owner)) : []);
}

function sameSet(a: readonly string[], b: ReadonlySet<string>): boolean {
    return a.length === b.size && a.every((x) => b.has(x));
}

async function correctInstance(
    ref: string,
    observed: InventoryInstance | undefined,
    item: InstanceState | undefined,
    holdings: readonly string[],
    context: ObservationContext,
    ports: AssignmentPorts,
): Promise<{ outcome: Correction; state: "started" | "stopped"; seatsAdded: number; seatsReleased: number; followedEventId?: string }> {
    const desired = desiredUpdate(ref, observed, context);
    const agrees =
        desired.state === "started"
            ? item?.state === "started" && item.userId === desired.userId && item.workbenchType === desired.workbenchType
            : // Stopped and not running agree; an unknown instance the inventory saw gets a tombstone, so that a
              // late start from before the inventory cannot seat it afterwards.
              item !== undefined ? item.state === "stopped" : observed === undefined;
    let current = item;
    let outcome: Correction = "agreed";
    let seatsAdded = 0;
    let seatsReleased = 0;
    if (!agrees) {
        const result = await applyUpdate(desired, ports);
        current = result.current;
        outcome = result.applied ? "corrected" : "superseded";
        seatsAdded = result.added;
        seatsReleased = result.released;
    }
    if (!sameSet(holdings, entitledSeats(current))) {
        await repairSeats(ref, holdings, ports);
        if (outcome === "agreed") outcome = "repaired";
    }
    return { outcome, state: desired.state, seatsAdded, seatsReleased, ...(outcome === "superseded" ? { followedEventId: current?.ec2EventId } : {}) };
}

/**
 * Seat rows that name the instance without its item entitling it (a release that never happened), or an entitled
 * seat row missing: releases the strays, then lets reconcileSeats add what is missing and follow any concurrent
 * change of the item (it re-reads the item until it is stable, so a start racing with this repair keeps its seats).
 */
async function repairSeats(ref: string, holdings: readonly string[], ports: AssignmentPorts): Promise<void> {
    const item = await ports.readInstance(ref);
    const entitled = entitledSeats(item);
    await Promise.all(
        holdings
            .filter((h) => !entitled.has(h))
            .map((h) => {
                const { product, userId } = parseSeatRef(h);
                return ports.removeSeatHolder(product, userId, ref);
            }),
    );
    if (item) await reconcileSeats(item, ports);
}

function checkSnapshot(event: unknown, config: AssignmentConfig, now: number): InventorySnapshotDetail | string {
    if (typeof event !== "object" || event === null) return "event is not an object";
    const e = event as Record<string, unknown>;
    if (e.source !== WORKBENCH_EVENT_SOURCE || e["detail-type"] !== WORKBENCH_SNAPSHOT_DETAIL_TYPE) {
        return `not an inventory snapshot (source ${describeUntrusted(e.source)}, detail-type ${describeUntrusted(e["detail-type"])})`;
    }
    if (typeof e.account !== "string" || !ACCOUNT_ID_PATTERN.test(e.account)) return "envelope account is not an account id";
    if (config.allowedAccounts.size > 0 && !config.allowedAccounts.has(e.account)) {
        return `account ${e.account} is not an allowed workbench account`;
    }
    const problem = snapshotDetailProblem(e.detail);
    if (problem) return problem;
    const detail = e.detail as InventorySnapshotDetail;
    const origin = originProblem(e, detail);
    if (origin) return origin;
    const asOfMs = Date.parse(detail["as-of"]);
    if (asOfMs > now + config.maxClockSkewSeconds * 1000) return "as-of is in the future beyond the accepted clock skew";
    if (now - asOfMs >= config.tombstoneRetentionSeconds * 1000) {
        // Its starts could overtake stops whose tombstones have expired, as an old start event could.
        return "snapshot is older than the tombstone retention";
    }
    return detail;
}

/**
 * The snapshot's instances once every chunk is held; undefined while chunks are missing; a reason when the chunks
 * contradict each other (a snapshot id reused with another count or time is never treated as complete).
 */
function completeSnapshot(chunk: InventorySnapshotDetail, chunks: readonly InventorySnapshotDetail[]): InventoryInstance[] | undefined | string {
    for (const other of chunks) {
        if (other["chunk-count"] !== chunk["chunk-count"] || other["as-of"] !== chunk["as-of"]) {
            return `snapshot ${chunk["snapshot-id"]} has chunks that disagree on chunk-count or as-of`;
        }
    }
    const byIndex = new Map(chunks.map((c) => [c["chunk-index"], c]));
    if (byIndex.size < chunk["chunk-count"]) return undefined;
    return [...byIndex.values()].flatMap((c) => c.instances);
}
