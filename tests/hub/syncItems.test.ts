import { expect } from "chai";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { awsSyncPorts } from "../../functions/hub-sync/awsPorts";
import { syncUserLists } from "../../functions/hub-sync/sync";
import { dynamoSyncTablePorts } from "../../functions/hub-sync/tablePorts";
import { CHANGE_MARK_PARTITION, SYNC_PARTITION } from "../../functions/hub-shared/tableKeys";
import { startDynalite, LocalDynamo } from "../../sandbox/aws/dynalite";
import { RecordingTelemetry } from "../support/recordingTelemetry";

const PRODUCTS = 400;
const SERVERS = 30;
const ITEM_QUOTA = 400 * 1024;

/** DynamoDB's size of an item: attribute names plus their values, as stored (marshalled). */
function itemBytes(item: Record<string, unknown>): number {
    return Buffer.byteLength(JSON.stringify(marshall(item, { convertClassInstanceToMap: true, removeUndefinedValues: true })));
}

describe("the sync's items at 400 products (dynalite, the real table ports)", function () {
    this.timeout(120_000);
    let dynamo: LocalDynamo;
    before(async () => {
        dynamo = await startDynalite();
    });
    after(async () => {
        await dynamo.close();
    });

    it("keeps one small item per product, server and mark: none grows with the number of products", async () => {
        const table = await dynamo.createHubTable();
        const servers = Array.from({ length: SERVERS }, (_, i) => `i-${(0x5e000000 + i).toString(16).padStart(17, "0")}`);
        const products = Object.fromEntries(
            Array.from({ length: PRODUCTS }, (_, i) => [`feature-${String(i).padStart(3, "0")}`, { instanceId: servers[i % SERVERS], command: ["/opt/vendor/bin/lmadmin", "--product", "{product}", "--users-file", "{usersFile}"] }]),
        );
        // Run Command and S3 answered in process: every command succeeds at once.
        const ssm = { send: async (command: { constructor: { name: string } }) => (command.constructor.name === "SendCommandCommand" ? { Command: { CommandId: "c" } } : { Status: "Success" }) };
        const s3 = { send: async () => ({}) };
        const config = { tableName: table, products, userListBucket: "b", documentName: "d", configurationFingerprint: "doc", deliveryTimeoutSeconds: 60, pollIntervalMs: 10, fullCheckEveryTicks: 10, minCommandIntervalMs: 1 };
        const ports = awsSyncPorts({ db: dynamo.documents, s3: s3 as never, ssm: ssm as never }, config);
        await ports.markChanged(Object.keys(products));
        const outcome = await syncUserLists(ports, { products, configurationFingerprint: "doc", deadline: Date.now() + 60_000, scheduled: true, minCommandIntervalMs: 1, pollIntervalMs: 10 }, new RecordingTelemetry());
        expect(outcome).to.deep.include({ outcome: "synced", commands: SERVERS });
        expect((outcome as { sent: string[] }).sent).to.have.length(PRODUCTS);
        // A mark for every product, as in a storm, while the deliveries are recorded.
        await ports.markChanged(Object.keys(products));
        expect(await dynamoSyncTablePorts(dynamo.documents, table).changeMarks()).to.have.length(PRODUCTS);

        const items = (await dynamo.documents.send(new ScanCommand({ TableName: table }))).Items ?? [];
        const ours = items.filter((item) => item.pk === SYNC_PARTITION || item.pk === CHANGE_MARK_PARTITION);
        const kinds = new Map<string, number[]>();
        for (const item of ours) {
            const kind = item.pk === CHANGE_MARK_PARTITION ? "change mark" : String(item.sk).replace(/#.*$/, "#...");
            kinds.set(kind, [...(kinds.get(kind) ?? []), itemBytes(item)]);
        }
        console.log(`      sync items at ${PRODUCTS} products: ${[...kinds].map(([kind, sizes]) => `${sizes.length} x ${kind} (largest ${Math.max(...sizes)} bytes)`).join(", ")}; item quota ${ITEM_QUOTA}`);
        expect(Object.fromEntries([...kinds].map(([kind, sizes]) => [kind, sizes.length]))).to.deep.equal({ "PRODUCT#...": PRODUCTS, "SERVER#...": SERVERS, CHECKS: 1, GENERATION: 1, "change mark": PRODUCTS });
        for (const [kind, sizes] of kinds) expect(Math.max(...sizes), kind).to.be.below(1024);
    });
});
