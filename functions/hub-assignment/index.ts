import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { assignmentConfigFromEnv } from "../hub-shared/config";
import { powertoolsTelemetry } from "../shared/powertools";
import { AssignmentOutcome, assignSeats } from "./assignment";
import { dynamoAssignmentPorts } from "./awsPorts";

// Created once per container; endpoints from AWS_ENDPOINT_URL_DYNAMODB when set (local sandbox).
const config = assignmentConfigFromEnv(process.env);
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
const ports = dynamoAssignmentPorts(db, config.tableName);
const telemetry = powertoolsTelemetry(process.env.POWERTOOLS_SERVICE_NAME || "hub-assignment");

/** EventBridge target: one workbench event per invocation; throws on AWS errors so Lambda retries it. */
export async function handler(event: unknown): Promise<AssignmentOutcome> {
    try {
        return await assignSeats(event, config, ports, telemetry);
    } finally {
        telemetry.flush();
    }
}
