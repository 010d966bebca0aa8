import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { INVENTORY_WATCH_ENVIRONMENT } from "../hub-shared/environment";
import { hubConfigurationLoader, s3TextReader } from "../hub-shared/hubConfigurationLoader";
import { powertoolsTelemetry } from "../shared/powertools";
import { dynamoWatchPorts } from "./awsPorts";
import { WatchOutcome, WatchPorts, watchInventories } from "./watch";
import { STSClient } from "@aws-sdk/client-sts";
import { workbenchMembers } from "./membership";
import { membershipReaderClient, organizationsPort, organizationsRegion } from "./organizationsPorts";
import { watchSettingsFromEnv } from "./settings";

// Created once per container; endpoints from AWS_ENDPOINT_URL_<SERVICE> when set (local sandbox).
const configuration = hubConfigurationLoader(process.env, s3TextReader(new S3Client({})));
const settings = watchSettingsFromEnv(process.env);
const tableName = process.env[INVENTORY_WATCH_ENVIRONMENT.tableName];
if (!tableName) throw new Error(`environment variable ${INVENTORY_WATCH_ENVIRONMENT.tableName} is not set`);
const telemetry = powertoolsTelemetry(process.env.POWERTOOLS_SERVICE_NAME || "hub-inventory-watch");
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
const membership = settings.membership;
const ports: WatchPorts = {
    ...dynamoWatchPorts(db, tableName, settings.tombstoneRetentionSeconds, telemetry),
    // Organisation mode with a reader: the workbench OUs' members now, through the management account's role.
    ...(membership
        ? (() => {
              const organizations = organizationsPort(membershipReaderClient(membership.roleArn, new STSClient({}), organizationsRegion(membership.roleArn)));
              return { workbenchMembers: () => workbenchMembers(membership.ouIds, organizations) };
          })()
        : {}),
};

/** Scheduled every inventory period. */
export async function handler(): Promise<WatchOutcome> {
    try {
        const { admission } = await configuration();
        return await watchInventories(ports, { ...settings, admittedAccounts: admission.accountIds }, telemetry);
    } finally {
        telemetry.flush();
    }
}
