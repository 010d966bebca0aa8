import { SSMClient } from "@aws-sdk/client-ssm";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { CHANGE_MARKER_ENVIRONMENT } from "../hub-shared/environment";
import { powertoolsTelemetry } from "../shared/powertools";
import { markSeatChanges } from "./changeMarker";
import { ssmChangeMarkerPorts } from "./awsPorts";

const parameterName = process.env[CHANGE_MARKER_ENVIRONMENT.markerParameterName];
if (!parameterName) throw new Error(`environment variable ${CHANGE_MARKER_ENVIRONMENT.markerParameterName} is not set`);
// Created once per container; endpoint from AWS_ENDPOINT_URL_SSM when set (local sandbox).
const ports = ssmChangeMarkerPorts(new SSMClient({}), parameterName);
const telemetry = powertoolsTelemetry(process.env.POWERTOOLS_SERVICE_NAME || "hub-change-marker");

/** DynamoDB stream batch (filtered to seat INSERT/REMOVE); reports partial failures. */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
    try {
        return await markSeatChanges(event, ports, telemetry);
    } finally {
        telemetry.flush();
    }
}
