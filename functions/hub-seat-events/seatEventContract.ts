import { createHash } from "node:crypto";

/**
 * The events the hub puts on its own bus for people: a user denied a seat because every owned seat is taken, and a
 * waiting user whose seat became theirs. A platform routes them to chat or e-mail with a rule on the hub bus
 * (docs/seat-events.md). The contract grows only compatibly within `schema-version` 1.
 *
 *   source       "licensing.hub"
 *   detail-type  "Seat Denied" | "Seat Granted"
 *   detail       { "schema-version": "1", "decision-id", "user-id", "product", "seats": <owned>,
 *                  "queue-position": <1 = next>, "queue-length": <users waiting>,
 *                  "waiting-since": <the user's seat request, ISO 8601> }
 *
 * `decision-id` is the same for every delivery of one decision (a retried stream batch, EventBridge's at-least-once
 * delivery) and differs between decisions: a consumer that must tell a person once keeps the ids it has acted on.
 *
 * For "Seat Denied", the position the user now has in the product's queue; for "Seat Granted", the position the
 * user had just before the seat became theirs (and `queue-length` the queue left behind).
 */
export const SEAT_EVENT_SOURCE = "licensing.hub";
export const SEAT_DENIED = "Seat Denied";
export const SEAT_GRANTED = "Seat Granted";
export const SEAT_EVENT_DETAIL_TYPES = [SEAT_DENIED, SEAT_GRANTED] as const;
export type SeatEventDetailType = (typeof SEAT_EVENT_DETAIL_TYPES)[number];

export interface SeatEventDetail {
    "schema-version": "1";
    /** Stable per decision: sha256 of detail-type, product, user id and waiting-since (hex, 32 characters). */
    "decision-id": string;
    "user-id": string;
    product: string;
    seats: number;
    "queue-position": number;
    "queue-length": number;
    "waiting-since": string;
}

export interface SeatEvent {
    detailType: SeatEventDetailType;
    detail: SeatEventDetail;
}

/**
 * One id per decision, whatever the delivery: a user is denied once per seat request (`waiting-since`), and granted
 * once per seat request. The EventBridge envelope's `id` differs on every PutEvents, so it cannot serve.
 */
export function seatDecisionId(detailType: SeatEventDetailType, product: string, userId: string, waitingSince: string): string {
    return createHash("sha256").update(JSON.stringify([detailType, product, userId, waitingSince])).digest("hex").slice(0, 32);
}

/** EventBridge's limit for one PutEvents entry (and for a whole request): 256 KB. */
export const EVENT_ENTRY_LIMIT_BYTES = 256 * 1024;

/**
 * Size of one PutEvents entry as EventBridge counts it: the UTF-8 bytes of Source, DetailType, Detail and each
 * resource (Time counts 14 bytes when set; not set here).
 */
export function entrySizeBytes(event: SeatEvent): number {
    return Buffer.byteLength(SEAT_EVENT_SOURCE) + Buffer.byteLength(event.detailType) + Buffer.byteLength(JSON.stringify(event.detail));
}
