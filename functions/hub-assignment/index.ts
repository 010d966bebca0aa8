import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { assignmentConfig } from "../hub-shared/config";
import { hubConfigurationLoader, s3TextReader } from "../hub-shared/hubConfigurationLoader";
import { powertoolsTelemetry } from "../shared/powertools";
import { WORKBENCH_SNAPSHOT_DETAIL_TYPE } from "../shared/workbenchEvent";
import { AssignmentOutcome, assignSeats } from "./assignment";
import { dynamoAssignmentPorts } from "./awsPorts";
import { SnapshotOutcome, reconcileSnapshot } from "./snapshot";
import { dynamoSnapshotPorts } from "./snapshotPorts";

// Created once per container; endpoints from AWS_ENDPOINT_URL_<SERVICE> when set (local sandbox). The catalog and the
// admission list come from the hub configuration object, read at the first invocation and kept.
const configuration = hubConfigurationLoader(process.env, s3TextReader(new S3Client({})));
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
const telemetry = powertoolsTelemetry(process.env.POWERTOOLS_SERVICE_NAME || "hub-assignment");

/**
 * EventBridge target: one workbench event per invocation, a state change or an inventory snapshot chunk; throws
 * on AWS errors so Lambda retries it.
 */
export async function handler(event: unknown): Promise<AssignmentOutcome | SnapshotOutcome> {
    try {
        const config = assignmentConfig(process.env, await configuration());
        const ports = { ...dynamoAssignmentPorts(db, config.tableName), ...dynamoSnapshotPorts(db, config.tableName) };
        const detailType = (event as { "detail-type"?: unknown } | null)?.["detail-type"];
        return detailType === WORKBENCH_SNAPSHOT_DETAIL_TYPE
            ? await reconcileSnapshot(event, config, ports, telemetry)
            : await assignSeats(event, config, ports, telemetry);
    } finally {
        telemetry.flush();
    }
}
