import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { DynamoDBDocumentClient, paginateQuery } from "@aws-sdk/lib-dynamodb";
import type { SeatHolder } from "../hub-sync/seatSelection";
import type { HubConfiguration } from "../hub-shared/hubConfiguration";
import { PARTITION_KEY, SEAT_SORT_PREFIX, SORT_KEY, seatPartition } from "../hub-shared/tableKeys";
import { SEAT_EVENT_SOURCE, SeatEvent } from "./seatEventContract";
import type { SeatEventPorts } from "./seatEvents";
import { putEvents } from "../shared/putEvents";

export function awsSeatEventPorts(db: DynamoDBDocumentClient, events: EventBridgeClient, tableName: string, busName: string, configuration: () => Promise<HubConfiguration>): SeatEventPorts {
    return {
        async seatsOf(product) {
            return (await configuration()).products[product]?.seats;
        },
        async seatHolders(product) {
            const holders: SeatHolder[] = [];
            const pages = paginateQuery(
                { client: db },
                {
                    TableName: tableName,
                    KeyConditionExpression: "#pk = :pk",
                    ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#sk": SORT_KEY, "#first": "firstAssignedAt" },
                    ExpressionAttributeValues: { ":pk": seatPartition(product) },
                    ProjectionExpression: "#sk, #first",
                    ConsistentRead: true,
                },
            );
            for await (const page of pages) {
                for (const item of page.Items ?? []) {
                    const sk = String(item[SORT_KEY] ?? "");
                    holders.push({ userId: sk.startsWith(SEAT_SORT_PREFIX) ? sk.slice(SEAT_SORT_PREFIX.length) : "", firstAssignedAt: String(item.firstAssignedAt ?? "") });
                }
            }
            return holders;
        },
        async publish(seatEvents: SeatEvent[]) {
            // Refused entries (throttling) are resent alone; still refused after the retries: the batch fails and is retried.
            await putEvents(
                events,
                seatEvents.map((e) => ({ EventBusName: busName, Source: SEAT_EVENT_SOURCE, DetailType: e.detailType, Detail: JSON.stringify(e.detail) })),
            );
        },
    };
}
