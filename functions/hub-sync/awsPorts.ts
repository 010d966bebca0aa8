import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCommandInvocationCommand, GetCommandInvocationCommandOutput, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { APPLY_STEP_NAMES, bundleCommandParameters } from "../hub-shared/userList";
import type { SyncConfig } from "../hub-shared/config";
import type { SyncPorts } from "./ports";
import { TablePortOptions, dynamoSyncTablePorts } from "./tablePorts";

export interface SyncClients {
    db: DynamoDBDocumentClient;
    s3: S3Client;
    ssm: SSMClient;
}

/** Invocation states in which Run Command may still change its mind. */
const PENDING_STATUSES = new Set(["Pending", "InProgress", "Delayed", "Cancelling"]);

export function awsSyncPorts(clients: SyncClients, config: SyncConfig, options: TablePortOptions = {}): SyncPorts {
    const { db, s3, ssm } = clients;
    return {
        ...dynamoSyncTablePorts(db, config.tableName, options),

        async publishBundle(bundle) {
            await s3.send(
                new PutObjectCommand({
                    Bucket: config.userListBucket,
                    Key: bundle.key,
                    Body: Buffer.from(bundle.body, "utf8"),
                    ContentLength: Buffer.byteLength(bundle.body, "utf8"),
                    ContentType: "text/plain; charset=utf-8",
                }),
            );
        },

        async sendBundle(instanceId, bundle, comment) {
            const { Command } = await ssm.send(
                new SendCommandCommand({
                    DocumentName: config.documentName,
                    // The version the component just deployed, even before it becomes the default.
                    DocumentVersion: "$LATEST",
                    InstanceIds: [instanceId],
                    Parameters: bundleCommandParameters(bundle),
                    TimeoutSeconds: config.deliveryTimeoutSeconds,
                    Comment: comment.slice(0, 100),
                }),
            );
            if (!Command?.CommandId) throw new Error("SendCommand returned no command id");
            return Command.CommandId;
        },

        async commandOutcome(commandId, instanceId) {
            let invocation: GetCommandInvocationCommandOutput;
            try {
                invocation = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
            } catch (err) {
                // Run Command registers the invocation shortly after SendCommand returns.
                if ((err as { name?: string }).name === "InvocationDoesNotExist") return undefined;
                throw err;
            }
            const status = invocation.Status ?? "Pending";
            if (PENDING_STATUSES.has(status)) return undefined;
            const ended = Date.parse(invocation.ExecutionEndDateTime ?? "");
            const endedAt = Number.isNaN(ended) ? {} : { endedAt: ended };
            if (status === "Success") return { status, commandId, responseCode: 0, ...endedAt };
            // A document of several steps reports exit codes and output per step: ask for the apply step that failed
            // (the other platform's step was skipped, which reports success).
            let step: GetCommandInvocationCommandOutput | undefined;
            for (const pluginName of APPLY_STEP_NAMES) {
                step = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId, PluginName: pluginName })).catch(() => undefined);
                if (step && step.Status !== "Success") break;
            }
            const output = [step?.StandardOutputContent, step?.StandardErrorContent].map((text) => text?.trim()).filter(Boolean).join("\n");
            const detail = [invocation.StatusDetails, tail(step?.StandardErrorContent ?? invocation.StandardErrorContent)].filter(Boolean).join(": ");
            return { status, commandId, responseCode: step?.ResponseCode ?? invocation.ResponseCode, output: output || undefined, detail: detail || undefined, ...endedAt };
        },
    };
}

function tail(text: string | undefined, max = 500): string | undefined {
    if (!text) return undefined;
    const trimmed = text.trim();
    return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed;
}
