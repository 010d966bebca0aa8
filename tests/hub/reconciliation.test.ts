import { expect } from "chai";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { assignSeats } from "../../functions/hub-assignment/assignment";
import { dynamoAssignmentPorts } from "../../functions/hub-assignment/awsPorts";
import { SnapshotOutcome, observationTime, reconcileSnapshot } from "../../functions/hub-assignment/snapshot";
import { eventOrderKey } from "../../functions/hub-assignment/eventOrder";
import { dynamoSnapshotPorts } from "../../functions/hub-assignment/snapshotPorts";
import { instanceItemKey, seatRef, seatRowKey } from "../../functions/hub-shared/tableKeys";
import { InventoryInstance, snapshotChunks } from "../../functions/shared/inventorySnapshot";
import { WORKBENCH_EVENT_SOURCE, WORKBENCH_SNAPSHOT_DETAIL_TYPE } from "../../functions/shared/workbenchEvent";
import { startDynalite, LocalDynamo } from "../../sandbox/aws/dynalite";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { NOW, WORKBENCH_ACCOUNT, assignmentConfig, workbenchEvent } from "./support/fixtures";
import { seatRows } from "./support/hubTable";

const WB1 = "i-0aaaaaaaaaaaaaaa1";
const WB2 = "i-0aaaaaaaaaaaaaaa2";
const ref = (id: string) => `${WORKBENCH_ACCOUNT}/eu-central-1/${id}`;
/** Scenario seconds as the fixtures count them (NOW - 1 h + at). */
const timeAt = (at: number) => new Date(NOW - 3600_000 + at * 1000).toISOString();
const running = (id: string, user = "alice", type = "cae-standard"): InventoryInstance => ({ "instance-id": id, "ec2-state": "running", "user-id": user, "workbench-type": type });

let snapshotCounter = 0;
/** The chunk events of one inventory taken at scenario second `at`, as the hub bus delivers them. */
function snapshot(at: number, instances: InventoryInstance[], options: { maxBytes?: number; account?: string } = {}): Record<string, unknown>[] {
    const account = options.account ?? WORKBENCH_ACCOUNT;
    const asOf = timeAt(at);
    return snapshotChunks({ account, region: "eu-central-1", snapshotId: `snap-${++snapshotCounter}`, asOf }, instances, options.maxBytes).map((detail) => ({
        version: "0",
        id: `bus-${detail["snapshot-id"]}-${detail["chunk-index"]}`,
        "detail-type": WORKBENCH_SNAPSHOT_DETAIL_TYPE,
        source: WORKBENCH_EVENT_SOURCE,
        account,
        time: asOf,
        region: "eu-central-1",
        resources: [],
        detail,
    }));
}

describe("hub reconciliation with inventory snapshots (dynalite)", () => {
    let dynamo: LocalDynamo;
    let table: string;
    let telemetry: RecordingTelemetry;

    before(async () => {
        dynamo = await startDynalite();
    });
    after(async () => {
        await dynamo.close();
    });
    beforeEach(async () => {
        table = await dynamo.createHubTable();
        telemetry = new RecordingTelemetry();
    });
    afterEach(async () => {
        await dynamo.deleteTable(table);
    });

    const ports = () => ({ ...dynamoAssignmentPorts(dynamo.documents, table), ...dynamoSnapshotPorts(dynamo.documents, table) });
    const apply = (event: unknown) => assignSeats(event, assignmentConfig(table), ports(), telemetry, NOW);
    const reconcile = (chunk: unknown): Promise<SnapshotOutcome> => reconcileSnapshot(chunk, assignmentConfig(table), ports(), telemetry, NOW);
    const reconcileAll = async (chunks: unknown[]) => {
        const outcomes: SnapshotOutcome[] = [];
        for (const chunk of chunks) outcomes.push(await reconcile(chunk));
        return outcomes;
    };
    const rows = async () => Object.fromEntries([...(await seatRows(dynamo.documents, table))].map(([key, row]) => [key, row.instances]));
    const item = async (id: string) =>
        (await dynamo.documents.send(new GetCommand({ TableName: table, Key: instanceItemKey(ref(id)), ConsistentRead: true }))).Item;

    it("seats an instance that was running before deployment (no event ever said so)", async () => {
        const [outcome] = await reconcileAll(snapshot(100, [running(WB1), { "instance-id": WB2, "ec2-state": "stopped", "user-id": "bob", "workbench-type": "office" }]));
        expect(outcome).to.deep.include({ outcome: "reconciled", observed: 2, corrected: 2 });
        // Each correction, with the seat holders it changed, so a reader (or the sandbox) sees which event was missing.
        expect(outcome.outcome === "reconciled" && [...outcome.corrections].sort((a, b) => a.instanceId.localeCompare(b.instanceId))).to.deep.equal([
            { instanceId: WB1, state: "started", seatsAdded: 2, seatsReleased: 0 },
            { instanceId: WB2, state: "stopped", seatsAdded: 0, seatsReleased: 0 },
        ]);
        expect(await rows()).to.deep.equal({ "ansys/alice": [ref(WB1)], "matlab/alice": [ref(WB1)] });
        // The stopped instance got a tombstone, so a late start from before the inventory cannot seat it.
        expect(await item(WB2)).to.include({ state: "stopped", ec2EventId: `inventory/snap-${snapshotCounter}` });
        expect((await apply(workbenchEvent({ instance: WB2, user: "bob", type: "office", at: 50 }))).outcome).to.equal("superseded");
        expect(Object.keys(await rows())).to.have.length(2);
        expect(telemetry.total("InventoryCorrections")).to.equal(2);
    });

    it("changes nothing on a partial snapshot, and reconciles once the last chunk arrives, in any order", async () => {
        const chunks = snapshot(100, [running(WB1), running(WB2, "bob", "office")], { maxBytes: 330 });
        expect(chunks).to.have.length(2);
        expect(await reconcile(chunks[1])).to.deep.include({ outcome: "partial", chunksHeld: 1, chunkCount: 2 });
        expect(await reconcile(chunks[1])).to.deep.include({ outcome: "partial", chunksHeld: 1 });
        expect(await rows()).to.deep.equal({});
        expect(await reconcile(chunks[0])).to.deep.include({ outcome: "reconciled", observed: 2 });
        expect(Object.keys(await rows()).sort()).to.deep.equal(["ansys/alice", "matlab/alice", "matlab/bob"]);
    });

    it("stops an instance held as running that the snapshot shows stopped, absent or untagged (a lost stop)", async () => {
        await apply(workbenchEvent({ instance: WB1, at: 10 }));
        await apply(workbenchEvent({ instance: WB2, user: "bob", type: "office", at: 10 }));
        // WB1's stop was lost; WB2's tags were removed while it kept running, so the inventory does not list it.
        await reconcileAll(snapshot(100, [{ "instance-id": WB1, "ec2-state": "stopped", "user-id": "alice", "workbench-type": "cae-standard" }]));
        expect(await rows()).to.deep.equal({});
        expect(await item(WB1)).to.include({ state: "stopped", ec2State: "stopped" });
        expect(await item(WB2)).to.include({ state: "stopped", ec2State: "terminated" });
    });

    it("stops a running instance whose type left the catalog or whose owner tag is no longer valid", async () => {
        await apply(workbenchEvent({ instance: WB1, at: 10 }));
        await apply(workbenchEvent({ instance: WB2, user: "bob", type: "office", at: 10 }));
        await reconcileAll(snapshot(100, [running(WB1, "alice", "gaming"), { "instance-id": WB2, "ec2-state": "running", "workbench-type": "office" }]));
        expect(await rows()).to.deep.equal({});
    });

    it("never overrides an event from after the inventory started, whichever arrives first", async () => {
        // The inventory starts at 100.4 s and sees WB1 running; WB1 stops at 100.9 s, which EC2 reports as 100 s.
        const late = snapshot(100.4, [running(WB1)]);
        await apply(workbenchEvent({ instance: WB1, at: 10 }));
        await apply(workbenchEvent({ instance: WB1, ec2State: "stopped", at: 100 }));
        await reconcileAll(late);
        expect(await rows(), "snapshot after the stop").to.deep.equal({});
        expect(observationTime(timeAt(100.4)) < timeAt(100)).to.equal(true);

        // And the other way round: the snapshot first, then the stop.
        const early = snapshot(200.4, [running(WB2, "bob", "office")]);
        await reconcileAll(early);
        expect(Object.keys(await rows())).to.deep.equal(["matlab/bob"]);
        await apply(workbenchEvent({ instance: WB2, ec2State: "stopped", at: 200 }));
        expect(await rows(), "stop after the snapshot").to.deep.equal({});
    });

    it("starts a running instance the table holds as stopped by an older event, but not one stopped later", async () => {
        await apply(workbenchEvent({ instance: WB1, ec2State: "stopped", at: 10 }));
        await apply(workbenchEvent({ instance: WB2, user: "bob", type: "office", ec2State: "stopped", at: 150 }));
        // The inventory of 100 s saw both running: WB1's restart event was lost; WB2 stopped after the inventory.
        const [outcome] = await reconcileAll(snapshot(100, [running(WB1), running(WB2, "bob", "office")]));
        expect(outcome).to.deep.include({ corrected: 1, superseded: 1 });
        expect(Object.keys(await rows()).sort()).to.deep.equal(["ansys/alice", "matlab/alice"]);
    });

    it("says which later event an outdated snapshot's seat changes follow, when they ran before that event's own", async () => {
        // A start is written to the instance item; its invocation has not added the seats yet when an older
        // snapshot (it saw the instance stopped) arrives: the snapshot loses, and adds the seats the start entitles.
        await ports().applyInstanceEvent({
            ref: ref(WB1),
            orderKey: eventOrderKey(timeAt(150), "running", "ec2-restart", NOW),
            state: "started",
            userId: "alice",
            workbenchType: "office",
            products: ["matlab"],
            ec2State: "running",
            ec2EventTime: timeAt(150),
            ec2EventId: "ec2-restart",
            seatRefs: [seatRef("matlab", "alice")],
        });
        const [outcome] = await reconcileAll(snapshot(100, [{ "instance-id": WB1, "ec2-state": "stopped", "user-id": "alice", "workbench-type": "office" }]));
        expect(outcome).to.deep.include({ corrected: 0, superseded: 1, corrections: [], followed: [{ instanceId: WB1, ec2EventId: "ec2-restart", seatsAdded: 1, seatsReleased: 0 }] });
        expect(await rows()).to.deep.equal({ "matlab/alice": [ref(WB1)] });
        // A snapshot that loses and changes no seat follows nothing.
        expect(await reconcileAll(snapshot(120, [{ "instance-id": WB1, "ec2-state": "stopped" }]))).to.have.nested.property("[0].followed").that.deep.equals([]);
    });

    it("moves the seat to the new owner when the owner tag changed during a session", async () => {
        await apply(workbenchEvent({ instance: WB1, user: "alice", type: "office", at: 10 }));
        await reconcileAll(snapshot(100, [running(WB1, "carol", "office")]));
        expect(await rows()).to.deep.equal({ "matlab/carol": [ref(WB1)] });
    });

    it("repairs a seat row the instance item does not entitle, and one it entitles that is missing", async () => {
        // The workbench ran as cae-standard (matlab and ansys), then as office (matlab only).
        await apply(workbenchEvent({ instance: WB1, user: "alice", type: "cae-standard", at: 5 }));
        await apply(workbenchEvent({ instance: WB1, user: "alice", type: "office", at: 10 }));
        const seatPorts = dynamoAssignmentPorts(dynamo.documents, table);
        // A release and an add that never happened (e.g. an invocation that ran out of retries).
        await seatPorts.addSeatHolder("ansys", "alice", ref(WB1), timeAt(5));
        await seatPorts.removeSeatHolder("matlab", "alice", ref(WB1));
        const [outcome] = await reconcileAll(snapshot(100, [running(WB1, "alice", "office")]));
        expect(outcome).to.deep.include({ corrected: 0, repaired: 1 });
        expect(await rows()).to.deep.equal({ "matlab/alice": [ref(WB1)] });
        const { Item } = await dynamo.documents.send(new GetCommand({ TableName: table, Key: seatRowKey("matlab", "alice"), ConsistentRead: true }));
        expect(Item?.workbenchCount).to.equal(1);
    });

    it("reconciles only the snapshot's own account and region", async () => {
        await apply(workbenchEvent({ instance: WB1, at: 10 }));
        await apply(workbenchEvent({ instance: WB2, account: "333333333333", user: "bob", type: "office", at: 10 }));
        await apply(workbenchEvent({ instance: WB2, region: "eu-west-1", user: "carol", type: "office", at: 10 }));
        await reconcileAll(snapshot(100, []));
        expect(Object.keys(await rows()).sort()).to.deep.equal(["matlab/bob", "matlab/carol"]);
    });

    it("treats an empty inventory as one complete chunk that says nothing runs", async () => {
        await apply(workbenchEvent({ instance: WB1, at: 10 }));
        const chunks = snapshot(100, []);
        expect(chunks).to.have.length(1);
        expect(await reconcile(chunks[0])).to.deep.include({ outcome: "reconciled", observed: 0, corrected: 1, corrections: [{ instanceId: WB1, state: "stopped", seatsAdded: 0, seatsReleased: 2 }] });
        expect(await rows()).to.deep.equal({});
    });

    describe("rejections (logged, counted, change nothing)", () => {
        const expectRejected = async (event: unknown, reason: RegExp) => {
            await apply(workbenchEvent({ instance: WB1, at: 10 }));
            const outcome = await reconcile(event);
            expect(outcome.outcome).to.equal("rejected");
            expect((outcome as { reason: string }).reason).to.match(reason);
            expect(Object.keys(await rows())).to.have.length(2);
            expect(telemetry.total("WorkbenchEventsRejected")).to.equal(1);
        };

        it("refuses a snapshot of another account or region than the sender's, counted as an origin mismatch", async () => {
            const [forged] = snapshot(100, []);
            (forged as any).account = "333333333333";
            await expectRejected(forged, /^origin mismatch: detail.account .* is not the sending account/);
            expect(telemetry.total("WorkbenchEventsOriginMismatch")).to.equal(1);
        });

        it("refuses a snapshot of another region than the one it was sent from", async () => {
            const [forged] = snapshot(100, []);
            (forged as any).region = "us-east-1";
            await expectRejected(forged, /^origin mismatch: detail.region eu-central-1 is not the region the event was sent from/);
        });

        it("refuses an account that is not admitted", async () => {
            await expectRejected(snapshot(100, [], { account: "444444444444" })[0], /not an allowed workbench account/);
        });

        it("refuses malformed chunks: index outside the count, bad instance ids, unknown states", async () => {
            const [chunk] = snapshot(100, []);
            (chunk.detail as any)["chunk-index"] = 1;
            await expectRejected(chunk, /chunk-index/);
            const [badId] = snapshot(100, [{ "instance-id": "i-$(id)", "ec2-state": "running" } as InventoryInstance]);
            expect((await reconcile(badId)).outcome).to.equal("rejected");
            const [badState] = snapshot(100, [{ "instance-id": WB2, "ec2-state": "hibernating" } as unknown as InventoryInstance]);
            expect((await reconcile(badState)).outcome).to.equal("rejected");
        });

        it("refuses a chunk reusing a snapshot id with another count: it neither completes nor alters that snapshot", async () => {
            const chunks = snapshot(100, [running(WB2, "bob", "office"), running(WB1)], { maxBytes: 330 });
            expect(chunks).to.have.length(2);
            const [other] = snapshot(100, []);
            (other.detail as any)["snapshot-id"] = (chunks[0].detail as any)["snapshot-id"];
            (other.detail as any)["chunk-index"] = 0;
            (other.detail as any)["chunk-count"] = 1;
            await apply(workbenchEvent({ instance: WB1, at: 10 }));
            expect((await reconcile(chunks[0])).outcome).to.equal("partial");
            expect(await reconcile(other)).to.deep.include({ outcome: "rejected" });
            expect(Object.keys(await rows()).sort(), "the one-chunk impostor changed nothing").to.deep.equal(["ansys/alice", "matlab/alice"]);
            expect(await reconcile(chunks[1])).to.deep.include({ outcome: "reconciled", observed: 2 });
            expect(Object.keys(await rows()).sort()).to.deep.equal(["ansys/alice", "matlab/alice", "matlab/bob"]);
        });

        it("refuses snapshots from the future and older than the tombstone retention", async () => {
            await expectRejected(snapshot(3600 + 600, [])[0], /in the future/);
        });

        it("refuses a snapshot older than the tombstone retention", async () => {
            await expectRejected(snapshot(-8 * 86400, [])[0], /older than the tombstone retention/);
        });
    });
});

describe("inventory snapshot chunks", () => {
    const head = { account: WORKBENCH_ACCOUNT, region: "eu-central-1", snapshotId: "s-1", asOf: "2026-03-02T12:00:00.000Z" };
    const many = Array.from({ length: 5000 }, (_, i) => running(`i-${i.toString(16).padStart(17, "0")}`, `user-${i}`, "cae-standard"));

    it("lists every instance exactly once, each chunk within the byte limit and naming its position and the total", () => {
        const chunks = snapshotChunks(head, many, 100_000);
        expect(chunks.length).to.be.greaterThan(2);
        for (const [i, chunk] of chunks.entries()) {
            expect(Buffer.byteLength(JSON.stringify(chunk))).to.be.at.most(100_000);
            expect(chunk).to.include({ "chunk-index": i, "chunk-count": chunks.length, "snapshot-id": "s-1", "as-of": head.asOf });
        }
        expect(chunks.flatMap((c) => c.instances)).to.deep.equal(many);
    });

    // The default chunk within EventBridge's 256 KB entry, at the longest names: tests/quotas/workbenchQuotas.test.ts.
});
