import type { AddressInfo } from "node:net";
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
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
    /** Creates a hub table (same key schema and attributes as the component's table) and returns its name. */
    createHubTable(name?: string): Promise<string>;
    deleteTable(name: string): Promise<void>;
    close(): Promise<void>;
}

let tableCounter = 0;

/** dynalite in memory on 127.0.0.1 (a free port), tables ACTIVE at once. No Streams, no transactions, no TTL expiry. */
export async function startDynalite(): Promise<LocalDynamo> {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
    const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    return {
        endpoint,
        client,
        documents,
        async createHubTable(name = `hub-${process.pid}-${++tableCounter}`) {
            await client.send(
                new CreateTableCommand({
                    TableName: name,
                    KeySchema: HUB_TABLE.keySchema.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType })),
                    AttributeDefinitions: HUB_TABLE.attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
                    BillingMode: "PAY_PER_REQUEST",
                }),
            );
            return name;
        },
        async deleteTable(name) {
            await client.send(new DeleteTableCommand({ TableName: name }));
        },
        async close() {
            client.destroy();
            server.closeAllConnections?.();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}
