import { EC2Client, paginateDescribeTags } from "@aws-sdk/client-ec2";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { DEFAULT_TAG_KEYS, ForwarderPorts, forwardStateChange, ForwardOutcome } from "./forwarder";
import { powertoolsTelemetry } from "../shared/powertools";

// Clients are created once per container. Endpoints come from the SDK's standard AWS_ENDPOINT_URL_* variables,
// which is how the local sandbox points the same bundle at its stand-ins.
const ec2 = new EC2Client({});
const events = new EventBridgeClient({});
const telemetry = powertoolsTelemetry("workbench-forwarder");

const keys = {
    ownerTagKey: process.env.OWNER_TAG_KEY || DEFAULT_TAG_KEYS.ownerTagKey,
    typeTagKey: process.env.TYPE_TAG_KEY || DEFAULT_TAG_KEYS.typeTagKey,
};
const eventBusName = process.env.EVENT_BUS_NAME || "default";

export const ports: ForwarderPorts = {
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
            new PutEventsCommand({ Entries: [{ EventBusName: eventBusName, Source: source, DetailType: detailType, Detail: JSON.stringify(detail), Resources: resources }] }),
        );
        if ((result.FailedEntryCount ?? 0) > 0) {
            const entry = result.Entries?.[0];
            throw new Error(`PutEvents refused the workbench event: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
        }
    },
};

export async function handler(event: unknown): Promise<ForwardOutcome> {
    try {
        return await forwardStateChange(event, keys, ports, telemetry);
    } finally {
        telemetry.flush();
    }
}
