import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { LEDGER_ENVIRONMENT } from "../hub-shared/environment";
import { productTargets } from "../hub-shared/config";
import { hubConfigurationLoader, s3TextReader } from "../hub-shared/hubConfigurationLoader";
import { powertoolsTelemetry } from "../shared/powertools";
import { awsLedgerPorts } from "./awsPorts";
import { recordSeatChanges } from "./ledger";

const bucket = process.env[LEDGER_ENVIRONMENT.ledgerBucket];
if (!bucket) throw new Error(`environment variable ${LEDGER_ENVIRONMENT.ledgerBucket} is not set`);
const tableName = process.env[LEDGER_ENVIRONMENT.tableName];
if (!tableName) throw new Error(`environment variable ${LEDGER_ENVIRONMENT.tableName} is not set`);
// Created once per container; endpoints from AWS_ENDPOINT_URL_<SERVICE> when set (local sandbox).
const s3 = new S3Client({});
const ports = awsLedgerPorts({ db: DynamoDBDocumentClient.from(new DynamoDBClient({})), s3 }, tableName, bucket);
// The same products (seat limits) as the sync: the hub configuration object, read at the first invocation and kept.
const configuration = hubConfigurationLoader(process.env, s3TextReader(s3));
const telemetry = powertoolsTelemetry(process.env.POWERTOOLS_SERVICE_NAME || "hub-ledger");

/** DynamoDB stream batch (filtered to seat INSERT/REMOVE): ledger records to S3; an error retries the batch. */
export async function handler(event: DynamoDBStreamEvent): Promise<void> {
    try {
        await recordSeatChanges(event, productTargets(await configuration()), ports, telemetry);
    } finally {
        telemetry.flush();
    }
}
