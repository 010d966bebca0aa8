import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";

/** Puts one event on a bus; throws unless EventBridge accepted it (PutEvents reports refusals per entry, not as errors). */
export async function putOneEvent(
    events: EventBridgeClient,
    entry: { eventBusName: string; source: string; detailType: string; detail: unknown; resources?: string[] },
): Promise<void> {
    const result = await events.send(
        new PutEventsCommand({
            Entries: [{ EventBusName: entry.eventBusName, Source: entry.source, DetailType: entry.detailType, Detail: JSON.stringify(entry.detail), Resources: entry.resources ?? [] }],
        }),
    );
    if ((result.FailedEntryCount ?? 0) > 0) {
        const failed = result.Entries?.[0];
        throw new Error(`PutEvents refused the ${entry.detailType} event: ${failed?.ErrorCode} ${failed?.ErrorMessage}`);
    }
}
