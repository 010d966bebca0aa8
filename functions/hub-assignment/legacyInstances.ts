/**
 * Upgrading a table from releases before 0.2.0, whose instance items had a partition each (pk
 * `INSTANCE#<account>/<region>/<instance-id>`, sk `STATE`): the first reconciliation after the upgrade moves every such
 * item into its account-region's partition (tableKeys.ts), merged with an item the new release may already have
 * written for the same instance (a stop applied before the move keeps the seats the old item recorded, so they are
 * released), and then marks the table as moved. One Scan per table, ever; afterwards one cached read of the marker.
 */
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mapWithConcurrency } from "../shared/concurrency";
import { INSTANCE_PARTITION_PREFIX, LEGACY_INSTANCE_SORT_KEY, LAYOUT_MARKER_KEY, instanceItemKey, legacyInstanceItemKey } from "../hub-shared/tableKeys";
import { unlessConditionFails } from "./awsPorts";

/** Legacy items moved at once. */
const MOVE_CONCURRENCY = 8;
/** Optimistic rounds when the new item keeps changing while a newer legacy state is merged into it. */
const MAX_MERGE_ROUNDS = 8;

export function legacyInstanceAdoption(db: DynamoDBDocumentClient, tableName: string): () => Promise<number> {
    let done = false;
    return async () => {
        if (done) return 0;
        const { Item: marker } = await db.send(new GetCommand({ TableName: tableName, Key: LAYOUT_MARKER_KEY, ConsistentRead: true }));
        if (marker) {
            done = true;
            return 0;
        }
        let moved = 0;
        let ExclusiveStartKey: Record<string, unknown> | undefined;
        do {
            const page = await db.send(
                new ScanCommand({
                    TableName: tableName,
                    FilterExpression: "begins_with(pk, :instances) AND sk = :legacy",
                    ExpressionAttributeValues: { ":instances": INSTANCE_PARTITION_PREFIX, ":legacy": LEGACY_INSTANCE_SORT_KEY },
                    ConsistentRead: true,
                    ExclusiveStartKey,
                }),
            );
            await mapWithConcurrency(page.Items ?? [], MOVE_CONCURRENCY, (item) => moveLegacyItem(db, tableName, item));
            moved += page.Items?.length ?? 0;
            ExclusiveStartKey = page.LastEvaluatedKey;
        } while (ExclusiveStartKey);
        await db.send(new PutCommand({ TableName: tableName, Item: { ...LAYOUT_MARKER_KEY, instanceItemsMovedAt: new Date().toISOString(), moved } }));
        done = true;
        return moved;
    };
}

/** Moves one legacy item into its account-region's partition, merged with what is there, then deletes it. */
async function moveLegacyItem(db: DynamoDBDocumentClient, tableName: string, item: Record<string, unknown>): Promise<void> {
    const ref = String(item.pk).slice(INSTANCE_PARTITION_PREFIX.length);
    const { pk: _pk, sk: _sk, ...legacy } = item;
    const key = instanceItemKey(ref);
    for (let round = 0; ; round++) {
        if (round === MAX_MERGE_ROUNDS) throw new Error(`instance ${ref} kept changing while its earlier item was merged; retrying`);
        const { Item: current } = await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
        if (!current || String(legacy.orderKey) > String(current.orderKey)) {
            // The legacy state is the latest: it becomes the item, with every seat either ever recorded.
            const seatRefs = new Set([...setOf(legacy.seatRefs), ...setOf(current?.seatRefs)]);
            const merged = { ...key, ...legacy, ...(seatRefs.size > 0 ? { seatRefs } : {}) };
            if (await unlessConditionFails(() => db.send(new PutCommand({
                TableName: tableName,
                Item: merged,
                ConditionExpression: current ? "orderKey = :seen" : "attribute_not_exists(pk)",
                ...(current ? { ExpressionAttributeValues: { ":seen": current.orderKey } } : {}),
            })))) break;
            continue;
        }
        // The new item is later: it keeps its state and learns the seats the legacy item recorded (so they are released).
        if (setOf(legacy.seatRefs).size === 0) break;
        const added = await unlessConditionFails(() => db.send(new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: "ADD seatRefs :refs",
            // Not onto an item TTL removed in between (that would leave a stateless item): read it again instead.
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":refs": setOf(legacy.seatRefs) },
        })));
        if (added) break;
    }
    await db.send(new DeleteCommand({ TableName: tableName, Key: legacyInstanceItemKey(ref) }));
}

function setOf(value: unknown): Set<string> {
    return value instanceof Set ? (value as Set<string>) : new Set();
}
