import {
    ACCOUNT_ID_PATTERN,
    Ec2State,
    WORKBENCH_EVENT_DETAIL_TYPE,
    WORKBENCH_EVENT_SOURCE,
    WorkbenchEventDetail,
    WorkbenchState,
    isValidWorkbenchType,
    workbenchDetailProblem,
} from "../shared/workbenchEvent";
import { Telemetry, describeUntrusted } from "../shared/telemetry";
import { instanceRef, parseSeatRef, seatRef } from "../hub-shared/tableKeys";
import type { AssignmentConfig } from "../hub-shared/config";
import { eventOrderKey } from "./eventOrder";

/** What the instance item holds after an update: the state of the latest event applied for the instance. */
export interface InstanceState {
    ref: string;
    orderKey: string;
    state: WorkbenchState;
    /** Owner and type of the last start (a stop keeps them; an instance first seen stopped has none). */
    userId?: string;
    workbenchType?: string;
    products: string[];
    ec2EventTime: string;
    /** The EC2 event (or `inventory/<snapshot-id>`) that wrote this state; absent on items of earlier releases. */
    ec2EventId?: string;
    /** Every seat (`product#user`) this instance was ever entitled to while the item existed. */
    seatRefs: string[];
}

/**
 * One observation of an instance's state, ordered by `orderKey`: a workbench event, or what an inventory snapshot
 * saw. A start names the owner, type and products; a stop names none (it releases whatever the instance holds).
 */
export interface InstanceUpdate {
    ref: string;
    orderKey: string;
    state: WorkbenchState;
    userId?: string;
    workbenchType?: string;
    products: string[];
    ec2State: Ec2State;
    ec2EventTime: string;
    /** The EC2 event id, or `inventory/<snapshot-id>` for an inventory observation. */
    ec2EventId: string;
    /** Seats this event entitles the instance to (empty for a stop). */
    seatRefs: string[];
    /** TTL (epoch seconds) of a stopped instance's tombstone; undefined while running. */
    expiresAt?: number;
}

/** DynamoDB operations of the assignment; all throw on AWS errors so that Lambda retries the event. */
export interface AssignmentPorts {
    /**
     * Writes the update unless the stored item has a later order key (an equal key, the same event again, is
     * written again), and returns what is stored afterwards.
     */
    applyInstanceEvent(update: InstanceUpdate): Promise<{ applied: boolean; current: InstanceState }>;
    /** Strongly consistent read of an instance item; undefined once TTL removed it. */
    readInstance(ref: string): Promise<InstanceState | undefined>;
    /** Adds the instance to the (product, user) seat row, creating it; false when it was already there. */
    addSeatHolder(product: string, userId: string, ref: string, assignedAt: string): Promise<boolean>;
    /** Removes the instance from the seat row, deleting the row with its last holder; false when it was not there. */
    removeSeatHolder(product: string, userId: string, ref: string): Promise<boolean>;
}

export type AssignmentOutcome =
    | { outcome: "applied" | "superseded"; ref: string; state: WorkbenchState; seatsAdded: number; seatsReleased: number }
    | { outcome: "rejected"; reason: string };

/** Reason of an event stamped further ahead of the hub's clock than the accepted skew (a wrong clock or a forgery). */
const FUTURE_EVENT = "ec2-event-time lies in the future beyond the accepted clock skew";
const EARLIEST_EVENT_MS = Date.parse("2000-01-01T00:00:00Z");
/** Reconciliation passes before giving up (and letting Lambda retry) on an instance that keeps changing. */
const MAX_RECONCILE_PASSES = 8;

/**
 * Applies one workbench event to the hub table.
 *
 * The instance item orders the events of an instance (EventBridge neither deduplicates nor orders them): only the
 * latest event, by EC2 event time (counted no later than its arrival), is stored. Whether or not this event won,
 * the seat rows are then reconciled with what is stored now, so duplicates, reordering, retries and concurrent
 * invocations all converge to: the instance holds the seats of its latest event if that event started it, and none
 * otherwise.
 */
export async function assignSeats(
    event: unknown,
    config: AssignmentConfig,
    ports: AssignmentPorts,
    telemetry: Telemetry,
    now: number = Date.now(),
): Promise<AssignmentOutcome> {
    const checked = checkEvent(event, config, now);
    if (typeof checked === "string") {
        telemetry.metric("WorkbenchEventsRejected", 1);
        if (checked === FUTURE_EVENT) telemetry.metric("WorkbenchEventsFromFuture", 1);
        if (checked.startsWith(ORIGIN_MISMATCH)) telemetry.metric("WorkbenchEventsOriginMismatch", 1);
        telemetry.warn("workbench event rejected", { reason: checked, event: describeUntrusted(event, 400) });
        return { outcome: "rejected", reason: checked };
    }
    const { detail, products } = checked;
    const ref = instanceRef(detail.account, detail.region, detail["instance-id"]);
    const started = detail["workbench-state"] === "started";
    const update: InstanceUpdate = {
        ref,
        orderKey: eventOrderKey(detail["ec2-event-time"], detail["ec2-state"], detail["ec2-event-id"], now),
        state: detail["workbench-state"],
        ...(started ? { userId: detail["user-id"], workbenchType: detail["workbench-type"] } : {}),
        products,
        ec2State: detail["ec2-state"],
        ec2EventTime: detail["ec2-event-time"],
        ec2EventId: detail["ec2-event-id"],
        seatRefs: started ? products.map((p) => seatRef(p, detail["user-id"]!)) : [],
        expiresAt: started ? undefined : Math.floor(now / 1000) + config.tombstoneRetentionSeconds,
    };
    const { applied, current, added, released } = await applyUpdate(update, ports);

    telemetry.metric(applied ? "WorkbenchEventsApplied" : "WorkbenchEventsSuperseded", 1);
    if (added > 0) telemetry.metric("SeatHoldersAdded", added);
    if (released > 0) telemetry.metric("SeatHoldersReleased", released);
    telemetry.info(applied ? "workbench event applied" : "workbench event superseded by a later one", {
        instance: ref,
        eventState: detail["workbench-state"],
        storedState: current.state,
        userId: current.userId,
        products: current.state === "started" ? current.products : [],
        ec2EventId: detail["ec2-event-id"],
        seatsAdded: added,
        seatsReleased: released,
    });
    return { outcome: applied ? "applied" : "superseded", ref, state: current.state, seatsAdded: added, seatsReleased: released };
}

/**
 * Writes one observation of an instance through the ordered instance item, then makes the seat rows agree with
 * whatever the item holds afterwards (this observation, or a later one that won).
 */
export async function applyUpdate(update: InstanceUpdate, ports: AssignmentPorts): Promise<{ applied: boolean; current: InstanceState; added: number; released: number }> {
    const { applied, current } = await ports.applyInstanceEvent(update);
    const { added, released } = await reconcileSeats(current, ports);
    return { applied, current, added, released };
}

/**
 * Makes the seat rows agree with the instance's stored state: holder of its products' seats when started, of
 * none of the seats it ever had otherwise. Another invocation may change the instance in between, so after each
 * pass the item is read again and the pass repeated until the state it acted on is still the stored one; the last
 * writer to any seat row has then acted on the final state.
 */
export async function reconcileSeats(initial: InstanceState, ports: AssignmentPorts): Promise<{ added: number; released: number }> {
    let current = initial;
    let added = 0;
    let released = 0;
    for (let pass = 0; pass < MAX_RECONCILE_PASSES; pass++) {
        const owner = current.userId;
        const entitled = new Set(current.state === "started" && owner !== undefined ? current.products.map((p) => seatRef(p, owner)) : []);
        const toRelease = current.seatRefs.filter((r) => !entitled.has(r));
        await Promise.all([
            ...[...entitled].map(async (r) => {
                const { product, userId } = parseSeatRef(r);
                if (await ports.addSeatHolder(product, userId, current.ref, current.ec2EventTime)) added++;
            }),
            ...toRelease.map(async (r) => {
                const { product, userId } = parseSeatRef(r);
                if (await ports.removeSeatHolder(product, userId, current.ref)) released++;
            }),
        ]);
        const reread = await ports.readInstance(current.ref);
        if (reread === undefined || reread.orderKey === current.orderKey) {
            return { added, released };
        }
        current = reread;
    }
    throw new Error(`instance ${current.ref} kept changing during ${MAX_RECONCILE_PASSES} reconciliation passes; retrying the event`);
}

function checkEvent(event: unknown, config: AssignmentConfig, now: number): { detail: WorkbenchEventDetail; products: string[] } | string {
    if (typeof event !== "object" || event === null) return "event is not an object";
    const e = event as Record<string, unknown>;
    if (e.source !== WORKBENCH_EVENT_SOURCE || e["detail-type"] !== WORKBENCH_EVENT_DETAIL_TYPE) {
        return `not a workbench event (source ${describeUntrusted(e.source)}, detail-type ${describeUntrusted(e["detail-type"])})`;
    }
    if (typeof e.account !== "string" || !ACCOUNT_ID_PATTERN.test(e.account)) return "envelope account is not an account id";
    if (config.allowedAccounts.size > 0 && !config.allowedAccounts.has(e.account)) {
        return `account ${e.account} is not an allowed workbench account`;
    }
    const problem = workbenchDetailProblem(e.detail);
    if (problem) return problem;
    const detail = e.detail as WorkbenchEventDetail;
    const origin = originProblem(e, detail);
    if (origin) return origin;
    const eventMs = Date.parse(detail["ec2-event-time"]);
    if (eventMs < EARLIEST_EVENT_MS) return "ec2-event-time is before 2000";
    if (eventMs > now + config.maxClockSkewSeconds * 1000) return FUTURE_EVENT;
    if (detail["workbench-state"] === "stopped") {
        // A stop needs no owner or type: it releases whatever the instance holds, even when its tags are gone or its
        // type left the catalog. Owner and type it carries are information only.
        return { detail: { ...detail, "user-id": undefined, "workbench-type": undefined }, products: [] };
    }
    const products = productsOf(config, detail["workbench-type"]);
    if (!products) return `unknown workbench type ${describeUntrusted(detail["workbench-type"])}`;
    if (now - eventMs >= config.tombstoneRetentionSeconds * 1000) {
        // The stop that followed this start may already have expired from the table: applying it could resurrect a seat.
        return "start event is older than the tombstone retention; a later stop may already be forgotten";
    }
    return { detail, products };
}

/** Start of the reason for an event whose detail names another account or region than its envelope. */
export const ORIGIN_MISMATCH = "origin mismatch:";

/**
 * An account may only report its own instances, a region only its own: the envelope's account is set by EventBridge
 * from the sender, its region is the source's (a cross-region bus target keeps it); the detail is the sender's word.
 */
export function originProblem(envelope: Record<string, unknown>, detail: { account: string; region: string }): string | undefined {
    if (detail.account !== envelope.account) return `${ORIGIN_MISMATCH} detail.account ${detail.account} is not the sending account ${describeUntrusted(envelope.account)}`;
    if (detail.region !== envelope.region) return `${ORIGIN_MISMATCH} detail.region ${detail.region} is not the region the event was sent from (${describeUntrusted(envelope.region)})`;
    return undefined;
}

/** Products a workbench type carries, or undefined when the catalog does not know the type. */
export function productsOf(config: AssignmentConfig, workbenchType: unknown): string[] | undefined {
    if (!isValidWorkbenchType(workbenchType)) return undefined;
    return Object.prototype.hasOwnProperty.call(config.workbenchTypes, workbenchType) ? config.workbenchTypes[workbenchType] : undefined;
}
