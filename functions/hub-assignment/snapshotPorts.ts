import { DynamoDBDocumentClient, PutCommand, QueryCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { InventorySnapshotDetail } from "../shared/inventorySnapshot";
import {
    INSTANCE_PARTITION_PREFIX,
    SEAT_PARTITION_PREFIX,
    TTL_ATTRIBUTE,
    accountRegionPrefix,
    parseSeatRowKey,
    seatRef,
    snapshotChunkKey,
    snapshotPartition,
} from "../hub-shared/tableKeys";
import { isConditionFailure, toInstanceState } from "./awsPorts";
import type { HeldState, SnapshotPorts } from "./snapshot";

/**
 * The reconciliation's ports on DynamoDB. Chunks are items of their own snapshot's partition (a Query reads them
 * all); the held state is one filtered Scan of the instance items and seat rows, which have no common partition:
 * a table of a few thousand items is read in a few pages per snapshot, cheaper than keeping an index written on
 * every event.
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
            const chunks: InventorySnapshotDetail[] = [];
            let ExclusiveStartKey: Record<string, unknown> | undefined;
            do {
                const page = await db.send(
                    new QueryCommand({
                        TableName: tableName,
                        KeyConditionExpression: "pk = :pk",
                        ExpressionAttributeValues: { ":pk": snapshotPartition(account, region, snapshotId) },
                        ConsistentRead: true,
                        ExclusiveStartKey,
                    }),
                );
                for (const item of page.Items ?? []) chunks.push(item.chunk as InventorySnapshotDetail);
                ExclusiveStartKey = page.LastEvaluatedKey;
            } while (ExclusiveStartKey);
            return chunks;
        },

        async heldState(account, region) {
            const refPrefix = accountRegionPrefix(account, region);
            const held: HeldState = { instances: new Map(), seatHoldings: new Map() };
            let ExclusiveStartKey: Record<string, unknown> | undefined;
            do {
                const page = await db.send(
                    new ScanCommand({
                        TableName: tableName,
                        FilterExpression: "begins_with(pk, :instances) OR begins_with(pk, :seats)",
                        ExpressionAttributeValues: { ":instances": `${INSTANCE_PARTITION_PREFIX}${refPrefix}`, ":seats": SEAT_PARTITION_PREFIX },
                        ConsistentRead: true,
                        ExclusiveStartKey,
                    }),
                );
                for (const item of page.Items ?? []) {
                    const pk = String(item.pk);
                    if (pk.startsWith(INSTANCE_PARTITION_PREFIX)) {
                        const ref = pk.slice(INSTANCE_PARTITION_PREFIX.length);
                        held.instances.set(ref, toInstanceState(ref, item));
                        continue;
                    }
                    const seat = parseSeatRowKey(item.pk, item.sk);
                    if (!seat) continue;
                    for (const ref of (item.instances as Set<string> | undefined) ?? []) {
                        if (!ref.startsWith(refPrefix)) continue;
                        const list = held.seatHoldings.get(ref) ?? [];
                        list.push(seatRef(seat.product, seat.userId));
                        held.seatHoldings.set(ref, list);
                    }
                }
                ExclusiveStartKey = page.LastEvaluatedKey;
            } while (ExclusiveStartKey);
            return held;
        },
    };
}
