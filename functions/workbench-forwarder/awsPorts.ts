import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { putOneEvent } from "../shared/eventBridge";
import type { ForwarderPorts } from "./forwarder";

/**
 * The forwarder's ports backed by EC2 DescribeInstances and EventBridge PutEvents. The instance is asked for with an
 * `instance-id` filter rather than InstanceIds, so that an unknown id is an empty answer (EC2 answers InstanceIds
 * it does not know with an error); one instance fits one page, so this is one call.
 */
export function awsForwarderPorts(ec2: EC2Client, events: EventBridgeClient, eventBusName: string): ForwarderPorts {
    return {
        async describeInstance(instanceId, tagKeys) {
            const page = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: [instanceId] }] }));
            const instance = (page.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
            if (!instance) return undefined;
            const tags: Record<string, string> = {};
            for (const tag of instance.Tags ?? []) {
                if (tag.Key !== undefined && tagKeys.includes(tag.Key)) tags[tag.Key] = tag.Value ?? "";
            }
            return { state: instance.State?.Name ?? "", tags };
        },
        publish: (source, detailType, detail, resources) => putOneEvent(events, { eventBusName, source, detailType, detail, resources }),
    };
}
