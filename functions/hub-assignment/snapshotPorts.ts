import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { InventorySnapshotDetail } from "../shared/inventorySnapshot";
import {
    TTL_ATTRIBUTE,
    TableKey,
    accountRegionPrefix,
    instancePartition,
    inventoryRecordKey,
    parseSeatRef,
    seatRef,
    seatRowKey,
    snapshotChunkKey,
    snapshotPartition,
} from "../hub-shared/tableKeys";
import { isConditionFailure, toInstanceState } from "./awsPorts";
import { legacyInstanceAdoption } from "./legacyInstances";
import type { HeldState, SnapshotPorts } from "./snapshot";
import { queryPartition, toInventoryRecord } from "../hub-shared/inventoryRecords";

/** BatchGetItem reads at most 100 keys per call, BatchWriteItem writes at most 25 items. */
const BATCH_GET_KEYS = 100;
const BATCH_WRITE_ITEMS = 25;
/** Rounds of unprocessed keys (throttling) retried before the invocation fails and Lambda retries it. */
const MAX_BATCH_ROUNDS = 8;

/**
 * The reconciliation's ports on DynamoDB. Every read is of the snapshot's own account-region: its chunks (their
 * snapshot's partition), its instance items (their account-region's partition, one Query), the seat rows those
 * items' seatRefs name (BatchGetItem) and its last-snapshot record; nothing scans the table, so a snapshot costs the
 * same whatever the estate (bench/reconciliation-cost.ts measures it). The one exception is the adoption of an
 * earlier release's instance items, once per table (legacyInstances.ts).
 */
export function dynamoSnapshotPorts(db: DynamoDBDocumentClient, tableName: string): SnapshotPorts {
    return {
        async storeChunk(chunk, expiresAt) {
            try {
                await db.send(
                    new PutCommand({
                        TableName: tableName,
                        Item: { ...snapshotChunkKey(chunk.account, chunk.region, chunk["snapshot-id"], chunk["chunk-index"]), chunk, [TTL_ATTRIBUTE]: expiresAt },
                        // The first copy stays: a redelivery is the same chunk, and a different one must not replace it.
                        ConditionExpression: "attribute_not_exists(pk)",
                    }),
                );
            } catch (err) {
                if (!isConditionFailure(err)) throw err;
            }
        },

        async readChunks(account, region, snapshotId) {
            const items = await queryPartition(db, tableName, snapshotPartition(account, region, snapshotId));
            return items.map((item) => item.chunk as InventorySnapshotDetail);
        },

        async heldState(account, region) {
            const prefix = accountRegionPrefix(account, region);
            const held: HeldState = { instances: new Map(), seatHoldings: new Map() };
            for (const item of await queryPartition(db, tableName, instancePartition(account, region))) {
                const ref = `${prefix}${String(item.sk)}`;
                held.instances.set(ref, toInstanceState(ref, item));
            }
            // Seat rows can name an instance only for a seat in its seatRefs: read exactly those rows.
            const seatRefs = [...new Set([...held.instances.values()].flatMap((i) => i.seatRefs))];
            const rows = await batchGet(db, tableName, seatRefs.map((r) => { const { product, userId } = parseSeatRef(r); return seatRowKey(product, userId); }));
            for (const row of rows) {
                const seat = seatRef(String(row.product), String(row.userId));
                for (const ref of (row.instances as Set<string> | undefined) ?? []) {
                    if (held.instances.has(ref)) held.seatHoldings.set(ref, [...(held.seatHoldings.get(ref) ?? []), seat]);
                }
            }
            return held;
        },

        async lastSnapshot(account, region) {
            const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: inventoryRecordKey(account, region), ConsistentRead: true }));
            return Item ? toInventoryRecord(Item) : undefined;
        },

        async completeSnapshot(record, chunkCount, expiresAt) {
            try {
                await db.send(
                    new PutCommand({
                        TableName: tableName,
                        Item: { ...inventoryRecordKey(record.account, record.region), ...record, [TTL_ATTRIBUTE]: expiresAt },
                        // Snapshots of one account-region may complete out of order: the record keeps the latest.
                        ConditionExpression: "attribute_not_exists(pk) OR asOf <= :asOf",
                        ExpressionAttributeValues: { ":asOf": record.asOf },
                    }),
                );
            } catch (err) {
                if (!isConditionFailure(err)) throw err;
            }
            const chunkKeys = Array.from({ length: chunkCount }, (_, i) => snapshotChunkKey(record.account, record.region, record.snapshotId, i));
            await batchDelete(db, tableName, chunkKeys);
        },

        adoptLegacyInstances: legacyInstanceAdoption(db, tableName),
    };
}

/** The items with these keys that exist, strongly consistent; unprocessed keys (throttling) are asked for again. */
async function batchGet(db: DynamoDBDocumentClient, tableName: string, keys: TableKey[]): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
        let pending: Record<string, unknown>[] = keys.slice(start, start + BATCH_GET_KEYS).map((k) => ({ ...k }));
        for (let round = 0; pending.length > 0; round++) {
            if (round === MAX_BATCH_ROUNDS) throw new Error(`${pending.length} seat rows stayed unprocessed after ${MAX_BATCH_ROUNDS} rounds; retrying`);
            const result = await db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }));
            found.push(...(result.Responses?.[tableName] ?? []));
            pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
        }
    }
    return found;
}

/** Deletes these items (absent ones are no error); unprocessed ones (throttling) are sent again. */
export async function batchDelete(db: DynamoDBDocumentClient, tableName: string, keys: TableKey[]): Promise<void> {
    for (let start = 0; start < keys.length; start += BATCH_WRITE_ITEMS) {
        let pending = keys.slice(start, start + BATCH_WRITE_ITEMS).map((Key) => ({ DeleteRequest: { Key } }));
        for (let round = 0; pending.length > 0; round++) {
            if (round === MAX_BATCH_ROUNDS) throw new Error(`${pending.length} deletions stayed unprocessed after ${MAX_BATCH_ROUNDS} rounds; retrying`);
            const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
            pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
        }
    }
}
