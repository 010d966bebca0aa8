import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { Context } from "aws-lambda";
import { syncConfigFromEnv } from "../hub-shared/config";
import { powertoolsTelemetry } from "../shared/powertools";
import { awsSyncPorts } from "./awsPorts";
import { SyncOutcome, syncUserLists } from "./sync";

/** Time kept back from the Lambda timeout to record the state after the last command. */
const DEADLINE_MARGIN_MS = 15_000;

// Created once per container; endpoints from AWS_ENDPOINT_URL_<SERVICE> when set (local sandbox). Adaptive retries
// slow the client down when SSM throttles the polling of several commands.
const config = syncConfigFromEnv(process.env);
const ports = awsSyncPorts(
    {
        db: DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
        s3: new S3Client({}),
        ssm: new SSMClient({ retryMode: "adaptive", maxAttempts: 6 }),
    },
    config,
);
const telemetry = powertoolsTelemetry(process.env.POWERTOOLS_SERVICE_NAME || "hub-sync");

/**
 * Scheduled every minute (reserved concurrency 1, so ticks never overlap). Invoke it with `{"force": true}` to
 * resend every product's list. Throws when a product could not be delivered, so the function's error alarm fires;
 * the next tick retries that product.
 */
export async function handler(event: unknown, context?: Pick<Context, "getRemainingTimeInMillis">): Promise<SyncOutcome> {
    const force = typeof event === "object" && event !== null && (event as { force?: unknown }).force === true;
    const remaining = context?.getRemainingTimeInMillis?.() ?? 60_000;
    try {
        const outcome = await syncUserLists(
            ports,
            { products: config.products, configurationFingerprint: config.configurationFingerprint, deadline: Date.now() + remaining - DEADLINE_MARGIN_MS, force },
            telemetry,
        );
        if (outcome.outcome === "failed") {
            throw new Error(`user lists not delivered for ${outcome.failed.map((f) => f.product).join(", ")}; retried next tick`);
        }
        return outcome;
    } finally {
        telemetry.flush();
    }
}
