import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { ChangeMarkerPorts } from "./changeMarker";
import { SEAT_CHANGE_EVENT, SeatChangeDetail } from "./seatChangeEvent";

/** Where the marker announces changes (the hub bus), when the hub syncs on change. */
export interface SyncTrigger {
    events: EventBridgeClient;
    busName: string;
}

export function ssmChangeMarkerPorts(ssm: SSMClient, parameterName: string, trigger?: SyncTrigger): ChangeMarkerPorts {
    const ports: ChangeMarkerPorts = {
        async markChanged(value) {
            const { Version } = await ssm.send(new PutParameterCommand({ Name: parameterName, Value: value, Type: "String", Overwrite: true }));
            if (Version === undefined) throw new Error(`PutParameter ${parameterName} returned no version`);
            return Version;
        },
    };
    if (trigger) {
        ports.announceChange = async (markerVersion, seatChanges) => {
            const detail: SeatChangeDetail = { "marker-version": markerVersion, "seat-changes": seatChanges };
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
