import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { Telemetry } from "../shared/telemetry";
import { parseSeatRowKey } from "../hub-shared/tableKeys";

export interface ChangeMarkerPorts {
    /** Overwrites the change marker with `value`; resolves to the parameter's new version. */
    markChanged(value: string): Promise<number>;
    /** Tells the sync to run now (absent when the hub only syncs on its schedule); throws when the bus refused. */
    announceChange?(markerVersion: number, seatChanges: number): Promise<void>;
}

/**
 * Stream handler: a seat row appeared (INSERT) or disappeared (REMOVE), so some product's user list changed.
 * It writes the change time to the marker parameter, once per batch. The sync compares the parameter's version,
 * which every write increases, so no change is lost to clock skew or to a sync running at the same moment.
 *
 * Records the event source mapping should have filtered out (other items, MODIFY) are counted and skipped. When
 * the write fails, the batch reports its first seat record as failed, so Lambda retries from there.
 *
 * With a sync trigger, the marker then announces the change so the sync runs at once. The marker is what the sync
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

    for (const record of seatChanges) {
        const seat = parseSeatRowKey(record.dynamodb?.Keys?.pk?.S, record.dynamodb?.Keys?.sk?.S)!;
        telemetry.info(record.eventName === "INSERT" ? "seat assigned" : "seat released", { product: seat.product, userId: seat.userId });
    }
    try {
        const version = await ports.markChanged(now().toISOString());
        telemetry.metric("SeatRowChanges", seatChanges.length);
        telemetry.info("change marker written", { version, changes: seatChanges.length });
        if (ports.announceChange) await announce(ports.announceChange, version, seatChanges.length, telemetry);
        return { batchItemFailures: [] };
    } catch (err) {
        const first = seatChanges[0].dynamodb?.SequenceNumber;
        telemetry.metric("ChangeMarkerFailures", 1);
        telemetry.error("change marker not written; the batch will be retried", { error: String(err), firstSequenceNumber: first });
        if (!first) throw err;
        return { batchItemFailures: [{ itemIdentifier: first }] };
    }
}

async function announce(send: NonNullable<ChangeMarkerPorts["announceChange"]>, version: number, changes: number, telemetry: Telemetry): Promise<void> {
    try {
        await send(version, changes);
        telemetry.metric("SyncTriggered", 1);
    } catch (err) {
        telemetry.metric("SyncTriggerFailures", 1);
        telemetry.warn("sync not triggered; the next scheduled sync picks the change up", { version, error: String(err) });
    }
}

function isSeatRowChange(record: DynamoDBRecord): boolean {
    if (record?.eventName !== "INSERT" && record?.eventName !== "REMOVE") return false;
    return parseSeatRowKey(record.dynamodb?.Keys?.pk?.S, record.dynamodb?.Keys?.sk?.S) !== undefined;
}
