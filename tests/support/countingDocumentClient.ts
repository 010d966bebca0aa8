import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** What one piece of work asked of DynamoDB: calls per operation, items read and items written or deleted. */
export interface DynamoCost {
    calls: Record<string, number>;
    itemsRead: number;
    itemsWritten: number;
}

export const noCost = (): DynamoCost => ({ calls: {}, itemsRead: 0, itemsWritten: 0 });

/** A document client that counts, into `cost`, every call the real ports send and every item they read or write. */
export function countingClient(db: DynamoDBDocumentClient, cost: DynamoCost): DynamoDBDocumentClient {
    return new Proxy(db, {
        get(target, property, receiver) {
            if (property !== "send") return Reflect.get(target, property, receiver);
            return async (command: { constructor: { name: string }; input: Record<string, any> }) => {
                const name = command.constructor.name.replace(/Command$/, "");
                cost.calls[name] = (cost.calls[name] ?? 0) + 1;
                if (name === "Put" || name === "Update" || name === "Delete") cost.itemsWritten += 1;
                if (name === "BatchWrite") cost.itemsWritten += Object.values(command.input.RequestItems ?? {}).reduce((n: number, requests: any) => n + requests.length, 0);
                const output = (await target.send(command as never)) as Record<string, any>;
                cost.itemsRead += (output.Items?.length ?? 0) + (output.Item ? 1 : 0) + Object.values(output.Responses ?? {}).reduce((n: number, items: any) => n + items.length, 0);
                return output;
            };
        },
    });
}
