import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { parseSeatRowKey } from "../../../functions/hub-shared/tableKeys";
import { TableSnapshot, streamRecordsBetween as streamRecordsOf, tableSnapshot } from "../../../sandbox/aws/dynamoStreams";

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

export type RawItems = TableSnapshot;

/** The hub table's key attributes. */
const HUB_KEYS = { hashKey: "pk", rangeKey: "sk" };

/** The table as DynamoDB stores it (attribute-value maps), keyed by pk/sk. */
export function rawItems(client: DynamoDBClient, tableName: string): Promise<RawItems> {
    return tableSnapshot(client, tableName, HUB_KEYS);
}

/**
 * The records DynamoDB Streams would deliver (view type NEW_AND_OLD_IMAGES) for the change from `before` to
 * `after`, in the shape Lambda hands them to a stream handler. dynalite has no Streams, so tests derive them from
 * the real table contents before and after an operation (see sandbox/aws/dynamoStreams.ts, shared with the sandbox).
 */
export function streamRecordsBetween(before: RawItems, after: RawItems, tableName: string): DynamoDBRecord[] {
    return streamRecordsOf(before, after, {
        keys: HUB_KEYS,
        region: "eu-central-1",
        streamArn: `arn:aws:dynamodb:eu-central-1:111111111111:table/${tableName}/stream/2026-01-01T00:00:00.000`,
    });
}
