import { expect } from "chai";
import { awsInventoryPorts } from "../../functions/workbench-inventory/awsPorts";
import { takeInventory } from "../../functions/workbench-inventory/inventory";
import { DEFAULT_TAG_KEYS } from "../../functions/workbench-forwarder/forwarder";
import { InventorySnapshotDetail, snapshotDetailProblem } from "../../functions/shared/inventorySnapshot";
import { AwsServiceError } from "../../sandbox/aws/awsJsonServer";
import { workbenchAccountStandins } from "./support/accountStandins";

const OWNER = DEFAULT_TAG_KEYS.ownerTagKey;
const TYPE = DEFAULT_TAG_KEYS.typeTagKey;
const SCOPE = { account: "123456789012", region: "eu-central-1" };
const AS_OF = new Date("2026-11-23T08:15:30.250Z");
const id = (n: number) => `i-${n.toString(16).padStart(17, "0")}`;

describe("workbench inventory handler (real SDK clients, local EC2 and EventBridge stand-ins)", () => {
    const account = workbenchAccountStandins({ ec2MaxAttempts: 1 });
    let run: () => ReturnType<typeof takeInventory>;

    before(() => {
        const ports = awsInventoryPorts(account.ec2Client, account.eventBridgeClient, "default");
        let snapshots = 0;
        run = () => takeInventory(SCOPE, DEFAULT_TAG_KEYS, ports, account.telemetry, { now: () => AS_OF, newId: () => `snap-${++snapshots}` });
    });

    const sentChunks = () => account.bus.events.map((e) => ({ entry: e, detail: JSON.parse(e.Detail) as InventorySnapshotDetail }));

    it("lists every instance with a workbench tag key in every state, valid values only, and nothing else", async () => {
        account.ec2.instances.set(id(1), { [OWNER]: "alice", [TYPE]: "cae", Name: "not sent" });
        account.ec2.instances.set(id(2), { [OWNER]: "bob", [TYPE]: "cad" });
        account.ec2.states.set(id(2), "stopped");
        account.ec2.instances.set(id(3), { [OWNER]: "mallory; rm -rf /", [TYPE]: "cad" });
        account.ec2.instances.set(id(4), { [TYPE]: "cad" });
        account.ec2.states.set(id(4), "pending");
        account.ec2.instances.set(id(5), { Name: "build-agent" });

        const outcome = await run();
        expect(outcome).to.deep.equal({ snapshotId: "snap-1", asOf: AS_OF.toISOString(), instances: 4, chunks: 1 });
        const [{ entry, detail }] = sentChunks();
        expect(entry).to.include({ Source: "licensing.workbench", DetailType: "Workbench Inventory Snapshot", EventBusName: "default" });
        expect(detail).to.deep.equal({
            "schema-version": "2",
            ...SCOPE,
            "snapshot-id": "snap-1",
            "as-of": "2026-11-23T08:15:30.250Z",
            "chunk-index": 0,
            "chunk-count": 1,
            instances: [
                { "instance-id": id(1), "ec2-state": "running", "user-id": "alice", "workbench-type": "cae" },
                { "instance-id": id(2), "ec2-state": "stopped", "user-id": "bob", "workbench-type": "cad" },
                // Listed without the hostile owner: the hub then releases whatever the instance might hold.
                { "instance-id": id(3), "ec2-state": "running", "workbench-type": "cad" },
                { "instance-id": id(4), "ec2-state": "pending", "workbench-type": "cad" },
            ],
        });
        expect(snapshotDetailProblem(detail)).to.equal(undefined);
        expect(account.telemetry.total("InventoryInstancesListed")).to.equal(4);
    });

    it("reads every DescribeInstances page and splits a large inventory into chunks under the entry limit", async () => {
        account.ec2.pageSize = 500;
        for (let n = 1; n <= 3000; n++) account.ec2.instances.set(id(n), { [OWNER]: `user-${n}`, [TYPE]: "cae-matlab-with-a-long-type-name" });
        const outcome = await run();
        expect(account.ec2.calls.filter((c) => c === "DescribeInstances")).to.have.length(6);
        const chunks = sentChunks();
        expect(outcome.chunks).to.equal(chunks.length).and.to.be.greaterThan(1);
        for (const [i, { entry, detail }] of chunks.entries()) {
            expect(Buffer.byteLength(entry.Source + entry.DetailType + entry.Detail)).to.be.below(256 * 1024);
            expect(detail).to.include({ "snapshot-id": outcome.snapshotId, "chunk-index": i, "chunk-count": chunks.length });
        }
        expect(chunks.flatMap((c) => c.detail.instances.map((x) => x["instance-id"]))).to.deep.equal(Array.from({ length: 3000 }, (_, n) => id(n + 1)));
    });

    it("sends an empty inventory as one chunk, so the hub learns that nothing runs", async () => {
        account.ec2.instances.set(id(5), { Name: "build-agent" });
        expect(await run()).to.include({ instances: 0, chunks: 1 });
        expect(sentChunks()[0].detail.instances).to.deep.equal([]);
    });

    it("throws, sending nothing, when EC2 fails (the invocation is retried; the hub never sees a partial list)", async () => {
        account.ec2.instances.set(id(1), { [OWNER]: "alice", [TYPE]: "cae" });
        account.ec2.failNext("UnauthorizedOperation", 403);
        let error: unknown;
        await run().catch((e) => (error = e));
        expect(String(error)).to.match(/UnauthorizedOperation|injected fault/);
        expect(account.bus.events).to.deep.equal([]);
    });

    it("throws when EventBridge refuses a chunk", async () => {
        account.ec2.instances.set(id(1), { [OWNER]: "alice", [TYPE]: "cae" });
        account.bus.failNext("PutEvents", new AwsServiceError("AccessDeniedException", "not allowed", 400));
        let error: unknown;
        await run().catch((e) => (error = e));
        expect(String(error)).to.contain("not allowed");
    });
});
