import { AttributeValue, DynamoDBClient, paginateScan } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";

/** A table's key attributes (its KeySchema). */
export interface TableKeys {
    hashKey: string;
    rangeKey?: string;
}

/** Items as DynamoDB stores them (attribute-value maps), keyed `hash|range`. */
export type TableSnapshot = Map<string, Record<string, AttributeValue>>;

export interface StreamSettings {
    keys: TableKeys;
    streamArn: string;
    region: string;
    /** What each record carries besides the keys. Default NEW_AND_OLD_IMAGES. */
    viewType?: "KEYS_ONLY" | "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES";
    /** The clock records are stamped with (ApproximateCreationDateTime), epoch ms. Default: the real clock. */
    now?: () => number;
}

const scalar = (value: AttributeValue | undefined) => String(value === undefined ? "" : Object.values(value)[0]);

/** Every item of the table, strongly consistent, all pages. */
export async function tableSnapshot(client: DynamoDBClient, tableName: string, keys: TableKeys): Promise<TableSnapshot> {
    const items: TableSnapshot = new Map();
    for await (const page of paginateScan({ client }, { TableName: tableName, ConsistentRead: true })) {
        for (const item of page.Items ?? []) {
            items.set(keys.rangeKey ? `${scalar(item[keys.hashKey])}|${scalar(item[keys.rangeKey])}` : scalar(item[keys.hashKey]), item);
        }
    }
    return items;
}

let sequence = 4_000_000_000_000_000_000n;

/**
 * The records DynamoDB Streams would deliver for the change from `before` to `after`, in the shape Lambda hands them
 * to a stream handler. dynalite has no Streams, so local runs derive them from the table's contents before and after
 * an operation: one INSERT, MODIFY or REMOVE per item that differs. Changes that cancel out between the two
 * snapshots (an item created and deleted again) are not seen, where DynamoDB would deliver both.
 */
export function streamRecordsBetween(before: TableSnapshot, after: TableSnapshot, settings: StreamSettings): DynamoDBRecord[] {
    const viewType = settings.viewType ?? "NEW_AND_OLD_IMAGES";
    const records: DynamoDBRecord[] = [];
    const keys = new Set([...before.keys(), ...after.keys()]);
    for (const key of [...keys].sort()) {
        const oldImage = before.get(key);
        const newImage = after.get(key);
        if (oldImage && newImage && JSON.stringify(oldImage) === JSON.stringify(newImage)) continue;
        const image = (newImage ?? oldImage)!;
        const eventName = !oldImage ? "INSERT" : !newImage ? "REMOVE" : "MODIFY";
        const itemKeys: Record<string, AttributeValue> = { [settings.keys.hashKey]: image[settings.keys.hashKey] };
        if (settings.keys.rangeKey) itemKeys[settings.keys.rangeKey] = image[settings.keys.rangeKey];
        const withNew = newImage && (viewType === "NEW_IMAGE" || viewType === "NEW_AND_OLD_IMAGES");
        const withOld = oldImage && (viewType === "OLD_IMAGE" || viewType === "NEW_AND_OLD_IMAGES");
        sequence += 100n;
        records.push({
            eventID: `${sequence.toString(16)}`,
            eventName,
            eventVersion: "1.1",
            eventSource: "aws:dynamodb",
            awsRegion: settings.region,
            dynamodb: {
                ApproximateCreationDateTime: Math.floor((settings.now ?? Date.now)() / 1000),
                Keys: itemKeys as any,
                ...(withNew ? { NewImage: newImage as any } : {}),
                ...(withOld ? { OldImage: oldImage as any } : {}),
                SequenceNumber: sequence.toString(),
                SizeBytes: JSON.stringify(image).length,
                StreamViewType: viewType,
            },
            eventSourceARN: settings.streamArn,
        });
    }
    return records;
}
