import { expect } from "chai";
import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { DynamoDBRecord } from "aws-lambda";
import { assignSeats } from "../../functions/hub-assignment/assignment";
import { dynamoAssignmentPorts } from "../../functions/hub-assignment/awsPorts";
import { recordSeatChanges } from "../../functions/hub-ledger/ledger";
import { awsLedgerPorts } from "../../functions/hub-ledger/awsPorts";
import { LEDGER_PREFIX, LedgerRecord } from "../../functions/hub-ledger/ledgerRecord";
import { seatChangeStreamFilter } from "../../components/hub/definitions";
import { startDynalite, LocalDynamo } from "../../sandbox/aws/dynalite";
import { startS3rver, LocalS3 } from "../../sandbox/aws/s3rver";
import { matchesPattern } from "../../sandbox/aws/eventPattern";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { ANSYS_SERVER, MATLAB_SERVER, NOW, assignmentConfig, workbenchEvent } from "./support/fixtures";
import { rawItems, streamRecordsBetween } from "./support/hubTable";

const BUCKET = "seat-ledger-test";
/** matlab: one owned seat, so a second user is denied; ansys: unlimited. */
/** matlab states its yearly cost per seat (the analytics decide with it), ansys does not. */
const PRODUCTS = { matlab: { instanceId: MATLAB_SERVER, seats: 1, annualCostPerSeat: 2400 }, ansys: { instanceId: ANSYS_SERVER } };

describe("seat ledger writer (stream records from dynalite, objects in s3rver)", () => {
    let dynamo: LocalDynamo;
    let s3: LocalS3;
    let table: string;
    let telemetry: RecordingTelemetry;

    before(async () => {
        dynamo = await startDynalite();
        s3 = await startS3rver();
        await s3.createBucket(BUCKET);
    });
    after(async () => {
        await s3.close();
        await dynamo.close();
    });
    beforeEach(async () => {
        table = await dynamo.createHubTable();
        telemetry = new RecordingTelemetry();
    });

    /** Applies events and returns the seat stream records the ledger's mapping delivers. */
    async function streamOf(...events: unknown[]): Promise<DynamoDBRecord[]> {
        const before = await rawItems(dynamo.client, table);
        for (const event of events) await assignSeats(event, assignmentConfig(table), dynamoAssignmentPorts(dynamo.documents, table), new RecordingTelemetry(), NOW);
        return streamRecordsBetween(before, await rawItems(dynamo.client, table), table).filter((r) => matchesPattern(seatChangeStreamFilter(), r));
    }
    const record = (records: DynamoDBRecord[]) =>
        recordSeatChanges({ Records: records }, PRODUCTS, awsLedgerPorts({ db: dynamo.documents, s3: s3.client }, table, BUCKET), telemetry, () => new Date(NOW));

    async function storedRecords(): Promise<LedgerRecord[]> {
        const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: LEDGER_PREFIX }));
        const records: LedgerRecord[] = [];
        for (const { Key } of listed.Contents ?? []) {
            const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
            const text = gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString("utf8");
            records.push(...text.trim().split("\n").map((line) => JSON.parse(line) as LedgerRecord));
        }
        return records;
    }

    it("records a grant per seat with the workbench behind it, and a release at the stop's EC2 time", async () => {
        const start = workbenchEvent({ user: "alice", type: "simulation", instance: "i-0aaaaaaaaaaaaaaa1", at: 0 });
        const granted = await record(await streamOf(start));
        expect(granted).to.have.length(1);
        expect(granted[0]).to.include({
            kind: "grant",
            product: "ansys",
            user_id: "alice",
            account: "222222222222",
            region: "eu-central-1",
            instance_ref: "222222222222/eu-central-1/i-0aaaaaaaaaaaaaaa1",
            workbench_type: "simulation",
            event_time: start.detail["ec2-event-time"],
            reason: "workbench started",
            seats_owned: null,
            annual_cost_per_seat: null,
        });
        const stop = workbenchEvent({ user: "alice", type: "simulation", instance: "i-0aaaaaaaaaaaaaaa1", ec2State: "stopped", at: 3000 });
        const released = await record(await streamOf(stop));
        expect(released.map((r) => [r.kind, r.product, r.event_time, r.reason, r.workbench_type])).to.deep.equal([
            ["release", "ansys", stop.detail["ec2-event-time"], "workbench stopped", "simulation"],
        ]);

        const stored = await storedRecords();
        expect(stored.map((r) => r.kind).sort()).to.deep.equal(["grant", "release"]);
        // Partitioned by the day the table recorded the change (the stream record's creation time).
        const day = stored[0].recorded_time.slice(0, 10);
        const keys = (await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: LEDGER_PREFIX }))).Contents!.map((c) => c.Key!);
        for (const key of keys) expect(key).to.match(new RegExp(`^seat-ledger/dt=${day}/[0-9a-f]{64}\\.json\\.gz$`));
        expect(telemetry.total("LedgerGrants")).to.equal(1);
        expect(telemetry.total("LedgerReleases")).to.equal(1);
    });

    it("records each user left waiting by the seat limit as one denial per waiting spell", async () => {
        await record(await streamOf(workbenchEvent({ user: "alice", type: "office", instance: "i-0aaaaaaaaaaaaaaa1", at: 0 })));
        const bob = await record(await streamOf(workbenchEvent({ user: "bob", type: "office", instance: "i-0bbbbbbbbbbbbbbb1", at: 60 })));
        expect(bob.map((r) => [r.kind, r.user_id])).to.deep.equal([["grant", "bob"], ["denial", "bob"]]);
        expect(bob[0]).to.include({ kind: "grant", annual_cost_per_seat: 2400 });
        expect(bob[1]).to.include({ product: "matlab", seats_owned: 1, annual_cost_per_seat: 2400, workbench_type: "office", instance_ref: "222222222222/eu-central-1/i-0bbbbbbbbbbbbbbb1" });
        expect(bob[1].reason).to.equal("all 1 owned seats taken (1 users waiting)");

        // Carol arrives while bob still waits: bob's wait is the same spell (same id), carol's is new.
        const carol = await record(await streamOf(workbenchEvent({ user: "carol", type: "office", instance: "i-0ccccccccccccccc1", at: 120 })));
        const denials = carol.filter((r) => r.kind === "denial");
        expect(denials.map((r) => r.user_id)).to.deep.equal(["bob", "carol"]);
        expect(denials[0].record_id).to.equal(bob[1].record_id);
        expect(new Set((await storedRecords()).filter((r) => r.kind === "denial").map((r) => r.record_id)).size).to.equal(2);
    });

    it("gives a replayed batch the same record ids and the same object key (a retry rewrites, never adds)", async () => {
        const records = await streamOf(workbenchEvent({ user: "dave", type: "cae-standard", instance: "i-0ddddddddddddddd1" }));
        const first = await record(records);
        const countAfterFirst = (await storedRecords()).length;
        const again = await record(records);
        expect(again.map((r) => r.record_id)).to.deep.equal(first.map((r) => r.record_id));
        expect((await storedRecords()).length).to.equal(countAfterFirst);
        // Bisected: half the batch again is a new object but the same ids, which queries deduplicate.
        const half = await record(records.slice(0, 1));
        expect(first.map((r) => r.record_id)).to.include(half[0].record_id);
    });

    it("skips records that are not seat rows, writing nothing for them", async () => {
        const before = await rawItems(dynamo.client, table);
        await assignSeats(workbenchEvent({ ec2State: "stopped" }), assignmentConfig(table), dynamoAssignmentPorts(dynamo.documents, table), new RecordingTelemetry(), NOW);
        const all = streamRecordsBetween(before, await rawItems(dynamo.client, table), table);
        const beforeCount = (await storedRecords()).length;
        expect(await record(all)).to.deep.equal([]);
        expect((await storedRecords()).length).to.equal(beforeCount);
        expect(telemetry.total("LedgerRecordsSkipped")).to.equal(1);
    });
});
