import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { SEAT_EVENTS_ENVIRONMENT } from "../hub-shared/environment";
import { hubConfigurationLoader, s3TextReader } from "../hub-shared/hubConfigurationLoader";
import { powertoolsTelemetry } from "../shared/powertools";
import { awsSeatEventPorts } from "./awsPorts";
import { SeatEventsOutcome, announceSeatEvents } from "./seatEvents";

const tableName = process.env[SEAT_EVENTS_ENVIRONMENT.tableName];
const busName = process.env[SEAT_EVENTS_ENVIRONMENT.busName];
if (!tableName) throw new Error(`environment variable ${SEAT_EVENTS_ENVIRONMENT.tableName} is not set`);
if (!busName) throw new Error(`environment variable ${SEAT_EVENTS_ENVIRONMENT.busName} is not set`);
// Created once per container; endpoints from AWS_ENDPOINT_URL_<SERVICE> when set (local sandbox). The seat counts
// come from the hub configuration object, read at the first invocation and kept.
const configuration = hubConfigurationLoader(process.env, s3TextReader(new S3Client({})));
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const ports = awsSeatEventPorts(db, new EventBridgeClient({}), tableName, busName, configuration);
const telemetry = powertoolsTelemetry(process.env.POWERTOOLS_SERVICE_NAME || "hub-seat-events");

/** DynamoDB stream batch (filtered to seat INSERT/REMOVE); throws so the batch is retried whole. */
export async function handler(event: DynamoDBStreamEvent): Promise<SeatEventsOutcome> {
    try {
        return await announceSeatEvents(event, ports, telemetry);
    } finally {
        telemetry.flush();
    }
}
