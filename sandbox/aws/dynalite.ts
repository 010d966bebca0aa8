import type { AddressInfo } from "node:net";
import { CreateTableCommand, CreateTableCommandInput, DeleteTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { HUB_TABLE } from "../../components/hub/definitions";
import { LOCAL_CLIENT_CONFIG } from "./awsJsonServer";

// dynalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (options: Record<string, unknown>) => import("node:http").Server;

export interface LocalDynamo {
    /** `http://127.0.0.1:<port>`. */
    endpoint: string;
    client: DynamoDBClient;
    /** Document client marshalling as the hub's handlers do. */
    documents: DynamoDBDocumentClient;
    /** Creates a table; returns its name once DescribeTable says ACTIVE (the only way any table here is created). */
    createTable(input: CreateTableCommandInput & { TableName: string }): Promise<string>;
    /** Creates a hub table (same key schema and attributes as the component's table); returns its name once it is ACTIVE. */
    createHubTable(name?: string): Promise<string>;
    /** Deletes a table and returns once DynamoDB no longer knows it. */
    deleteTable(name: string): Promise<void>;
    close(): Promise<void>;
}

export interface DynaliteOptions {
    /** How long dynalite keeps a new table CREATING (and a deleted one DELETING). Default 0: still one timer tick. */
    transitionMs?: number;
}

/** How long a table may take to become ACTIVE (or to disappear) before the harness gives up with a clear error. */
const TABLE_READY_TIMEOUT_MS = 30_000;

let tableCounter = 0;

/**
 * dynalite in memory on 127.0.0.1 (a free port). No Streams, no transactions, no TTL expiry. dynalite answers
 * CreateTable with CREATING and flips the table to ACTIVE on a timer, even with a delay of 0, so the first write
 * after CreateTable can fail with ResourceNotFoundException: `createHubTable` therefore returns only once
 * DescribeTable says ACTIVE, as code against real DynamoDB must wait too.
 */
export async function startDynalite(options: DynaliteOptions = {}): Promise<LocalDynamo> {
    const transitionMs = options.transitionMs ?? 0;
    const server = dynalite({ createTableMs: transitionMs, deleteTableMs: transitionMs, updateTableMs: transitionMs });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
    const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

    /** Polls DescribeTable until `done` says so; undefined status means the table does not exist. */
    async function waitForTable(name: string, done: (status: string | undefined) => boolean, what: string): Promise<void> {
        const deadline = Date.now() + TABLE_READY_TIMEOUT_MS;
        for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
            let status: string | undefined;
            try {
                status = (await client.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus;
            } catch (err) {
                if (!(err instanceof ResourceNotFoundException)) throw err;
            }
            if (done(status)) return;
            if (Date.now() > deadline) throw new Error(`dynalite table ${name} did not become ${what} within ${TABLE_READY_TIMEOUT_MS} ms (status ${status ?? "absent"})`);
            await new Promise((resolve) => setTimeout(resolve, delay));
        }
    }

    async function createTable(input: CreateTableCommandInput & { TableName: string }): Promise<string> {
        await client.send(new CreateTableCommand(input));
        await waitForTable(input.TableName, (status) => status === "ACTIVE", "ACTIVE");
        return input.TableName;
    }

    return {
        endpoint,
        client,
        documents,
        createTable,
        createHubTable: (name = `hub-${process.pid}-${++tableCounter}`) =>
            createTable({
                TableName: name,
                KeySchema: HUB_TABLE.keySchema.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType })),
                AttributeDefinitions: HUB_TABLE.attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
                BillingMode: "PAY_PER_REQUEST",
            }),
        async deleteTable(name) {
            await client.send(new DeleteTableCommand({ TableName: name }));
            await waitForTable(name, (status) => status === undefined, "deleted");
        },
        async close() {
            client.destroy();
            server.closeAllConnections?.();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}
