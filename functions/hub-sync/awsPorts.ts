import { DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCommandInvocationCommand, GetCommandInvocationCommandOutput, GetParameterCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { PARTITION_KEY, SEAT_SORT_PREFIX, SORT_KEY, SYNC_GENERATION_KEY, SYNC_STATE_KEY, seatPartition } from "../hub-shared/tableKeys";
import { APPLY_STEP_NAMES, licenseCommandParameters, userListObjectKey } from "../hub-shared/userList";
import { nextGeneration } from "./generation";
import type { SyncConfig } from "../hub-shared/config";
import { LicenseCommandResult, SyncPorts, SyncState, SyncStateConflict } from "./sync";
import type { SeatHolder } from "./seatSelection";

export interface SyncClients {
    db: DynamoDBDocumentClient;
    s3: S3Client;
    ssm: SSMClient;
}

export interface SyncPortOptions {
    /** Query page size; default: DynamoDB's 1 MB pages. */
    queryPageSize?: number;
    /** Waits between polls (tests replace it to avoid real sleeps). */
    sleep?: (ms: number) => Promise<void>;
}

/** Invocation states in which Run Command may still change its mind. */
const PENDING_STATUSES = new Set(["Pending", "InProgress", "Delayed", "Cancelling"]);

export function awsSyncPorts(clients: SyncClients, config: SyncConfig, options: SyncPortOptions = {}): SyncPorts {
    const { db, s3, ssm } = clients;
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

    const isConditionFailure = (err: unknown) => (err as { name?: string }).name === "ConditionalCheckFailedException";

    return {
        async claimGeneration(holder, leaseUntil) {
            const { Item } = await db.send(new GetCommand({ TableName: config.tableName, Key: { ...SYNC_GENERATION_KEY }, ConsistentRead: true }));
            const now = Date.now();
            if (Item && typeof Item.holder === "string" && Number(Item.leaseUntil ?? 0) > now) return undefined;
            const last = Item ? Number(Item.generation ?? 0) : undefined;
            const claim = { generation: nextGeneration(last ?? 0, now), holder, leaseUntil };
            try {
                await db.send(
                    new PutCommand({
                        TableName: config.tableName,
                        Item: { ...SYNC_GENERATION_KEY, ...claim },
                        // The generation identifies the last write: unchanged means nobody claimed since the read.
                        ConditionExpression: last === undefined ? "attribute_not_exists(#pk)" : "#generation = :last",
                        ExpressionAttributeNames: last === undefined ? { "#pk": PARTITION_KEY } : { "#generation": "generation" },
                        ExpressionAttributeValues: last === undefined ? undefined : { ":last": last },
                    }),
                );
                return claim;
            } catch (err) {
                if (isConditionFailure(err)) return undefined;
                throw err;
            }
        },

        async releaseGeneration(claim, floor) {
            try {
                await db.send(
                    new PutCommand({
                        TableName: config.tableName,
                        Item: { ...SYNC_GENERATION_KEY, generation: Math.max(claim.generation, floor) },
                        ConditionExpression: "#generation = :mine AND #holder = :holder",
                        ExpressionAttributeNames: { "#generation": "generation", "#holder": "holder" },
                        ExpressionAttributeValues: { ":mine": claim.generation, ":holder": claim.holder },
                    }),
                );
            } catch (err) {
                // Our lease ran out and another tick claimed a newer generation: nothing of ours left to release.
                if (!isConditionFailure(err)) throw err;
            }
        },

        async readMarker() {
            const { Parameter } = await ssm.send(new GetParameterCommand({ Name: config.markerParameterName }));
            if (Parameter?.Version === undefined) throw new Error(`parameter ${config.markerParameterName} has no version`);
            return { version: Parameter.Version, value: Parameter.Value ?? "" };
        },

        async readState() {
            const { Item } = await db.send(new GetCommand({ TableName: config.tableName, Key: { ...SYNC_STATE_KEY }, ConsistentRead: true }));
            if (!Item) return { revision: 0, products: {} };
            return {
                revision: Number(Item.revision ?? 0),
                marker: Item.marker,
                configurationFingerprint: Item.configurationFingerprint,
                products: Item.products ?? {},
                ticksSinceFullCheck: Number(Item.ticksSinceFullCheck ?? 0),
                lastCommandsAt: Item.lastCommandsAt === undefined ? undefined : Number(Item.lastCommandsAt),
            } as SyncState;
        },

        async writeState(state, expectedRevision) {
            try {
                await db.send(
                    new PutCommand({
                        TableName: config.tableName,
                        Item: { ...SYNC_STATE_KEY, ...state },
                        ConditionExpression: expectedRevision === 0 ? "attribute_not_exists(#pk)" : "#revision = :expected",
                        ExpressionAttributeNames: expectedRevision === 0 ? { "#pk": PARTITION_KEY } : { "#revision": "revision" },
                        ExpressionAttributeValues: expectedRevision === 0 ? undefined : { ":expected": expectedRevision },
                    }),
                );
            } catch (err) {
                if ((err as { name?: string }).name === "ConditionalCheckFailedException") {
                    throw new SyncStateConflict();
                }
                throw err;
            }
        },

        async seatHolders(product) {
            const holders: SeatHolder[] = [];
            const pages = paginateQuery(
                { client: db, pageSize: options.queryPageSize },
                {
                    TableName: config.tableName,
                    KeyConditionExpression: "#pk = :pk",
                    ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#sk": SORT_KEY, "#first": "firstAssignedAt" },
                    ExpressionAttributeValues: { ":pk": seatPartition(product) },
                    ProjectionExpression: "#sk, #first",
                    ConsistentRead: true,
                },
            );
            for await (const page of pages) {
                for (const item of page.Items ?? []) {
                    const sk = String(item[SORT_KEY] ?? "");
                    // The key is authoritative; its user id is validated again by the selection.
                    holders.push({ userId: sk.startsWith(SEAT_SORT_PREFIX) ? sk.slice(SEAT_SORT_PREFIX.length) : "", firstAssignedAt: String(item.firstAssignedAt ?? "") });
                }
            }
            return holders;
        },

        async publishUserList(product, list) {
            await s3.send(
                new PutObjectCommand({
                    Bucket: config.userListBucket,
                    Key: userListObjectKey(product, list.sha256),
                    Body: Buffer.from(list.body, "utf8"),
                    ContentLength: Buffer.byteLength(list.body, "utf8"),
                    ContentType: "text/plain; charset=utf-8",
                }),
            );
        },

        async runLicenseCommand(request, deadline): Promise<LicenseCommandResult> {
            const { Command } = await ssm.send(
                new SendCommandCommand({
                    DocumentName: config.documentName,
                    // The version the component just deployed, even before it becomes the default.
                    DocumentVersion: "$LATEST",
                    InstanceIds: [request.instanceId],
                    Parameters: licenseCommandParameters(request.product, request.sha256, request.generation),
                    TimeoutSeconds: config.deliveryTimeoutSeconds,
                    Comment: `license hub: ${request.product} generation ${request.generation}`.slice(0, 100),
                }),
            );
            const commandId = Command?.CommandId;
            if (!commandId) throw new Error("SendCommand returned no command id");
            // The first polls come sooner (1/8, 1/4, 1/2 of the interval): a quick command ends the sync, and the next one, sooner.
            for (let poll = 0; Date.now() < deadline; poll++) {
                await sleep(Math.max(1, Math.min(config.pollIntervalMs, Math.round((config.pollIntervalMs / 8) * 2 ** poll))));
                try {
                    const invocation = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: request.instanceId }));
                    const status = invocation.Status ?? "Pending";
                    if (!PENDING_STATUSES.has(status)) {
                        if (status === "Success") return { status, commandId };
                        // A document of several steps reports exit codes and output per step: ask for the apply step that
                        // failed (the other platform's step was skipped, which reports success).
                        let step: GetCommandInvocationCommandOutput | undefined;
                        for (const pluginName of APPLY_STEP_NAMES) {
                            step = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: request.instanceId, PluginName: pluginName })).catch(() => undefined);
                            if (step && step.Status !== "Success") break;
                        }
                        const output = [step?.StandardOutputContent, step?.StandardErrorContent].map((text) => text?.trim()).filter(Boolean).join("\n");
                        const detail = [invocation.StatusDetails, tail(step?.StandardErrorContent ?? invocation.StandardErrorContent)].filter(Boolean).join(": ");
                        const responseCode = step?.ResponseCode ?? invocation.ResponseCode;
                        return { status, commandId, detail: detail || undefined, responseCode, output: tail(output) };
                    }
                } catch (err) {
                    // Run Command registers the invocation shortly after SendCommand returns.
                    if ((err as { name?: string }).name !== "InvocationDoesNotExist") throw err;
                }
            }
            return { status: "WaitTimedOut", commandId, detail: "the command did not finish before the sync's deadline" };
        },
    };
}

function tail(text: string | undefined, max = 500): string | undefined {
    if (!text) return undefined;
    const trimmed = text.trim();
    return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed;
}
