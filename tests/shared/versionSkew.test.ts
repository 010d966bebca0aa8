import { expect } from "chai";
import { forwardStateChange } from "../../functions/workbench-forwarder/forwarder";
import { takeInventory } from "../../functions/workbench-inventory/inventory";
import { EC2_INSTANCE_STATES, InventorySnapshotDetail, snapshotDetailProblem } from "../../functions/shared/inventorySnapshot";
import { WORKBENCH_EC2_STATES, WORKBENCH_EVENT_DETAIL_TYPE, WORKBENCH_EVENT_SOURCE, WORKBENCH_SNAPSHOT_DETAIL_TYPE, WorkbenchEventDetail, workbenchDetailProblem, workbenchEventPattern } from "../../functions/shared/workbenchEvent";
import * as released from "../fixtures/released-0.1.0/workbenchEvent";
import * as releasedSnapshot from "../fixtures/released-0.1.0/inventorySnapshot";
import { matchesPattern } from "../../sandbox/aws/eventPattern";
import { ec2StateChangeEvent } from "../support/ec2Events";
import { RecordingTelemetry } from "../support/recordingTelemetry";

const KEYS = { ownerTagKey: "vew:workbench:ownerId", typeTagKey: "vew:workbench:type" };
const ACCOUNT = "111111111111";
const REGION = "eu-central-1";
const envelope = (detailType: string, detail: unknown) => ({ source: WORKBENCH_EVENT_SOURCE, "detail-type": detailType, account: ACCOUNT, region: REGION, detail });

/** Everything this release's forwarder sends, for every EC2 state it handles, tagged or not. */
async function forwardedDetails(): Promise<WorkbenchEventDetail[]> {
    const details: WorkbenchEventDetail[] = [];
    for (const state of [...WORKBENCH_EC2_STATES, ...EC2_INSTANCE_STATES]) {
        for (const tags of [{ [KEYS.ownerTagKey]: "alice", [KEYS.typeTagKey]: "cae-matlab" }, {}]) {
            const ports = {
                describeInstance: async () => ({ state, tags }),
                publish: async (_source: string, _type: string, detail: WorkbenchEventDetail) => void details.push(detail),
            };
            const context = { partition: "aws", account: ACCOUNT, region: REGION };
            await forwardStateChange(ec2StateChangeEvent("i-0123456789abcdef0", state, { account: ACCOUNT, region: REGION }), KEYS, context, ports as never, new RecordingTelemetry());
        }
    }
    return details;
}

/** Every snapshot chunk this release's inventory sends, with an instance in every EC2 state. */
async function snapshotDetails(): Promise<InventorySnapshotDetail[]> {
    const chunks: InventorySnapshotDetail[] = [];
    const instances = EC2_INSTANCE_STATES.map((state, i) => ({ instanceId: `i-0123456789abcdef${i}`, state, tags: { [KEYS.ownerTagKey]: "alice", [KEYS.typeTagKey]: "cae-matlab" } }));
    await takeInventory({ account: ACCOUNT, region: REGION }, KEYS, { describeTaggedInstances: async () => instances, publish: async (_s, _t, detail) => void chunks.push(detail) }, new RecordingTelemetry());
    return chunks;
}

/**
 * Version skew (docs/upgrading.md): hubs and thousands of forwarders are never upgraded at the same instant, so this
 * release's forwarder must be understood by the released hub, and the released forwarder by this release's hub.
 * "Released" is the frozen copy of release 0.1.0's contract in tests/fixtures.
 */
describe("version skew between hub and forwarders (a rolling upgrade in either order loses no seat)", () => {
    it("forwarder first: every event this release's forwarder sends reaches the released hub's rule and passes its checks", async () => {
        const details = await forwardedDetails();
        expect(details.length).to.be.greaterThan(4);
        expect(details.some((d) => d["workbench-state"] === "started") && details.some((d) => d["workbench-state"] === "stopped")).to.equal(true);
        for (const detail of details) {
            expect(matchesPattern(released.workbenchEventPattern(), envelope(WORKBENCH_EVENT_DETAIL_TYPE, detail)), JSON.stringify(detail)).to.equal(true);
            expect(released.workbenchDetailProblem(detail), JSON.stringify(detail)).to.equal(undefined);
        }
    });

    it("forwarder first: every snapshot chunk this release's inventory sends passes the released hub's checks", async () => {
        const chunks = await snapshotDetails();
        expect(chunks.length).to.be.greaterThan(0);
        for (const chunk of chunks) {
            expect(matchesPattern(released.workbenchEventPattern(), envelope(WORKBENCH_SNAPSHOT_DETAIL_TYPE, chunk))).to.equal(true);
            expect(releasedSnapshot.snapshotDetailProblem(chunk)).to.equal(undefined);
        }
    });

    it("hub first: this release's hub takes every version the released forwarder sends (state changes v1 and v2, snapshots)", () => {
        const base = { "instance-id": "i-0123456789abcdef0", account: ACCOUNT, region: REGION, "ec2-event-time": "2026-12-07T08:00:00Z", "ec2-event-id": "e-1" };
        for (const version of released.WORKBENCH_EVENT_SCHEMA_VERSIONS) {
            const start = { ...base, "schema-version": version, "workbench-state": "started", "ec2-state": "running", "user-id": "alice", "workbench-type": "cae-matlab" };
            const stop = { ...base, "schema-version": version, "workbench-state": "stopped", "ec2-state": "stopped", "user-id": "alice", "workbench-type": "cae-matlab" };
            for (const detail of [start, stop]) {
                expect(released.workbenchDetailProblem(detail), `the fixture is what the released forwarder sends (v${version})`).to.equal(undefined);
                expect(workbenchDetailProblem(detail), `v${version}`).to.equal(undefined);
                expect(matchesPattern(workbenchEventPattern(), envelope(WORKBENCH_EVENT_DETAIL_TYPE, detail))).to.equal(true);
            }
        }
        const releasedChunk = { "schema-version": "2", account: ACCOUNT, region: REGION, "snapshot-id": "s-1", "as-of": "2026-12-07T08:00:00Z", "chunk-index": 0, "chunk-count": 1, instances: [{ "instance-id": "i-0123456789abcdef0", "ec2-state": "running", "user-id": "alice", "workbench-type": "cae-matlab" }] };
        expect(releasedSnapshot.snapshotDetailProblem(releasedChunk)).to.equal(undefined);
        expect(snapshotDetailProblem(releasedChunk)).to.equal(undefined);
    });

    it("the hub reads only the fields it knows: a newer forwarder may add fields without a new version", () => {
        const detail = { "schema-version": "2", "workbench-state": "started", "ec2-state": "running", "user-id": "alice", "workbench-type": "cae-matlab", "instance-id": "i-0123456789abcdef0", account: ACCOUNT, region: REGION, "ec2-event-time": "2026-12-07T08:00:00Z", "ec2-event-id": "e-1", "observed-at": "2026-12-07T08:00:01Z", "future-field": { any: "thing" } };
        expect(workbenchDetailProblem(detail)).to.equal(undefined);
        expect(released.workbenchDetailProblem(detail)).to.equal(undefined);
    });
});
