import { EC2Client } from "@aws-sdk/client-ec2";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { awsForwarderPorts } from "./awsPorts";
import { DEFAULT_TAG_KEYS, ForwardOutcome, forwardStateChange, forwarderContext } from "./forwarder";
import { powertoolsTelemetry } from "../shared/powertools";

// Created once per container. Endpoints come from the SDK's standard AWS_ENDPOINT_URL_* variables, which is how
// the local sandbox runs this same bundle against its stand-ins.
const ports = awsForwarderPorts(new EC2Client({}), new EventBridgeClient({}), process.env.EVENT_BUS_NAME || "default");
const telemetry = powertoolsTelemetry("workbench-forwarder");
const keys = {
    ownerTagKey: process.env.OWNER_TAG_KEY || DEFAULT_TAG_KEYS.ownerTagKey,
    typeTagKey: process.env.TYPE_TAG_KEY || DEFAULT_TAG_KEYS.typeTagKey,
};

export async function handler(event: unknown, context: { invokedFunctionArn: string }): Promise<ForwardOutcome> {
    try {
        // Account and region are the function's own: an event's never name where an instance is.
        return await forwardStateChange(event, keys, forwarderContext(context.invokedFunctionArn, process.env.AWS_REGION), ports, telemetry);
    } finally {
        telemetry.flush();
    }
}
