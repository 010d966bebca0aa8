import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { CHANGE_MARKER_ENVIRONMENT } from "../hub-shared/environment";
import { powertoolsTelemetry } from "../shared/powertools";
import { markSeatChanges } from "./changeMarker";
import { dynamoChangeMarkerPorts } from "./awsPorts";

const tableName = process.env[CHANGE_MARKER_ENVIRONMENT.tableName];
if (!tableName) throw new Error(`environment variable ${CHANGE_MARKER_ENVIRONMENT.tableName} is not set`);
const triggerBus = process.env[CHANGE_MARKER_ENVIRONMENT.syncTriggerBusName];
// Created once per container; endpoints from AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_EVENTBRIDGE when set (local sandbox).
const ports = dynamoChangeMarkerPorts(DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName, triggerBus ? { events: new EventBridgeClient({}), busName: triggerBus } : undefined);
const telemetry = powertoolsTelemetry(process.env.POWERTOOLS_SERVICE_NAME || "hub-change-marker");

/** DynamoDB stream batch (filtered to seat INSERT/REMOVE); reports partial failures. */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
    try {
        return await markSeatChanges(event, ports, telemetry);
    } finally {
        telemetry.flush();
    }
}
