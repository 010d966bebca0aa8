import { DeleteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { INVENTORY_PARTITION, accountRegionPrefix, instancePartition, inventoryRecordKey } from "../hub-shared/tableKeys";
import { queryPartition, toInventoryRecord } from "../hub-shared/inventoryRecords";
import { dynamoAssignmentPorts, toInstanceState } from "../hub-assignment/awsPorts";
import { DeparturePorts, releaseDepartedAccountRegion } from "../hub-assignment/departures";
import type { Telemetry } from "../shared/telemetry";
import type { WatchPorts } from "./watch";

/**
 * The watch's ports on DynamoDB: one Query of the last-snapshot partition (one item per account-region); for a
 * departed account-region, a Query of its instance partition and the assignment's own writes.
 */
export function dynamoWatchPorts(db: DynamoDBDocumentClient, tableName: string, tombstoneRetentionSeconds: number, telemetry: Telemetry): WatchPorts {
    const departurePorts: DeparturePorts = {
        ...dynamoAssignmentPorts(db, tableName),
        async instancesOf(account, region) {
            const prefix = accountRegionPrefix(account, region);
            return (await queryPartition(db, tableName, instancePartition(account, region))).map((item) => toInstanceState(`${prefix}${String(item.sk)}`, item));
        },
    };
    return {
        lastSnapshots: async () => (await queryPartition(db, tableName, INVENTORY_PARTITION)).map(toInventoryRecord),
        async releaseDeparted(account, region, now) {
            const release = await releaseDepartedAccountRegion(account, region, departurePorts, tombstoneRetentionSeconds, telemetry, now);
            // Forgotten once released: a departed account-region is not expected to send snapshots.
            await db.send(new DeleteCommand({ TableName: tableName, Key: inventoryRecordKey(account, region) }));
            return release;
        },
    };
}
