import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { Telemetry } from "../shared/telemetry";
import { parseSeatRowKey } from "../hub-shared/tableKeys";

export interface ChangeMarkerPorts {
    /** Adds each product's count of seat changes to its change mark (one write per product). */
    markChanged(changes: ReadonlyMap<string, number>, at: Date): Promise<void>;
    /** Tells the sync to run now (absent when the hub only syncs on its schedule); throws when the bus refused. */
    announceChange?(products: number, seatChanges: number): Promise<void>;
}

/**
 * Stream handler: seat rows appeared (INSERT) or disappeared (REMOVE), so those products' user lists changed. It
 * marks each changed product once per batch (an item per product whose counter it adds to: the sync delivers the
 * marked products and clears a mark only if no change was counted after it read the seat rows), so the sync reads
 * the seat rows of changed products only, and no change is lost to a sync running at the same moment.
 *
 * Records the event source mapping should have filtered out (other items, MODIFY) are counted and skipped. When a
 * write fails, the batch reports its first seat record as failed, so Lambda retries from there (marking again only
 * counts twice: harmless).
 *
 * With a sync trigger, the marker then announces the change so the sync runs at once. The marks are what the sync
 * trusts: an announcement that fails is logged and counted, not retried, and the next scheduled tick syncs anyway.
 */
export async function markSeatChanges(
    event: DynamoDBStreamEvent,
    ports: ChangeMarkerPorts,
    telemetry: Telemetry,
    now: () => Date = () => new Date(),
): Promise<DynamoDBBatchResponse> {
    const records = Array.isArray(event?.Records) ? event.Records : [];
    const seatChanges = records.filter(isSeatRowChange);
    const skipped = records.length - seatChanges.length;
    if (skipped > 0) {
        telemetry.metric("StreamRecordsSkipped", skipped);
        telemetry.warn("stream records that are not seat INSERT/REMOVE skipped; check the event source mapping filter", { skipped });
    }
    if (seatChanges.length === 0) return { batchItemFailures: [] };

    const changes = new Map<string, number>();
    for (const record of seatChanges) {
        const seat = parseSeatRowKey(record.dynamodb?.Keys?.pk?.S, record.dynamodb?.Keys?.sk?.S)!;
        changes.set(seat.product, (changes.get(seat.product) ?? 0) + 1);
        telemetry.info(record.eventName === "INSERT" ? "seat assigned" : "seat released", { product: seat.product, userId: seat.userId });
    }
    try {
        await ports.markChanged(changes, now());
        telemetry.metric("SeatRowChanges", seatChanges.length);
        telemetry.info("products marked as changed", { products: [...changes.keys()].sort(), changes: seatChanges.length });
        if (ports.announceChange) await announce(ports.announceChange, changes.size, seatChanges.length, telemetry);
        return { batchItemFailures: [] };
    } catch (err) {
        const first = seatChanges[0].dynamodb?.SequenceNumber;
        telemetry.metric("ChangeMarkerFailures", 1);
        telemetry.error("change marks not written; the batch will be retried", { error: String(err), firstSequenceNumber: first });
        if (!first) throw err;
        return { batchItemFailures: [{ itemIdentifier: first }] };
    }
}

async function announce(send: NonNullable<ChangeMarkerPorts["announceChange"]>, products: number, changes: number, telemetry: Telemetry): Promise<void> {
    try {
        await send(products, changes);
        telemetry.metric("SyncTriggered", 1);
    } catch (err) {
        telemetry.metric("SyncTriggerFailures", 1);
        telemetry.warn("sync not triggered; the next scheduled sync picks the change up", { products, error: String(err) });
    }
}

function isSeatRowChange(record: DynamoDBRecord): boolean {
    if (record?.eventName !== "INSERT" && record?.eventName !== "REMOVE") return false;
    return parseSeatRowKey(record.dynamodb?.Keys?.pk?.S, record.dynamodb?.Keys?.sk?.S) !== undefined;
}
