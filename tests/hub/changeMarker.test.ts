import { expect } from "chai";
import { SSMClient } from "@aws-sdk/client-ssm";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { markSeatChanges } from "../../functions/hub-change-marker/changeMarker";
import { ssmChangeMarkerPorts } from "../../functions/hub-change-marker/awsPorts";
import { assignSeats } from "../../functions/hub-assignment/assignment";
import { dynamoAssignmentPorts } from "../../functions/hub-assignment/awsPorts";
import { seatChangeStreamFilter } from "../../components/hub/definitions";
import { AwsServiceError, LOCAL_CLIENT_CONFIG } from "../../sandbox/aws/awsJsonServer";
import { startDynalite, LocalDynamo } from "../../sandbox/aws/dynalite";
import { matchesPattern } from "../../sandbox/aws/eventPattern";
import { startSsmStandin, SsmStandin } from "../../sandbox/aws/ssmStandin";
import { startEventBridgeStandin, EventBridgeStandin } from "../../sandbox/aws/eventBridgeStandin";
import { SEAT_CHANGE_EVENT } from "../../functions/hub-change-marker/seatChangeEvent";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { NOW, assignmentConfig, workbenchEvent } from "./support/fixtures";
import { rawItems, streamRecordsBetween } from "./support/hubTable";

const MARKER = "hub-seats-changed";

describe("hub change marker (stream records from dynalite, SSM stand-in)", () => {
    let dynamo: LocalDynamo;
    let ssm: SsmStandin;
    let client: SSMClient;
    let table: string;
    let telemetry: RecordingTelemetry;

    before(async () => {
        dynamo = await startDynalite();
        ssm = await startSsmStandin();
        client = new SSMClient({ ...LOCAL_CLIENT_CONFIG, endpoint: ssm.endpoint, maxAttempts: 1 });
    });
    after(async () => {
        client.destroy();
        await ssm.close();
        await dynamo.close();
    });
    beforeEach(async () => {
        table = await dynamo.createHubTable();
        telemetry = new RecordingTelemetry();
        ssm.parameters.clear();
        ssm.calls.length = 0;
        await ssmChangeMarkerPorts(client, MARKER).markChanged("never");
    });

    /** Applies events and returns the stream records they produced, before and after the mapping's filter. */
    async function streamOf(...events: unknown[]) {
        const before = await rawItems(dynamo.client, table);
        for (const event of events) await assignSeats(event, assignmentConfig(table), dynamoAssignmentPorts(dynamo.documents, table), new RecordingTelemetry(), NOW);
        const all = streamRecordsBetween(before, await rawItems(dynamo.client, table), table);
        return { all, delivered: all.filter((r) => matchesPattern(seatChangeStreamFilter(), r)) };
    }
    const mark = (records: DynamoDBStreamEvent["Records"]) =>
        markSeatChanges({ Records: records }, ssmChangeMarkerPorts(client, MARKER), telemetry, () => new Date(NOW));

    it("bumps the marker once per batch in which seat rows appear", async () => {
        const { all, delivered } = await streamOf(workbenchEvent({ user: "alice", type: "cae-standard" }));
        expect(all.map((r) => r.eventName)).to.deep.equal(["INSERT", "INSERT", "INSERT"]); // instance item + 2 seats
        expect(delivered.map((r) => r.dynamodb!.Keys!.pk.S)).to.deep.equal(["SEAT#ansys", "SEAT#matlab"]);
        expect(await mark(delivered)).to.deep.equal({ batchItemFailures: [] });
        expect(ssm.parameters.get(MARKER)).to.include({ version: 2, value: new Date(NOW).toISOString() });
        expect(telemetry.total("SeatRowChanges")).to.equal(2);
        expect(telemetry.logs.filter((l) => l.message === "seat assigned").map((l) => l.fields)).to.deep.equal([
            { product: "ansys", userId: "alice" },
            { product: "matlab", userId: "alice" },
        ]);
    });

    it("bumps it when the last workbench stops (REMOVE), but not for a second workbench (MODIFY only)", async () => {
        await streamOf(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa1", type: "office" }));
        const second = await streamOf(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa2", type: "office", at: 5 }));
        expect(second.all.map((r) => r.eventName).sort()).to.deep.equal(["INSERT", "MODIFY"]);
        expect(second.delivered).to.deep.equal([]);

        await streamOf(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa1", type: "office", ec2State: "stopped", at: 10 }));
        const last = await streamOf(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa2", type: "office", ec2State: "stopped", at: 15 }));
        expect(last.delivered.map((r) => r.eventName)).to.deep.equal(["REMOVE"]);
        await mark(last.delivered);
        expect(ssm.parameters.get(MARKER)!.version).to.equal(2);
    });

    it("skips and counts records the filter should have kept away, writing nothing for them", async () => {
        const { all } = await streamOf(workbenchEvent({ ec2State: "stopped" })); // only the instance tombstone
        expect(all).to.have.length(1);
        expect(await mark(all)).to.deep.equal({ batchItemFailures: [] });
        expect(ssm.parameters.get(MARKER)!.version).to.equal(1);
        expect(telemetry.total("StreamRecordsSkipped")).to.equal(1);
        expect(ssm.calls.filter((c) => c.operation === "PutParameter")).to.have.length(1); // the setup write only
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
            markSeatChanges({ Records: records }, ssmChangeMarkerPorts(client, MARKER, { events: eventBridge, busName: "hub-bus" }), telemetry, () => new Date(NOW));

        it("puts one seat-change event on the hub bus after writing the marker, naming the marker version", async () => {
            const { delivered } = await streamOf(workbenchEvent({ type: "cae-standard" }));
            expect(await markAndAnnounce(delivered)).to.deep.equal({ batchItemFailures: [] });
            expect(events.events).to.have.length(1);
            expect(events.events[0]).to.include({ EventBusName: "hub-bus", Source: SEAT_CHANGE_EVENT.source, DetailType: SEAT_CHANGE_EVENT.detailType });
            expect(JSON.parse(events.events[0].Detail)).to.deep.equal({ "marker-version": 2, "seat-changes": 2 });
            expect(telemetry.total("SyncTriggered")).to.equal(1);
        });

        it("announces nothing when the marker could not be written, and nothing for batches without seat changes", async () => {
            const { all, delivered } = await streamOf(workbenchEvent({ type: "cae-standard" }));
            ssm.failNext("PutParameter", new AwsServiceError("ThrottlingException", "Rate exceeded"), 1);
            expect((await markAndAnnounce(delivered)).batchItemFailures).to.have.length(1);
            expect(await markAndAnnounce(all.filter((r) => !delivered.includes(r)))).to.deep.equal({ batchItemFailures: [] });
            expect(events.events).to.deep.equal([]);
        });

        it("keeps the batch successful when the announcement fails: the marker is written, the schedule syncs it", async () => {
            const { delivered } = await streamOf(workbenchEvent({ type: "cae-standard" }));
            events.failNext("PutEvents", new AwsServiceError("ThrottlingException", "Rate exceeded"), 1);
            expect(await markAndAnnounce(delivered)).to.deep.equal({ batchItemFailures: [] });
            expect(ssm.parameters.get(MARKER)!.version).to.equal(2);
            expect(telemetry.total("SyncTriggerFailures")).to.equal(1);
            expect(telemetry.logs.some((l) => l.message === "sync not triggered; the next scheduled sync picks the change up")).to.equal(true);
        });
    });

    it("reports the first seat record as failed when the marker cannot be written, so the batch is retried from it", async () => {
        const { all, delivered } = await streamOf(workbenchEvent({ type: "cae-standard" }));
        ssm.failNext("PutParameter", new AwsServiceError("ThrottlingException", "Rate exceeded"), 1);
        const response = await mark(all);
        expect(response.batchItemFailures).to.deep.equal([{ itemIdentifier: delivered[0].dynamodb!.SequenceNumber }]);
        expect(ssm.parameters.get(MARKER)!.version).to.equal(1);
        expect(telemetry.total("ChangeMarkerFailures")).to.equal(1);
        // The retry succeeds.
        expect(await mark(delivered)).to.deep.equal({ batchItemFailures: [] });
        expect(ssm.parameters.get(MARKER)!.version).to.equal(2);
    });
});
