/**
 * DynamoDB's 400 KB item quota against the largest item each hub handler writes at the target estate, written by
 * the real ports to a real DynamoDB (dynalite) and read back: the sync's delivery, server and mark items at 400
 * products and 30 servers; the assignment's instance item and seat rows for the widest workbench type with the
 * longest names the contract admits; the reconciliation's largest snapshot chunk. Sizes are printed.
 */
import { expect } from "chai";
import { GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { assignmentCatalog } from "../../components/hub/catalog";
import { assignSeats } from "../../functions/hub-assignment/assignment";
import { dynamoAssignmentPorts } from "../../functions/hub-assignment/awsPorts";
import { dynamoSnapshotPorts } from "../../functions/hub-assignment/snapshotPorts";
import { awsSyncPorts } from "../../functions/hub-sync/awsPorts";
import { syncUserLists } from "../../functions/hub-sync/sync";
import { dynamoSyncTablePorts } from "../../functions/hub-sync/tablePorts";
import { CHANGE_MARK_PARTITION, SYNC_PARTITION, instanceItemKey, instanceRef, parseSeatRowKey, snapshotChunkKey } from "../../functions/hub-shared/tableKeys";
import { snapshotChunks } from "../../functions/shared/inventorySnapshot";
import { startDynalite, LocalDynamo } from "../../sandbox/aws/dynalite";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { TARGET_ESTATE, generateEstate } from "../../bench/orgScale/estate";
import { NOW, assignmentConfig, workbenchEvent } from "../hub/support/fixtures";
import { longestInventory } from "./largestEvents";
import { AWS_QUOTAS, reportSize } from "./quotas";

const PRODUCTS = TARGET_ESTATE.products;
const SERVERS = TARGET_ESTATE.licenseServers;
const ITEM_QUOTA = AWS_QUOTAS.dynamoItemBytes;

/**
 * An upper bound of DynamoDB's size of an item: the JSON of its marshalled form (names, type tags and values; DynamoDB
 * counts names and values, and a few bytes per map or list element, fewer than the JSON's quotes and braces).
 */
function itemBytes(item: Record<string, unknown>): number {
    return Buffer.byteLength(JSON.stringify(marshall(item, { convertClassInstanceToMap: true, removeUndefinedValues: true })));
}

describe("quotas: the largest DynamoDB item each hub handler writes at the target estate (dynalite, the real ports)", function () {
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
        for (const [kind, sizes] of kinds) reportSize(`sync's ${sizes.length} x ${kind} item at ${PRODUCTS} products (largest)`, Math.max(...sizes), ITEM_QUOTA);
        expect(Object.fromEntries([...kinds].map(([kind, sizes]) => [kind, sizes.length]))).to.deep.equal({ "PRODUCT#...": PRODUCTS, "SERVER#...": SERVERS, CHECKS: 1, GENERATION: 1, "change mark": PRODUCTS });
        for (const [kind, sizes] of kinds) expect(Math.max(...sizes), kind).to.be.below(1024);
    });

    it("keeps the assignment's instance item and seat rows small for the widest type, the longest names and a user's many workbenches", async () => {
        const table = await dynamo.createHubTable();
        const catalog = generateEstate(TARGET_ESTATE).catalog;
        const [widest, products] = Object.entries(catalog.workbenchTypes).sort(([, a], [, b]) => b.length - a.length)[0];
        // The longest names the workbench event contract admits (64 characters each), a long region.
        const user = `u${"x".repeat(63)}`;
        const account = "999999999999";
        const region = "ap-southeast-7";
        const config = assignmentConfig(table, { workbenchTypes: assignmentCatalog(catalog), allowedAccounts: new Set([account]) });
        const ports = dynamoAssignmentPorts(dynamo.documents, table);
        // One engineer with 20 workbenches of that type at once: each names all of its seats, each seat row all of them.
        const instances = Array.from({ length: 20 }, (_, i) => `i-${(0xfff00 + i).toString(16).padStart(17, "f")}`);
        for (const [i, instance] of instances.entries()) {
            const outcome = await assignSeats(workbenchEvent({ user, type: widest, instance, account, region, at: 10 + i }), config, ports, new RecordingTelemetry(), NOW);
            expect(outcome.outcome, instance).to.equal("applied");
        }
        const instanceItem = (await dynamo.documents.send(new GetCommand({ TableName: table, Key: instanceItemKey(instanceRef(account, region, instances[0])), ConsistentRead: true }))).Item!;
        expect(instanceItem.seatRefs.size).to.equal(products.length);
        const rows = ((await dynamo.documents.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? []).filter((item) => parseSeatRowKey(item.pk, item.sk));
        expect(rows).to.have.length(products.length);
        expect(rows.every((row) => row.instances.size === instances.length)).to.equal(true);
        const largestRow = Math.max(...rows.map(itemBytes));
        reportSize(`assignment's instance item, widest type (${products.length} products), 64-character names`, itemBytes(instanceItem), ITEM_QUOTA);
        reportSize(`assignment's seat row, one engineer with ${instances.length} workbenches`, largestRow, ITEM_QUOTA);
        expect(itemBytes(instanceItem)).to.be.below(4 * 1024);
        // A seat row grows with one engineer's simultaneous workbenches only: about 60 bytes each, thousands to the quota.
        expect(largestRow).to.be.below(4 * 1024);
    });

    it("stores the largest snapshot chunk the inventory sends within the item quota", async () => {
        const table = await dynamo.createHubTable();
        const chunks = snapshotChunks({ account: "999999999999", region: "ap-southeast-7", snapshotId: "s".repeat(64), asOf: new Date(NOW).toISOString() }, longestInventory(3000));
        const largest = chunks.reduce((a, b) => (JSON.stringify(a).length >= JSON.stringify(b).length ? a : b));
        await dynamoSnapshotPorts(dynamo.documents, table).storeChunk(largest, Math.floor(NOW / 1000) + 86400);
        const stored = (await dynamo.documents.send(new GetCommand({ TableName: table, Key: snapshotChunkKey(largest.account, largest.region, largest["snapshot-id"], largest["chunk-index"]), ConsistentRead: true }))).Item!;
        expect(stored.chunk.instances).to.have.length(largest.instances.length);
        reportSize(`reconciliation's snapshot chunk item (${largest.instances.length} instances with 64-character names)`, itemBytes(stored), ITEM_QUOTA);
        expect(itemBytes(stored)).to.be.at.most(ITEM_QUOTA);
    });
});
