import { DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCommandInvocationCommand, GetParameterCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { PARTITION_KEY, SEAT_SORT_PREFIX, SORT_KEY, SYNC_STATE_KEY, seatPartition } from "../hub-shared/tableKeys";
import { licenseCommandParameters, userListObjectKey } from "../hub-shared/userList";
import type { SyncConfig } from "../hub-shared/config";
import type { LicenseCommandResult, SyncPorts, SyncState } from "./sync";
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

    return {
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
                    throw new Error("another sync changed the sync state concurrently; this tick's results are discarded");
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
            while (Date.now() < deadline) {
                await sleep(config.pollIntervalMs);
                try {
                    const invocation = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: request.instanceId }));
                    const status = invocation.Status ?? "Pending";
                    if (!PENDING_STATUSES.has(status)) {
                        const detail = [invocation.StatusDetails, tail(invocation.StandardErrorContent)].filter(Boolean).join(": ");
                        return { status, commandId, detail: detail || undefined };
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
