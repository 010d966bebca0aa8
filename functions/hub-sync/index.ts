import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { Context } from "aws-lambda";
import { syncConfig } from "../hub-shared/config";
import { hubConfigurationLoader, s3TextReader } from "../hub-shared/hubConfigurationLoader";
import { powertoolsTelemetry } from "../shared/powertools";
import { awsSyncPorts } from "./awsPorts";
import { SyncOutcome, syncUserLists } from "./sync";

/** Time kept back from the Lambda timeout to record the results of the last commands. */
const DEADLINE_MARGIN_MS = 15_000;

// Created once per container; endpoints from AWS_ENDPOINT_URL_<SERVICE> when set (local sandbox). Adaptive retries
// slow the client down when SSM throttles the polling of several commands. The products come from the hub
// configuration object, read at the first invocation and kept.
const clients = {
    db: DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
    s3: new S3Client({}),
    ssm: new SSMClient({ retryMode: "adaptive", maxAttempts: 6 }),
};
const configuration = hubConfigurationLoader(process.env, s3TextReader(clients.s3));
const telemetry = powertoolsTelemetry(process.env.POWERTOOLS_SERVICE_NAME || "hub-sync");

/**
 * Scheduled every minute (reserved concurrency 1, and a generation claim in the table, so syncs never overlap), and
 * run on each seat-change announcement. Invoke it with `{"force": true}` to resend every product's list. Throws when
 * a product could not be delivered, so the function's error alarm fires; the product keeps its change mark and the
 * next sync retries it.
 */
export async function handler(event: unknown, context?: Pick<Context, "getRemainingTimeInMillis" | "awsRequestId">): Promise<SyncOutcome> {
    const input = typeof event === "object" && event !== null ? (event as Record<string, unknown>) : {};
    const remaining = context?.getRemainingTimeInMillis?.() ?? 60_000;
    try {
        const config = syncConfig(process.env, await configuration());
        const ports = awsSyncPorts(clients, config);
        const outcome = await syncUserLists(
            ports,
            {
                products: config.products,
                configurationFingerprint: config.configurationFingerprint,
                deadline: Date.now() + remaining - DEADLINE_MARGIN_MS,
                force: input.force === true,
                scheduled: input.source === "aws.events" && input["detail-type"] === "Scheduled Event",
                fullCheckEveryTicks: config.fullCheckEveryTicks,
                minCommandIntervalMs: config.minCommandIntervalMs,
                pollIntervalMs: config.pollIntervalMs,
                holder: context?.awsRequestId,
            },
            telemetry,
        );
        if (outcome.outcome === "failed") {
            throw new Error(`user lists not delivered for ${outcome.failed.map((f) => f.product).join(", ")}; retried by the next sync`);
        }
        return outcome;
    } finally {
        telemetry.flush();
    }
}
