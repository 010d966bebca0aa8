import type { UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import { changeMarkKey } from "./tableKeys";

/** Attribute of a change mark counting the changes it stands for. */
export const CHANGE_COUNT_ATTRIBUTE = "changes";

/**
 * The write that marks a product as changed (the change marker's, and the sync's own for a list it still owes): one
 * UpdateItem that adds to the mark's counter, so a mark the sync read before the change can no longer be cleared by
 * it (the sync deletes a mark only while its counter still holds the value read before the seat rows).
 */
export function markChangedUpdate(tableName: string, product: string, changes: number, at: string): UpdateCommandInput {
    return {
        TableName: tableName,
        Key: changeMarkKey(product),
        UpdateExpression: "ADD #changes :changes SET #last = :at, #first = if_not_exists(#first, :at)",
        ExpressionAttributeNames: { "#changes": CHANGE_COUNT_ATTRIBUTE, "#last": "lastChangeAt", "#first": "firstChangeAt" },
        ExpressionAttributeValues: { ":changes": changes, ":at": at },
    };
}

/** Every attribute a change mark has: what the change marker's role may write (dynamodb:Attributes). */
export const CHANGE_MARK_ATTRIBUTES = ["pk", "sk", CHANGE_COUNT_ATTRIBUTE, "lastChangeAt", "firstChangeAt"] as const;
