import { DeleteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { instanceItemKey, seatRowKey, TTL_ATTRIBUTE } from "../hub-shared/tableKeys";
import type { AssignmentPorts, InstanceState, InstanceUpdate } from "./assignment";

/** Attempts at removing a seat holder while other invocations keep changing the same row. */
const MAX_REMOVE_ATTEMPTS = 10;

/**
 * The assignment's ports on DynamoDB: conditional single-item writes only (no transactions), each idempotent.
 *
 * Seat rows keep `workbenchCount` equal to the size of the `instances` set by changing both in one conditional
 * update (add only when absent, remove only when present), and are deleted, conditionally, with their last holder,
 * so a row exists exactly while at least one instance holds it.
 */
export function dynamoAssignmentPorts(db: DynamoDBDocumentClient, tableName: string): AssignmentPorts {
    const readInstance = async (ref: string): Promise<InstanceState | undefined> => {
        const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: instanceItemKey(ref), ConsistentRead: true }));
        return Item ? toInstanceState(ref, Item) : undefined;
    };

    return {
        readInstance,

        async applyInstanceEvent(update: InstanceUpdate) {
            const started = update.state === "started";
            const names: Record<string, string> = {
                "#state": "state",
                "#order": "orderKey",
                "#time": "ec2EventTime",
                "#ec2State": "ec2State",
                "#eventId": "ec2EventId",
                "#ttl": TTL_ATTRIBUTE,
            };
            const values: Record<string, unknown> = {
                ":state": update.state,
                ":order": update.orderKey,
                ":time": update.ec2EventTime,
                ":ec2State": update.ec2State,
                ":eventId": update.ec2EventId,
            };
            const set = "SET #state = :state, #order = :order, #time = :time, #ec2State = :ec2State, #eventId = :eventId";
            let expression: string;
            if (started) {
                // The entitlement is recorded in the same write as the state, before any seat row names the instance,
                // so a later stop always knows every seat to release.
                Object.assign(names, { "#userId": "userId", "#type": "workbenchType", "#products": "products", "#seatRefs": "seatRefs" });
                Object.assign(values, { ":userId": update.userId, ":type": update.workbenchType, ":products": update.products, ":seatRefs": new Set(update.seatRefs) });
                expression = `${set}, #userId = :userId, #type = :type, #products = :products ADD #seatRefs :seatRefs REMOVE #ttl`;
            } else {
                // A stop keeps the last start's owner and type (information only) and releases every seat in seatRefs.
                values[":ttl"] = update.expiresAt;
                expression = `${set}, #ttl = :ttl`;
            }
            try {
                const { Attributes } = await db.send(
                    new UpdateCommand({
                        TableName: tableName,
                        Key: instanceItemKey(update.ref),
                        UpdateExpression: expression,
                        ConditionExpression: "attribute_not_exists(#order) OR #order <= :order",
                        ExpressionAttributeNames: names,
                        ExpressionAttributeValues: values,
                        ReturnValues: "ALL_NEW",
                    }),
                );
                return { applied: true, current: toInstanceState(update.ref, Attributes ?? {}) };
            } catch (err) {
                if (!isConditionFailure(err)) throw err;
                const current = await readInstance(update.ref);
                if (!current) throw new Error(`instance ${update.ref} refused an update but cannot be read; retrying`);
                return { applied: false, current };
            }
        },

        async addSeatHolder(product, userId, ref, assignedAt) {
            try {
                await db.send(
                    new UpdateCommand({
                        TableName: tableName,
                        Key: seatRowKey(product, userId),
                        UpdateExpression: "SET #product = :product, #userId = :userId, #first = if_not_exists(#first, :at) ADD #instances :refs, #count :one",
                        ConditionExpression: "NOT contains(#instances, :ref)",
                        ExpressionAttributeNames: { "#product": "product", "#userId": "userId", "#first": "firstAssignedAt", "#instances": "instances", "#count": "workbenchCount" },
                        ExpressionAttributeValues: { ":product": product, ":userId": userId, ":at": assignedAt, ":refs": new Set([ref]), ":ref": ref, ":one": 1 },
                    }),
                );
                return true;
            } catch (err) {
                if (isConditionFailure(err)) return false;
                throw err;
            }
        },

        async removeSeatHolder(product, userId, ref) {
            const key = seatRowKey(product, userId);
            const names = { "#instances": "instances", "#count": "workbenchCount" };
            for (let attempt = 0; attempt < MAX_REMOVE_ATTEMPTS; attempt++) {
                // Last holder: the row goes (a REMOVE in the stream, so the sync hears of it).
                if (await unlessConditionFails(() =>
                    db.send(new DeleteCommand({
                        TableName: tableName,
                        Key: key,
                        ConditionExpression: "contains(#instances, :ref) AND #count = :one",
                        ExpressionAttributeNames: names,
                        ExpressionAttributeValues: { ":ref": ref, ":one": 1 },
                    })),
                )) return true;
                // One of several holders: the row stays with one workbench less.
                if (await unlessConditionFails(() =>
                    db.send(new UpdateCommand({
                        TableName: tableName,
                        Key: key,
                        UpdateExpression: "DELETE #instances :refs ADD #count :minusOne",
                        ConditionExpression: "contains(#instances, :ref) AND #count > :one",
                        ExpressionAttributeNames: names,
                        ExpressionAttributeValues: { ":refs": new Set([ref]), ":ref": ref, ":one": 1, ":minusOne": -1 },
                    })),
                )) return true;
                // Neither: either the instance is not a holder (done), or the row changed between the two tries.
                const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
                const holders = Item?.instances as Set<string> | undefined;
                if (!holders || !holders.has(ref)) return false;
            }
            throw new Error(`seat row ${product}/${userId} kept changing while releasing ${ref}; retrying`);
        },
    };
}

/** Runs a conditional write: true when it was made, false when its condition failed; other errors are thrown. */
export async function unlessConditionFails(write: () => Promise<unknown>): Promise<boolean> {
    try {
        await write();
        return true;
    } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
    }
}

/** By name rather than class: robust to more than one copy of the SDK in a process. */
export function isConditionFailure(err: unknown): boolean {
    return (err as { name?: string } | null)?.name === "ConditionalCheckFailedException";
}

export function toInstanceState(ref: string, item: Record<string, any>): InstanceState {
    return {
        ref,
        orderKey: String(item.orderKey),
        state: item.state,
        userId: typeof item.userId === "string" ? item.userId : undefined,
        workbenchType: typeof item.workbenchType === "string" ? item.workbenchType : undefined,
        products: Array.isArray(item.products) ? item.products : [],
        ec2EventTime: item.ec2EventTime,
        ec2EventId: typeof item.ec2EventId === "string" ? item.ec2EventId : undefined,
        seatRefs: item.seatRefs instanceof Set ? [...item.seatRefs] : [],
    };
}
