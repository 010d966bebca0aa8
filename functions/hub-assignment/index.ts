import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { assignmentConfigFromEnv } from "../hub-shared/config";
import { powertoolsTelemetry } from "../shared/powertools";
import { WORKBENCH_SNAPSHOT_DETAIL_TYPE } from "../shared/workbenchEvent";
import { AssignmentOutcome, assignSeats } from "./assignment";
import { dynamoAssignmentPorts } from "./awsPorts";
import { SnapshotOutcome, reconcileSnapshot } from "./snapshot";
import { dynamoSnapshotPorts } from "./snapshotPorts";

// Created once per container; endpoints from AWS_ENDPOINT_URL_DYNAMODB when set (local sandbox).
const config = assignmentConfigFromEnv(process.env);
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
const ports = { ...dynamoAssignmentPorts(db, config.tableName), ...dynamoSnapshotPorts(db, config.tableName) };
const telemetry = powertoolsTelemetry(process.env.POWERTOOLS_SERVICE_NAME || "hub-assignment");

/**
 * EventBridge target: one workbench event per invocation, a state change or an inventory snapshot chunk; throws
 * on AWS errors so Lambda retries it.
 */
export async function handler(event: unknown): Promise<AssignmentOutcome | SnapshotOutcome> {
    try {
        const detailType = (event as { "detail-type"?: unknown } | null)?.["detail-type"];
        return detailType === WORKBENCH_SNAPSHOT_DETAIL_TYPE
            ? await reconcileSnapshot(event, config, ports, telemetry)
            : await assignSeats(event, config, ports, telemetry);
    } finally {
        telemetry.flush();
    }
}
