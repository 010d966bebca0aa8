import { EC2Client, paginateDescribeInstances } from "@aws-sdk/client-ec2";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { putOneEvent } from "../shared/eventBridge";
import type { DescribedInstance, InventoryPorts } from "./inventory";

/** The inventory's ports backed by EC2 DescribeInstances (every page, 1000 per page) and EventBridge PutEvents. */
export function awsInventoryPorts(ec2: EC2Client, events: EventBridgeClient, eventBusName: string): InventoryPorts {
    return {
        async describeTaggedInstances(tagKeys) {
            const found: DescribedInstance[] = [];
            // tag-key with several values matches an instance carrying any of them.
            const pages = paginateDescribeInstances({ client: ec2, pageSize: 1000 }, { Filters: [{ Name: "tag-key", Values: tagKeys }] });
            for await (const page of pages) {
                for (const reservation of page.Reservations ?? []) {
                    for (const instance of reservation.Instances ?? []) {
                        const tags: Record<string, string> = {};
                        for (const tag of instance.Tags ?? []) {
                            if (tag.Key !== undefined && tagKeys.includes(tag.Key)) tags[tag.Key] = tag.Value ?? "";
                        }
                        found.push({ instanceId: instance.InstanceId ?? "", state: instance.State?.Name ?? "", tags });
                    }
                }
            }
            return found;
        },
        publish: (source, detailType, detail) => putOneEvent(events, { eventBusName, source, detailType, detail }),
    };
}
