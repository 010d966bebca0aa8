import { randomUUID } from "node:crypto";
import { startJsonService, JsonService } from "./awsJsonServer";

export interface PutEventEntry {
    Source: string;
    DetailType: string;
    Detail: string;
    EventBusName?: string;
    Resources?: string[];
    Time?: number | string;
}

export interface EventBridgeStandin extends JsonService {
    /** Entries accepted by PutEvents, in order, each with the event id it was given. */
    events: Array<PutEventEntry & { EventId: string }>;
    /** Called for each accepted entry (the local router uses it to apply rules). */
    onEvent?: (entry: PutEventEntry & { EventId: string }) => void;
}

/** A local stand-in for EventBridge PutEvents (JSON 1.1, target prefix AWSEvents). */
export async function startEventBridgeStandin(port = 0): Promise<EventBridgeStandin> {
    const events: EventBridgeStandin["events"] = [];
    let standin: EventBridgeStandin;
    const service = await startJsonService(
        "AWSEvents",
        {
            PutEvents(input: { Entries: PutEventEntry[] }) {
                const entries = (input.Entries ?? []).map((entry) => {
                    const accepted = { ...entry, EventId: randomUUID() };
                    events.push(accepted);
                    standin.onEvent?.(accepted);
                    return { EventId: accepted.EventId };
                });
                return { FailedEntryCount: 0, Entries: entries };
            },
        },
        port,
    );
    standin = Object.assign(service, { events });
    return standin;
}
