import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { INVENTORY_PARTITION } from "../hub-shared/tableKeys";
import { queryPartition, toInventoryRecord } from "../hub-shared/inventoryRecords";
import type { WatchPorts } from "./watch";

/** The watch's ports on DynamoDB: one Query of the last-snapshot partition (one item per account-region). */
export function dynamoWatchPorts(db: DynamoDBDocumentClient, tableName: string): WatchPorts {
    return {
        lastSnapshots: async () => (await queryPartition(db, tableName, INVENTORY_PARTITION)).map(toInventoryRecord),
    };
}
