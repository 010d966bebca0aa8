import { EC2Client, paginateDescribeTags } from "@aws-sdk/client-ec2";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { ForwarderPorts } from "./forwarder";

/** The forwarder's ports backed by EC2 DescribeTags (all pages) and EventBridge PutEvents. */
export function awsForwarderPorts(ec2: EC2Client, events: EventBridgeClient, eventBusName: string): ForwarderPorts {
    return {
        async instanceTags(instanceId, tagKeys) {
            const tags: Record<string, string> = {};
            const pages = paginateDescribeTags(
                { client: ec2 },
                { Filters: [{ Name: "resource-id", Values: [instanceId] }, { Name: "key", Values: tagKeys }] },
            );
            for await (const page of pages) {
                for (const tag of page.Tags ?? []) {
                    if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
                }
            }
            return tags;
        },
        async publish(source, detailType, detail, resources) {
            const result = await events.send(
                new PutEventsCommand({
                    Entries: [{ EventBusName: eventBusName, Source: source, DetailType: detailType, Detail: JSON.stringify(detail), Resources: resources }],
                }),
            );
            if ((result.FailedEntryCount ?? 0) > 0) {
                const entry = result.Entries?.[0];
                throw new Error(`PutEvents refused the workbench event: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
            }
        },
    };
}
