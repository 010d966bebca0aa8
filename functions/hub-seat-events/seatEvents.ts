import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { SeatHolder, selectSeatHolders } from "../hub-sync/seatSelection";
import { parseSeatRowKey } from "../hub-shared/tableKeys";
import type { Telemetry } from "../shared/telemetry";
import { SEAT_DENIED, SEAT_GRANTED, SeatEvent, SeatEventDetail, SeatEventDetailType, seatDecisionId } from "./seatEventContract";

/** One seat row created (a user asked for a product's seat) or deleted (the user's last workbench with it stopped). */
export interface SeatRowChange {
    change: "created" | "deleted";
    product: string;
    userId: string;
    /** The row's `firstAssignedAt` (from the stream image): the user's place in the queue. */
    firstAssignedAt: string;
}

export interface SeatEventPorts {
    /** The seats the organisation owns for a product (undefined: unlimited, or a product the catalog no longer has). */
    seatsOf(product: string): Promise<number | undefined>;
    /** Every seat row of the product as stored now (consistent read). */
    seatHolders(product: string): Promise<SeatHolder[]>;
    /** Puts the events on the hub bus; throws when any entry was refused. */
    publish(events: SeatEvent[]): Promise<void>;
}

export interface SeatEventsOutcome {
    events: SeatEvent[];
}

/**
 * Stream handler: after seat rows were created or deleted, which users of a product with a seat limit were just
 * denied a seat, and which waiting users' seats just became theirs. The product's rows as stored now are the state
 * after; the state before is those rows with this batch's changes undone (the stream's images carry each row's
 * `firstAssignedAt`). Both go through `selectSeatHolders`, the rule the sync applies, so an event says what the
 * next sync will install. A created row denied now is `Seat Denied`; a user denied before and seated now is
 * `Seat Granted`.
 *
 * At least once: a failed batch is retried whole, so an event may be sent twice, with the same `decision-id` (the
 * consumer keeps the ids it acted on); a row changed again after the batch was written is already in the state read
 * (a user may be told at the next batch instead). Nothing decides seats from these events.
 */
export async function announceSeatEvents(event: DynamoDBStreamEvent, ports: SeatEventPorts, telemetry: Telemetry): Promise<SeatEventsOutcome> {
    const changes = (Array.isArray(event?.Records) ? event.Records : []).map(seatRowChange).filter((c): c is SeatRowChange => c !== undefined);
    const events: SeatEvent[] = [];
    for (const product of [...new Set(changes.map((c) => c.product))].sort()) {
        const seats = await ports.seatsOf(product);
        if (seats === undefined) continue; // no limit: nobody waits
        events.push(...seatEventsOf(product, seats, changes.filter((c) => c.product === product), await ports.seatHolders(product)));
    }
    if (events.length > 0) {
        await ports.publish(events);
        for (const e of events) telemetry.info(e.detailType === SEAT_DENIED ? "seat denied" : "seat granted", { ...e.detail });
        telemetry.metric("SeatDeniedEvents", events.filter((e) => e.detailType === SEAT_DENIED).length);
        telemetry.metric("SeatGrantedEvents", events.filter((e) => e.detailType === SEAT_GRANTED).length);
    }
    return { events };
}

/** The events one product's changes cause, given its rows after them. Pure. */
export function seatEventsOf(product: string, seats: number, changes: readonly SeatRowChange[], after: readonly SeatHolder[]): SeatEvent[] {
    const before = new Map(after.map((h) => [h.userId, h]));
    for (const c of [...changes].reverse()) {
        if (c.change === "created") before.delete(c.userId);
        else before.set(c.userId, { userId: c.userId, firstAssignedAt: c.firstAssignedAt });
    }
    const was = selectSeatHolders([...before.values()], seats);
    const now = selectSeatHolders(after, seats);
    const since = new Map(after.map((h) => [h.userId, h.firstAssignedAt]));
    const created = new Set(changes.filter((c) => c.change === "created").map((c) => c.userId));
    const event = (detailType: SeatEventDetailType, userId: string, position: number): SeatEvent => {
        const waitingSince = since.get(userId) ?? "";
        const detail: SeatEventDetail = {
            "schema-version": "1",
            "decision-id": seatDecisionId(detailType, product, userId, waitingSince),
            "user-id": userId,
            product,
            seats,
            "queue-position": position,
            "queue-length": now.denied.length,
            "waiting-since": waitingSince,
        };
        return { detailType, detail };
    };
    const denied = now.denied.flatMap((userId, index) => (created.has(userId) && !before.has(userId) ? [event(SEAT_DENIED, userId, index + 1)] : []));
    const granted = now.assigned.flatMap((userId) => (was.denied.includes(userId) ? [event(SEAT_GRANTED, userId, was.denied.indexOf(userId) + 1)] : []));
    return [...granted, ...denied];
}

function seatRowChange(record: DynamoDBRecord): SeatRowChange | undefined {
    if (record?.eventName !== "INSERT" && record?.eventName !== "REMOVE") return undefined;
    const seat = parseSeatRowKey(record.dynamodb?.Keys?.pk?.S, record.dynamodb?.Keys?.sk?.S);
    if (!seat) return undefined;
    const image = record.eventName === "INSERT" ? record.dynamodb?.NewImage : record.dynamodb?.OldImage;
    return { change: record.eventName === "INSERT" ? "created" : "deleted", ...seat, firstAssignedAt: image?.firstAssignedAt?.S ?? "" };
}
