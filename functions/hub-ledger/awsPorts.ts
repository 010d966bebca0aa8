import { gzipSync } from "node:zlib";
import { DynamoDBDocumentClient, GetCommand, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PARTITION_KEY, SEAT_SORT_PREFIX, SORT_KEY, instanceItemKey, seatPartition } from "../hub-shared/tableKeys";
import type { LedgerPorts, SeatClaim } from "./ledger";
import { ledgerObjectKey } from "./ledgerRecord";

export function awsLedgerPorts(clients: { db: DynamoDBDocumentClient; s3: S3Client }, tableName: string, bucket: string): LedgerPorts {
    const { db, s3 } = clients;
    return {
        async readInstance(ref) {
            const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: instanceItemKey(ref), ConsistentRead: true }));
            if (!Item) return undefined;
            return { state: Item.state, workbenchType: Item.workbenchType, ec2EventTime: Item.ec2EventTime };
        },

        async seatClaims(product) {
            const claims: SeatClaim[] = [];
            const pages = paginateQuery(
                { client: db },
                {
                    TableName: tableName,
                    KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :user)",
                    ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#sk": SORT_KEY },
                    ExpressionAttributeValues: { ":pk": seatPartition(product), ":user": SEAT_SORT_PREFIX },
                    ConsistentRead: true,
                },
            );
            for await (const page of pages) {
                for (const item of page.Items ?? []) {
                    claims.push({
                        userId: String(item.userId ?? String(item[SORT_KEY]).slice(SEAT_SORT_PREFIX.length)),
                        firstAssignedAt: String(item.firstAssignedAt ?? ""),
                        instances: item.instances instanceof Set ? [...item.instances] : [],
                    });
                }
            }
            return claims;
        },

        async writeDay(day, jsonLines) {
            const key = ledgerObjectKey(day, jsonLines);
            await s3.send(
                new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(Buffer.from(jsonLines, "utf8")), ContentType: "application/x-ndjson", ContentEncoding: "gzip" }),
            );
            return key;
        },
    };
}
