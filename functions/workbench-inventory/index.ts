import { EC2Client } from "@aws-sdk/client-ec2";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { Context } from "aws-lambda";
import { powertoolsTelemetry } from "../shared/powertools";
import { DEFAULT_TAG_KEYS } from "../workbench-forwarder/forwarder";
import { awsInventoryPorts } from "./awsPorts";
import { InventoryOutcome, takeInventory } from "./inventory";

// Created once per container; endpoints from the SDK's AWS_ENDPOINT_URL_* variables when set (local sandbox).
const ports = awsInventoryPorts(new EC2Client({}), new EventBridgeClient({}), process.env.EVENT_BUS_NAME || "default");
const telemetry = powertoolsTelemetry("workbench-inventory");
const keys = {
    ownerTagKey: process.env.OWNER_TAG_KEY || DEFAULT_TAG_KEYS.ownerTagKey,
    typeTagKey: process.env.TYPE_TAG_KEY || DEFAULT_TAG_KEYS.typeTagKey,
};

/**
 * Scheduled (and invoked once at deployment): the event is not read. The account and region come from the
 * function's own ARN, so a snapshot always describes the account and region it was taken in.
 */
export async function handler(_event: unknown, context: Context): Promise<InventoryOutcome> {
    try {
        const [, , , region, account] = context.invokedFunctionArn.split(":");
        return await takeInventory({ account, region }, keys, ports, telemetry);
    } finally {
        telemetry.flush();
    }
}
