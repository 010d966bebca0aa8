import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand, paginateQuery } from "@aws-sdk/lib-dynamodb";
import type { QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import {
    CHANGE_MARK_PARTITION,
    DELIVERY_SORT_PREFIX,
    PARTITION_KEY,
    SEAT_SORT_PREFIX,
    SERVER_SORT_PREFIX,
    SORT_KEY,
    SYNC_CHECKS_KEY,
    SYNC_GENERATION_KEY,
    SYNC_PARTITION,
    changeMarkKey,
    deliveryKey,
    seatPartition,
    serverKey,
} from "../hub-shared/tableKeys";
import { CHANGE_COUNT_ATTRIBUTE, markChangedUpdate } from "../hub-shared/changeMarks";
import { mapWithConcurrency } from "../shared/concurrency";
import { nextGeneration } from "./generation";
import type { SeatHolder } from "./seatSelection";
import type { DeliveredList, ServerState, SyncPorts } from "./ports";

export interface TablePortOptions {
    /** Query page size; default: DynamoDB's 1 MB pages. */
    queryPageSize?: number;
}

export type SyncTablePorts = Omit<SyncPorts, "publishBundle" | "sendBundle" | "commandOutcome">;

const isConditionFailure = (err: unknown) => (err as { name?: string }).name === "ConditionalCheckFailedException";

/**
 * The sync's items in the hub table: every read and write names one partition (SEAT#<product>, SYNC or CHANGED), so
 * the function's role is scoped by dynamodb:LeadingKeys; no item grows with the number of products.
 */
export function dynamoSyncTablePorts(db: DynamoDBDocumentClient, tableName: string, options: TablePortOptions = {}): SyncTablePorts {
    const query = async (input: Omit<QueryCommandInput, "TableName">): Promise<Record<string, any>[]> => {
        const items: Record<string, any>[] = [];
        for await (const page of paginateQuery({ client: db, pageSize: options.queryPageSize }, { TableName: tableName, ...input })) items.push(...(page.Items ?? []));
        return items;
    };
    const syncItems = (prefix: string) =>
        query({
            KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
            ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#sk": SORT_KEY },
            ExpressionAttributeValues: { ":pk": SYNC_PARTITION, ":prefix": prefix },
            ConsistentRead: true,
        });

    return {
        async claimGeneration(holder, leaseUntil) {
            const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: { ...SYNC_GENERATION_KEY }, ConsistentRead: true }));
            const now = Date.now();
            if (Item && typeof Item.holder === "string" && Number(Item.leaseUntil ?? 0) > now) return undefined;
            const last = Item ? Number(Item.generation ?? 0) : undefined;
            const claim = { generation: nextGeneration(last ?? 0, now), holder, leaseUntil };
            try {
                await db.send(
                    new PutCommand({
                        TableName: tableName,
                        Item: { ...SYNC_GENERATION_KEY, ...claim },
                        // The generation identifies the last write: unchanged means nobody claimed since the read.
                        ConditionExpression: last === undefined ? "attribute_not_exists(#pk)" : "#generation = :last",
                        ExpressionAttributeNames: last === undefined ? { "#pk": PARTITION_KEY } : { "#generation": "generation" },
                        ExpressionAttributeValues: last === undefined ? undefined : { ":last": last },
                    }),
                );
                return claim;
            } catch (err) {
                if (isConditionFailure(err)) return undefined;
                throw err;
            }
        },

        async releaseGeneration(claim, floor) {
            try {
                await db.send(
                    new PutCommand({
                        TableName: tableName,
                        Item: { ...SYNC_GENERATION_KEY, generation: Math.max(claim.generation, floor) },
                        ConditionExpression: "#generation = :mine AND #holder = :holder",
                        ExpressionAttributeNames: { "#generation": "generation", "#holder": "holder" },
                        ExpressionAttributeValues: { ":mine": claim.generation, ":holder": claim.holder },
                    }),
                );
            } catch (err) {
                // Our lease ran out and another sync claimed a newer generation: nothing of ours left to release.
                if (!isConditionFailure(err)) throw err;
            }
        },

        async changeMarks() {
            const items = await query({
                KeyConditionExpression: "#pk = :pk",
                ExpressionAttributeNames: { "#pk": PARTITION_KEY },
                ExpressionAttributeValues: { ":pk": CHANGE_MARK_PARTITION },
                ConsistentRead: true,
            });
            return items.map((item) => ({ product: String(item[SORT_KEY]), changes: Number(item[CHANGE_COUNT_ATTRIBUTE] ?? 0) }));
        },

        async markChanged(products) {
            const at = new Date().toISOString();
            await mapWithConcurrency(products, 8, (product) => db.send(new UpdateCommand(markChangedUpdate(tableName, product, 1, at))));
        },

        async clearChangeMark(mark) {
            try {
                await db.send(
                    new DeleteCommand({
                        TableName: tableName,
                        Key: changeMarkKey(mark.product),
                        ConditionExpression: "#changes = :changes",
                        ExpressionAttributeNames: { "#changes": CHANGE_COUNT_ATTRIBUTE },
                        ExpressionAttributeValues: { ":changes": mark.changes },
                    }),
                );
                return true;
            } catch (err) {
                if (isConditionFailure(err)) return false;
                throw err;
            }
        },

        async readDeliveries() {
            const deliveries = new Map<string, DeliveredList>();
            for (const item of await syncItems(DELIVERY_SORT_PREFIX)) {
                const { pk: _pk, sk, ...delivered } = item;
                deliveries.set(String(sk).slice(DELIVERY_SORT_PREFIX.length), delivered as DeliveredList);
            }
            return deliveries;
        },

        async recordDelivery(product, delivered) {
            try {
                await db.send(
                    new PutCommand({
                        TableName: tableName,
                        Item: { ...deliveryKey(product), ...delivered },
                        ConditionExpression: "attribute_not_exists(#pk) OR #generation < :generation",
                        ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#generation": "generation" },
                        ExpressionAttributeValues: { ":generation": delivered.generation },
                    }),
                );
            } catch (err) {
                // A newer delivery of the product is recorded already: it stays.
                if (!isConditionFailure(err)) throw err;
            }
        },

        async readServers() {
            const servers = new Map<string, ServerState>();
            for (const item of await syncItems(SERVER_SORT_PREFIX)) {
                servers.set(String(item.sk).slice(SERVER_SORT_PREFIX.length), {
                    failures: Number(item.failures ?? 0),
                    ...(item.lastCommandAt !== undefined ? { lastCommandAt: Number(item.lastCommandAt) } : {}),
                    ...(item.roundTripMs !== undefined ? { roundTripMs: Number(item.roundTripMs) } : {}),
                    ...(item.retryAfter !== undefined ? { retryAfter: Number(item.retryAfter) } : {}),
                });
            }
            return servers;
        },

        async writeServer(instanceId, state) {
            await db.send(new PutCommand({ TableName: tableName, Item: { ...serverKey(instanceId), ...state } }));
        },

        async readChecks() {
            const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: { ...SYNC_CHECKS_KEY }, ConsistentRead: true }));
            return { fingerprint: typeof Item?.fingerprint === "string" ? Item.fingerprint : undefined, cursor: Number(Item?.cursor ?? 0) };
        },

        async writeChecks(checks) {
            await db.send(new PutCommand({ TableName: tableName, Item: { ...SYNC_CHECKS_KEY, ...checks } }));
        },

        async seatHolders(product, eventual = false) {
            const items = await query({
                KeyConditionExpression: "#pk = :pk",
                ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#sk": SORT_KEY, "#first": "firstAssignedAt" },
                ExpressionAttributeValues: { ":pk": seatPartition(product) },
                ProjectionExpression: "#sk, #first",
                ConsistentRead: !eventual,
            });
            // The key is authoritative; its user id is validated again by the selection.
            return items.map((item): SeatHolder => {
                const sk = String(item[SORT_KEY] ?? "");
                return { userId: sk.startsWith(SEAT_SORT_PREFIX) ? sk.slice(SEAT_SORT_PREFIX.length) : "", firstAssignedAt: String(item.firstAssignedAt ?? "") };
            });
        },
    };
}
