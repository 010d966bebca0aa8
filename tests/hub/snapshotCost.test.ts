/**
 * Snapshots in O(their own instances) (#20 item 6) on a real DynamoDB (dynalite) with the real ports: a snapshot
 * reads its account-region's instance partition and the seat rows they name (no Scan), records itself as the
 * account-region's last snapshot and removes its chunks; what it reads does not grow with the rest of the estate.
 * Also: pending counts as running (#21 item 6), stale chunks, and the one-time move of an earlier release's items.
 */
import { expect } from "chai";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { assignSeats } from "../../functions/hub-assignment/assignment";
import { dynamoAssignmentPorts } from "../../functions/hub-assignment/awsPorts";
import { SnapshotOutcome, reconcileSnapshot } from "../../functions/hub-assignment/snapshot";
import { dynamoSnapshotPorts } from "../../functions/hub-assignment/snapshotPorts";
import { LAYOUT_MARKER_KEY, instanceItemKey, instanceRef, inventoryRecordKey, legacyInstanceItemKey, snapshotPartition } from "../../functions/hub-shared/tableKeys";
import { InventoryInstance, snapshotChunks } from "../../functions/shared/inventorySnapshot";
import { WORKBENCH_EVENT_SOURCE, WORKBENCH_SNAPSHOT_DETAIL_TYPE } from "../../functions/shared/workbenchEvent";
import { LocalDynamo, startDynalite } from "../../sandbox/aws/dynalite";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { DynamoCost, countingClient, noCost } from "../support/countingDocumentClient";
import { NOW, WORKBENCH_ACCOUNT, assignmentConfig, workbenchEvent } from "./support/fixtures";
import { seatRows } from "./support/hubTable";

const REGION = "eu-central-1";
const timeAt = (at: number) => new Date(NOW - 3600_000 + at * 1000).toISOString();
const instanceId = (n: number) => `i-0${n.toString(16).padStart(16, "0")}`;
const observed = (id: string, state: InventoryInstance["ec2-state"] = "running"): InventoryInstance => ({ "instance-id": id, "ec2-state": state, "user-id": "alice", "workbench-type": "cae-standard" });

let snapshots = 0;
function snapshotEvents(at: number, instances: InventoryInstance[], options: { account?: string; region?: string; maxBytes?: number } = {}): Record<string, unknown>[] {
    const account = options.account ?? WORKBENCH_ACCOUNT;
    const region = options.region ?? REGION;
    const asOf = timeAt(at);
    return snapshotChunks({ account, region, snapshotId: `cost-${++snapshots}`, asOf }, instances, options.maxBytes).map((detail) => ({
        version: "0", id: `bus-${detail["snapshot-id"]}-${detail["chunk-index"]}`, "detail-type": WORKBENCH_SNAPSHOT_DETAIL_TYPE, source: WORKBENCH_EVENT_SOURCE,
        account, time: asOf, region, resources: [], detail,
    }));
}

describe("inventory snapshots read only their own account-region (dynalite)", function () {
    this.timeout(120_000);
    let dynamo: LocalDynamo;
    let table: string;
    let telemetry: RecordingTelemetry;

    before(async () => {
        dynamo = await startDynalite();
    });
    after(() => dynamo.close());
    beforeEach(async () => {
        table = await dynamo.createHubTable();
        telemetry = new RecordingTelemetry();
    });
    afterEach(() => dynamo.deleteTable(table));

    const portsOn = (db: DynamoDBDocumentClient) => ({ ...dynamoAssignmentPorts(db, table), ...dynamoSnapshotPorts(db, table) });
    const config = () => assignmentConfig(table, { allowedAccounts: new Set() });
    const apply = async (event: unknown) => {
        const outcome = await assignSeats(event, config(), portsOn(dynamo.documents), telemetry, NOW);
        expect(outcome.outcome).to.equal("applied");
    };
    const reconcile = async (events: Record<string, unknown>[], cost?: DynamoCost): Promise<SnapshotOutcome[]> => {
        const ports = portsOn(cost ? countingClient(dynamo.documents, cost) : dynamo.documents);
        const outcomes: SnapshotOutcome[] = [];
        for (const event of events) outcomes.push(await reconcileSnapshot(event, config(), ports, telemetry, NOW));
        return outcomes;
    };
    const get = async (key: { pk: string; sk: string }) => (await dynamo.documents.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

    /** `count` account-regions (other accounts) with `perRegion` running workbenches each, seated through events. */
    const populateOthers = async (from: number, count: number, perRegion: number) => {
        for (let a = from; a < from + count; a++) {
            const account = String(300_000_000_000 + a);
            await Promise.all(Array.from({ length: perRegion }, (_, i) => apply(workbenchEvent({ account, instance: instanceId(a * 100 + i), user: `user${a}x${i}`, at: 10 }))));
        }
    };

    it("costs the same whatever the rest of the estate holds: a Query of its partition and a BatchGet of its seat rows, no Scan", async () => {
        const own = [1, 2, 3].map(instanceId);
        for (const id of own) await apply(workbenchEvent({ instance: id, at: 10 }));
        // The table's first snapshot looks once for an earlier release's items (the next test); measured after it.
        await reconcile(snapshotEvents(90, own.map((id) => observed(id))));
        const costs: Array<{ otherAccountRegions: number; cost: DynamoCost }> = [];
        let others = 0;
        for (const target of [0, 10, 40]) {
            await populateOthers(others, target - others, 3);
            others = target;
            const cost = noCost();
            const [outcome] = await reconcile(snapshotEvents(100 + target, own.map((id) => observed(id))), cost);
            expect(outcome).to.deep.include({ outcome: "reconciled", observed: 3, corrected: 0, repaired: 0 });
            costs.push({ otherAccountRegions: target, cost });
        }
        for (const { otherAccountRegions, cost } of costs) {
            console.log(`      snapshot of 3 instances beside ${String(otherAccountRegions).padStart(2)} other account-regions (3 workbenches each): ${cost.itemsRead} items read, calls ${JSON.stringify(cost.calls)}`);
        }
        expect(costs[0].cost.calls).not.to.have.property("Scan");
        expect(costs[0].cost.calls).to.include({ Query: 2, BatchGet: 1 });
        for (const { cost } of costs) expect(cost).to.deep.equal(costs[0].cost);
        expect(Object.keys(Object.fromEntries(await seatRows(dynamo.documents, table))).length).to.equal(2 + 40 * 3 * 2);
    });

    it("records the snapshot as its account-region's last, removes its chunks, and refuses its chunks again as stale", async () => {
        await apply(workbenchEvent({ instance: instanceId(1), at: 10 }));
        const chunks = snapshotEvents(100, [observed(instanceId(1)), observed(instanceId(2), "stopped"), observed(instanceId(3), "stopped")], { maxBytes: 360 });
        expect(chunks.length).to.be.greaterThan(1);
        const outcomes = await reconcile(chunks);
        expect(outcomes.at(-1)).to.deep.include({ outcome: "reconciled", observed: 3 });
        const detail = chunks[0].detail as { "snapshot-id": string; "as-of": string };
        expect(await get(inventoryRecordKey(WORKBENCH_ACCOUNT, REGION))).to.deep.include({ account: WORKBENCH_ACCOUNT, region: REGION, snapshotId: detail["snapshot-id"], asOf: detail["as-of"], reconciledAt: new Date(NOW).toISOString() });
        const left = await dynamo.documents.send(new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": snapshotPartition(WORKBENCH_ACCOUNT, REGION, detail["snapshot-id"]) }, ConsistentRead: true }));
        expect(left.Items, "chunks removed once complete").to.deep.equal([]);

        // A redelivered chunk of it, and an older snapshot arriving late: neither stores a chunk or changes a seat.
        const before = await seatRows(dynamo.documents, table);
        expect(await reconcile([chunks[0]])).to.deep.equal([{ outcome: "stale", snapshotId: detail["snapshot-id"], reason: "snapshot already reconciled" }]);
        const [older] = await reconcile(snapshotEvents(50, []));
        expect(older).to.deep.include({ outcome: "stale" });
        expect(await seatRows(dynamo.documents, table)).to.deep.equal(before);
        expect((await get(inventoryRecordKey(WORKBENCH_ACCOUNT, REGION)))?.snapshotId).to.equal(detail["snapshot-id"]);
    });

    it("counts a pending instance as running: a snapshot taken seconds after a start keeps its seats", async () => {
        await apply(workbenchEvent({ instance: instanceId(1), at: 10 }));
        const [kept] = await reconcile(snapshotEvents(100, [observed(instanceId(1), "pending")]));
        expect(kept).to.deep.include({ outcome: "reconciled", corrected: 0 });
        const [seated] = await reconcile(snapshotEvents(200, [observed(instanceId(1)), observed(instanceId(2), "pending")]));
        expect(seated).to.deep.include({ corrected: 1 });
        expect([...(await seatRows(dynamo.documents, table)).keys()].sort()).to.deep.equal(["ansys/alice", "matlab/alice"]);
        expect((await seatRows(dynamo.documents, table)).get("matlab/alice")?.instances).to.deep.equal([instanceId(1), instanceId(2)].map((id) => instanceRef(WORKBENCH_ACCOUNT, REGION, id)).sort());
    });

    it("moves an earlier release's instance items into their partitions once, releasing seats a stop applied meanwhile left behind", async () => {
        // As release 0.1.0 left it: alice's workbench started (legacy item), seat rows naming it.
        const ref = instanceRef(WORKBENCH_ACCOUNT, REGION, instanceId(7));
        await apply(workbenchEvent({ instance: instanceId(7), at: 10 }));
        const current = await get(instanceItemKey(ref));
        await dynamo.documents.send(new PutCommand({ TableName: table, Item: { ...current, ...legacyInstanceItemKey(ref) } }));
        await dynamo.documents.send(new DeleteCommand({ TableName: table, Key: instanceItemKey(ref) }));
        // After the upgrade, before any snapshot: the stop, in the new layout, knows nothing of the legacy item's seats.
        await apply(workbenchEvent({ instance: instanceId(7), ec2State: "stopped", at: 20 }));
        expect([...(await seatRows(dynamo.documents, table)).keys()]).to.have.length(2);

        const first = noCost();
        const [outcome] = await reconcile(snapshotEvents(100, []), first);
        expect(outcome).to.deep.include({ outcome: "reconciled" });
        expect(first.calls.Scan, "the one Scan of the table's life").to.equal(1);
        expect(await seatRows(dynamo.documents, table)).to.deep.equal(new Map());
        expect(await get(legacyInstanceItemKey(ref)), "legacy item moved").to.equal(undefined);
        expect(await get(instanceItemKey(ref))).to.deep.include({ state: "stopped", seatRefs: new Set(["matlab#alice", "ansys#alice"]) });
        expect(await get(LAYOUT_MARKER_KEY)).to.deep.include({ moved: 1 });

        const later = noCost();
        await reconcile(snapshotEvents(200, [], { region: "eu-west-1" }), later);
        expect(later.calls).not.to.have.property("Scan");
    });
});
