import { AttributeValue, DynamoDBClient, paginateScan } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { parseSeatRowKey } from "../../../functions/hub-shared/tableKeys";

export interface SeatRowView {
    workbenchCount: number;
    instances: string[];
    firstAssignedAt: string;
}

/** Every seat row, keyed `product/user`. */
export async function seatRows(db: DynamoDBDocumentClient, tableName: string): Promise<Map<string, SeatRowView>> {
    const rows = new Map<string, SeatRowView>();
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
        const page = await db.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey, ConsistentRead: true }));
        for (const item of page.Items ?? []) {
            const seat = parseSeatRowKey(item.pk, item.sk);
            if (!seat) continue;
            rows.set(`${seat.product}/${seat.userId}`, {
                workbenchCount: Number(item.workbenchCount),
                instances: [...((item.instances as Set<string>) ?? [])].sort(),
                firstAssignedAt: item.firstAssignedAt,
            });
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return rows;
}

export type RawItems = Map<string, Record<string, AttributeValue>>;

/** The table as DynamoDB stores it (attribute-value maps), keyed by pk/sk. */
export async function rawItems(client: DynamoDBClient, tableName: string): Promise<RawItems> {
    const items: RawItems = new Map();
    for await (const page of paginateScan({ client }, { TableName: tableName, ConsistentRead: true })) {
        for (const item of page.Items ?? []) items.set(`${item.pk.S}|${item.sk.S}`, item);
    }
    return items;
}

let sequence = 4_000_000_000_000_000_000n;

/**
 * The records DynamoDB Streams would deliver (view type NEW_AND_OLD_IMAGES) for the change from `before` to
 * `after`, in the shape Lambda hands them to a stream handler. dynalite has no Streams, so tests derive them from
 * the real table contents before and after an operation.
 */
export function streamRecordsBetween(before: RawItems, after: RawItems, tableName: string): DynamoDBRecord[] {
    const records: DynamoDBRecord[] = [];
    const keys = new Set([...before.keys(), ...after.keys()]);
    for (const key of [...keys].sort()) {
        const oldImage = before.get(key);
        const newImage = after.get(key);
        if (oldImage && newImage && JSON.stringify(oldImage) === JSON.stringify(newImage)) continue;
        const image = (newImage ?? oldImage)!;
        const eventName = !oldImage ? "INSERT" : !newImage ? "REMOVE" : "MODIFY";
        sequence += 100n;
        records.push({
            eventID: `${sequence.toString(16)}`,
            eventName,
            eventVersion: "1.1",
            eventSource: "aws:dynamodb",
            awsRegion: "eu-central-1",
            dynamodb: {
                ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
                Keys: { pk: image.pk, sk: image.sk } as any,
                ...(newImage ? { NewImage: newImage as any } : {}),
                ...(oldImage ? { OldImage: oldImage as any } : {}),
                SequenceNumber: sequence.toString(),
                SizeBytes: JSON.stringify(image).length,
                StreamViewType: "NEW_AND_OLD_IMAGES",
            },
            eventSourceARN: `arn:aws:dynamodb:eu-central-1:111111111111:table/${tableName}/stream/2026-01-01T00:00:00.000`,
        });
    }
    return records;
}
