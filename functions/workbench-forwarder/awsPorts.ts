import { EC2Client, paginateDescribeTags } from "@aws-sdk/client-ec2";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { putOneEvent } from "../shared/eventBridge";
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
        publish: (source, detailType, detail, resources) => putOneEvent(events, { eventBusName, source, detailType, detail, resources }),
    };
}
