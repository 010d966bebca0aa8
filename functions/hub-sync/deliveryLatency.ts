import type { SeatHolder } from "./seatSelection";

/**
 * Seconds from each newly seated user's workbench start (their seat row's firstAssignedAt, the EC2 event time) to
 * the delivery that put them on the license server: users on the delivered list whose claim is newer than the
 * product's previous delivery. Without a previous delivery (first sync, new product) nothing is measured: the
 * claims may predate the hub.
 */
export function deliveryLatencies(holders: readonly SeatHolder[], assigned: readonly string[], previousDeliveryAt: string | undefined, deliveredAtMs: number): number[] {
    const previous = previousDeliveryAt === undefined ? NaN : Date.parse(previousDeliveryAt);
    if (Number.isNaN(previous)) return [];
    const onList = new Set(assigned);
    return holders
        .filter((h) => onList.has(h.userId))
        .map((h) => Date.parse(h.firstAssignedAt))
        .filter((claimed) => claimed > previous && claimed <= deliveredAtMs)
        .map((claimed) => (deliveredAtMs - claimed) / 1000);
}
