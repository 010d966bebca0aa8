import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { markChangedUpdate } from "../hub-shared/changeMarks";
import { mapWithConcurrency } from "../shared/concurrency";
import type { ChangeMarkerPorts } from "./changeMarker";
import { SEAT_CHANGE_EVENT, SeatChangeDetail } from "./seatChangeEvent";

/** Where the marker announces changes (the hub bus), when the hub syncs on change. */
export interface SyncTrigger {
    events: EventBridgeClient;
    busName: string;
}

/** Products marked at once (one UpdateItem each). */
const MARK_CONCURRENCY = 8;

export function dynamoChangeMarkerPorts(db: DynamoDBDocumentClient, tableName: string, trigger?: SyncTrigger): ChangeMarkerPorts {
    const ports: ChangeMarkerPorts = {
        async markChanged(changes, at) {
            await mapWithConcurrency([...changes], MARK_CONCURRENCY, ([product, count]) => db.send(new UpdateCommand(markChangedUpdate(tableName, product, count, at.toISOString()))));
        },
    };
    if (trigger) {
        ports.announceChange = async (products, seatChanges) => {
            const detail: SeatChangeDetail = { products, "seat-changes": seatChanges };
            const result = await trigger.events.send(
                new PutEventsCommand({
                    Entries: [{ EventBusName: trigger.busName, Source: SEAT_CHANGE_EVENT.source, DetailType: SEAT_CHANGE_EVENT.detailType, Detail: JSON.stringify(detail) }],
                }),
            );
            if ((result.FailedEntryCount ?? 0) > 0) {
                const entry = result.Entries?.[0];
                throw new Error(`PutEvents refused the seat change event: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
            }
        };
    }
    return ports;
}
