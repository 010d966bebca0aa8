/**
 * The record of an account-region's last complete inventory snapshot (pk INVENTORY, sk `<account>/<region>`): written
 * by the assignment when it reconciles a snapshot, read by the silence watch. Plus the one paging Query both use.
 */
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";

export interface InventoryRecord {
    account: string;
    region: string;
    snapshotId: string;
    asOf: string;
    /** When the hub reconciled it (its own clock). */
    reconciledAt: string;
}

export function toInventoryRecord(item: Record<string, unknown>): InventoryRecord {
    return { account: String(item.account), region: String(item.region), snapshotId: String(item.snapshotId), asOf: String(item.asOf), reconciledAt: String(item.reconciledAt) };
}

/** Every item of one partition, strongly consistent, every page. */
export async function queryPartition(db: DynamoDBDocumentClient, tableName: string, pk: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
        const page = await db.send(
            new QueryCommand({ TableName: tableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": pk }, ConsistentRead: true, ExclusiveStartKey }),
        );
        items.push(...(page.Items ?? []));
        ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
}
