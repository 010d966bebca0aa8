import { expect } from "chai";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { markSeatChanges } from "../../functions/hub-change-marker/changeMarker";
import { dynamoChangeMarkerPorts } from "../../functions/hub-change-marker/awsPorts";
import { dynamoSyncTablePorts } from "../../functions/hub-sync/tablePorts";
import { assignSeats } from "../../functions/hub-assignment/assignment";
import { dynamoAssignmentPorts } from "../../functions/hub-assignment/awsPorts";
import { seatChangeStreamFilter } from "../../components/hub/definitions";
import { AwsServiceError, LOCAL_CLIENT_CONFIG } from "../../sandbox/aws/awsJsonServer";
import { startDynalite, LocalDynamo } from "../../sandbox/aws/dynalite";
import { matchesPattern } from "../../sandbox/aws/eventPattern";
import { startEventBridgeStandin, EventBridgeStandin } from "../../sandbox/aws/eventBridgeStandin";
import { SEAT_CHANGE_EVENT } from "../../functions/hub-change-marker/seatChangeEvent";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { NOW, assignmentConfig, workbenchEvent } from "./support/fixtures";
import { rawItems, streamRecordsBetween } from "./support/hubTable";

describe("hub change marker (stream records from dynalite, change marks in the table)", () => {
    let dynamo: LocalDynamo;
    let table: string;
    let telemetry: RecordingTelemetry;
    /** Writes of the change marker that fail before they reach DynamoDB (a throttled table). */
    let failWrites: number;
    let writes: number;
    /** The change marker's DynamoDB client, with faults. */
    let db: DynamoDBDocumentClient;

    before(async () => {
        dynamo = await startDynalite();
        db = {
            send: (command: Parameters<DynamoDBDocumentClient["send"]>[0]) => {
                writes++;
                if (failWrites > 0 && failWrites--) return Promise.reject(new AwsServiceError("ProvisionedThroughputExceededException", "Rate exceeded"));
                return dynamo.documents.send(command);
            },
        } as unknown as DynamoDBDocumentClient;
    });
    after(async () => {
        await dynamo.close();
    });
    beforeEach(async () => {
        table = await dynamo.createHubTable();
        telemetry = new RecordingTelemetry();
        failWrites = 0;
        writes = 0;
    });

    /** Applies events and returns the stream records they produced, before and after the mapping's filter. */
    async function streamOf(...events: unknown[]) {
        const before = await rawItems(dynamo.client, table);
        for (const event of events) await assignSeats(event, assignmentConfig(table), dynamoAssignmentPorts(dynamo.documents, table), new RecordingTelemetry(), NOW);
        const all = streamRecordsBetween(before, await rawItems(dynamo.client, table), table);
        return { all, delivered: all.filter((r) => matchesPattern(seatChangeStreamFilter(), r)) };
    }
    const mark = (records: DynamoDBStreamEvent["Records"]) => markSeatChanges({ Records: records }, dynamoChangeMarkerPorts(db, table), telemetry, () => new Date(NOW));
    /** The marks as the sync reads them. */
    const marks = async () => Object.fromEntries((await dynamoSyncTablePorts(dynamo.documents, table).changeMarks()).map((m) => [m.product, m.changes]));

    it("marks each product whose seat rows appeared, once per batch, counting its changes", async () => {
        const { all, delivered } = await streamOf(workbenchEvent({ user: "alice", type: "cae-standard" }));
        expect(all.map((r) => r.eventName)).to.deep.equal(["INSERT", "INSERT", "INSERT"]); // instance item + 2 seats
        expect(delivered.map((r) => r.dynamodb!.Keys!.pk.S)).to.deep.equal(["SEAT#ansys", "SEAT#matlab"]);
        expect(await mark(delivered)).to.deep.equal({ batchItemFailures: [] });
        expect(await marks()).to.deep.equal({ ansys: 1, matlab: 1 });
        const two = await streamOf(workbenchEvent({ user: "bob", type: "office", instance: "i-0bbbbbbbbbbbbbbb1" }), workbenchEvent({ user: "carol", type: "office", instance: "i-0ccccccccccccccc1" }));
        await mark(two.delivered);
        expect(await marks()).to.deep.equal({ ansys: 1, matlab: 3 });
        expect(writes).to.equal(3); // one write per product and batch
        expect(telemetry.total("SeatRowChanges")).to.equal(4);
        expect(telemetry.logs.filter((l) => l.message === "seat assigned").map((l) => l.fields)).to.deep.include({ product: "ansys", userId: "alice" });
    });

    it("marks the product when its last workbench stops (REMOVE), but not for a second workbench (MODIFY only)", async () => {
        await streamOf(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa1", type: "office" }));
        const second = await streamOf(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa2", type: "office", at: 5 }));
        expect(second.all.map((r) => r.eventName).sort()).to.deep.equal(["INSERT", "MODIFY"]);
        expect(second.delivered).to.deep.equal([]);

        await streamOf(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa1", type: "office", ec2State: "stopped", at: 10 }));
        const last = await streamOf(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa2", type: "office", ec2State: "stopped", at: 15 }));
        expect(last.delivered.map((r) => r.eventName)).to.deep.equal(["REMOVE"]);
        await mark(last.delivered);
        expect(await marks()).to.deep.equal({ matlab: 1 });
    });

    it("skips and counts records the filter should have kept away, writing nothing for them", async () => {
        const { all } = await streamOf(workbenchEvent({ ec2State: "stopped" })); // only the instance tombstone
        expect(all).to.have.length(1);
        expect(await mark(all)).to.deep.equal({ batchItemFailures: [] });
        expect(await marks()).to.deep.equal({});
        expect(telemetry.total("StreamRecordsSkipped")).to.equal(1);
        expect(writes).to.equal(0);
    });

    describe("announcing changes so the sync runs at once (syncOnChange)", () => {
        let events: EventBridgeStandin;
        let eventBridge: EventBridgeClient;
        before(async () => {
            events = await startEventBridgeStandin();
            eventBridge = new EventBridgeClient({ ...LOCAL_CLIENT_CONFIG, endpoint: events.endpoint, maxAttempts: 1 });
        });
        after(async () => {
            eventBridge.destroy();
            await events.close();
        });
        beforeEach(() => {
            events.events.length = 0;
        });
        const markAndAnnounce = (records: DynamoDBStreamEvent["Records"]) =>
            markSeatChanges({ Records: records }, dynamoChangeMarkerPorts(db, table, { events: eventBridge, busName: "hub-bus" }), telemetry, () => new Date(NOW));

        it("puts one seat-change event on the hub bus after marking the products, naming how many", async () => {
            const { delivered } = await streamOf(workbenchEvent({ type: "cae-standard" }));
            expect(await markAndAnnounce(delivered)).to.deep.equal({ batchItemFailures: [] });
            expect(events.events).to.have.length(1);
            expect(events.events[0]).to.include({ EventBusName: "hub-bus", Source: SEAT_CHANGE_EVENT.source, DetailType: SEAT_CHANGE_EVENT.detailType });
            expect(JSON.parse(events.events[0].Detail)).to.deep.equal({ products: 2, "seat-changes": 2 });
            expect(telemetry.total("SyncTriggered")).to.equal(1);
        });

        it("announces nothing when the marks could not be written, and nothing for batches without seat changes", async () => {
            const { all, delivered } = await streamOf(workbenchEvent({ type: "cae-standard" }));
            failWrites = 1;
            expect((await markAndAnnounce(delivered)).batchItemFailures).to.have.length(1);
            expect(await markAndAnnounce(all.filter((r) => !delivered.includes(r)))).to.deep.equal({ batchItemFailures: [] });
            expect(events.events).to.deep.equal([]);
        });

        it("keeps the batch successful when the announcement fails: the marks are written, the schedule syncs them", async () => {
            const { delivered } = await streamOf(workbenchEvent({ type: "cae-standard" }));
            events.failNext("PutEvents", new AwsServiceError("ThrottlingException", "Rate exceeded"), 1);
            expect(await markAndAnnounce(delivered)).to.deep.equal({ batchItemFailures: [] });
            expect(await marks()).to.deep.equal({ ansys: 1, matlab: 1 });
            expect(telemetry.total("SyncTriggerFailures")).to.equal(1);
            expect(telemetry.logs.some((l) => l.message === "sync not triggered; the next scheduled sync picks the change up")).to.equal(true);
        });
    });

    it("reports the first seat record as failed when a mark cannot be written, so the batch is retried from it", async () => {
        const { all, delivered } = await streamOf(workbenchEvent({ type: "cae-standard" }));
        failWrites = 1;
        const response = await mark(all);
        expect(response.batchItemFailures).to.deep.equal([{ itemIdentifier: delivered[0].dynamodb!.SequenceNumber }]);
        expect(telemetry.total("ChangeMarkerFailures")).to.equal(1);
        // The retry succeeds; a product marked by the failed attempt counts twice, which costs the sync nothing.
        expect(await mark(delivered)).to.deep.equal({ batchItemFailures: [] });
        const after = await marks();
        expect(Object.keys(after)).to.deep.equal(["ansys", "matlab"]);
        expect(Math.max(...Object.values(after))).to.be.at.most(2);
    });
});
