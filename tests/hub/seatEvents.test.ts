import { expect } from "chai";
import type { DynamoDBRecord } from "aws-lambda";
import { LicenseServerHub } from "../../components/hub/licenseServerHub";
import { seatChangeStreamFilter } from "../../components/hub/definitions";
import { SEAT_EVENTS_ENVIRONMENT } from "../../functions/hub-shared/environment";
import { SeatRowChange, announceSeatEvents, seatEventsOf } from "../../functions/hub-seat-events/seatEvents";
import { EVENT_ENTRY_LIMIT_BYTES, SEAT_DENIED, SEAT_GRANTED, SeatEvent, entrySizeBytes, seatDecisionId } from "../../functions/hub-seat-events/seatEventContract";
import type { SeatHolder } from "../../functions/hub-sync/seatSelection";
import { SEAT_CHANGE_EVENT } from "../../functions/hub-change-marker/seatChangeEvent";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { named, runUnderMocks } from "../support/pulumiMocks";
import { CATALOG } from "./support/fixtures";

const at = (minute: number) => `2026-12-07T09:${String(minute).padStart(2, "0")}:00Z`;
const holder = (userId: string, minute: number): SeatHolder => ({ userId, firstAssignedAt: at(minute) });
const created = (userId: string, minute: number, product = "simulink"): SeatRowChange => ({ change: "created", product, userId, firstAssignedAt: at(minute) });
const deleted = (userId: string, minute: number, product = "simulink"): SeatRowChange => ({ change: "deleted", product, userId, firstAssignedAt: at(minute) });
const summary = (events: SeatEvent[]) => events.map((e) => `${e.detailType} ${e.detail["user-id"]} #${e.detail["queue-position"]}/${e.detail["queue-length"]}`);

describe("seat events for people (Seat Denied / Seat Granted)", () => {
    describe("who is told what, by the sync's own selection", () => {
        it("denies a user whose new seat row is beyond the owned seats, with the place in the queue", () => {
            // Two seats: alice and bob hold them; carol asks third, dave fourth (same batch).
            const after = [holder("alice", 1), holder("bob", 2), holder("carol", 3), holder("dave", 4)];
            expect(summary(seatEventsOf("simulink", 2, [created("carol", 3), created("dave", 4)], after))).to.deep.equal(["Seat Denied carol #1/2", "Seat Denied dave #2/2"]);
            // A seat row within the limit is no news.
            expect(seatEventsOf("simulink", 2, [created("bob", 2)], [holder("alice", 1), holder("bob", 2)])).to.deep.equal([]);
        });

        it("grants the longest-waiting user the seat someone released, with the place they had", () => {
            const after = [holder("bob", 2), holder("carol", 3), holder("dave", 4)];
            const events = seatEventsOf("simulink", 2, [deleted("alice", 1)], after);
            expect(summary(events)).to.deep.equal(["Seat Granted carol #1/1"]);
            expect(events[0].detail).to.deep.equal({ "schema-version": "1", "decision-id": seatDecisionId(SEAT_GRANTED, "simulink", "carol", at(3)), "user-id": "carol", product: "simulink", seats: 2, "queue-position": 1, "queue-length": 1, "waiting-since": at(3) });
        });

        it("gives every delivery of one decision the same decision-id, and each decision its own", () => {
            const after = [holder("alice", 1), holder("bob", 2), holder("carol", 3)];
            const denied = seatEventsOf("simulink", 2, [created("carol", 3)], after);
            // The same stream batch again (a retry, after bob's row changed nothing): the same id.
            expect(seatEventsOf("simulink", 2, [created("carol", 3)], after).map((e) => e.detail["decision-id"])).to.deep.equal(denied.map((e) => e.detail["decision-id"]));
            const granted = seatEventsOf("simulink", 2, [deleted("alice", 1)], [holder("bob", 2), holder("carol", 3)]);
            // carol asks again later (a new seat request): a new decision.
            const deniedAgain = seatEventsOf("simulink", 2, [created("carol", 9)], [holder("alice", 1), holder("bob", 2), holder("carol", 9)]);
            const ids = [denied, granted, deniedAgain].map((events) => events[0].detail["decision-id"]);
            expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id))).to.equal(true);
            expect(new Set(ids).size).to.equal(3);
        });

        it("says nothing when a user asks and leaves in one batch, or a waiting user leaves", () => {
            expect(seatEventsOf("simulink", 2, [created("carol", 3), deleted("carol", 3)], [holder("alice", 1), holder("bob", 2)])).to.deep.equal([]);
            expect(seatEventsOf("simulink", 2, [deleted("dave", 4)], [holder("alice", 1), holder("bob", 2), holder("carol", 3)])).to.deep.equal([]);
        });

        it("reads the stream images, skips products without a limit and other records, and publishes once per batch", async () => {
            const published: SeatEvent[][] = [];
            const rows: Record<string, SeatHolder[]> = { simulink: [holder("bob", 2), holder("carol", 3)], catia: [holder("zoe", 1), holder("yan", 2)] };
            const ports = {
                seatsOf: async (product: string) => (product === "simulink" ? 1 : undefined),
                seatHolders: async (product: string) => rows[product],
                publish: async (events: SeatEvent[]) => void published.push(events),
            };
            const record = (eventName: "INSERT" | "REMOVE" | "MODIFY", pk: string, sk: string, minute: number): DynamoDBRecord => ({
                eventName,
                dynamodb: { Keys: { pk: { S: pk }, sk: { S: sk } }, [eventName === "REMOVE" ? "OldImage" : "NewImage"]: { firstAssignedAt: { S: at(minute) } } },
            });
            const telemetry = new RecordingTelemetry();
            const outcome = await announceSeatEvents(
                { Records: [record("REMOVE", "SEAT#simulink", "USER#alice", 1), record("INSERT", "SEAT#simulink", "USER#carol", 3), record("INSERT", "SEAT#catia", "USER#yan", 2), record("MODIFY", "SEAT#simulink", "USER#bob", 2)] },
                ports,
                telemetry,
            );
            expect(summary(outcome.events)).to.deep.equal(["Seat Granted bob #1/1", "Seat Denied carol #1/1"]);
            expect(published).to.deep.equal([outcome.events]);
            expect(telemetry.total("SeatDeniedEvents")).to.equal(1);
            expect(telemetry.total("SeatGrantedEvents")).to.equal(1);
            expect(await announceSeatEvents({ Records: [record("INSERT", "SEAT#catia", "USER#yan", 2)] }, ports, telemetry)).to.deep.equal({ events: [] });
            expect(published).to.have.length(1);
        });

        it("stays under EventBridge's 256 KB entry limit with the longest user id and product name", () => {
            const longest: SeatEvent = {
                detailType: SEAT_DENIED,
                detail: { "schema-version": "1", "decision-id": "d".repeat(32), "user-id": "u".repeat(256), product: "p".repeat(64), seats: 1_000_000, "queue-position": 40_000, "queue-length": 40_000, "waiting-since": at(1) },
            };
            const size = entrySizeBytes(longest);
            console.log(`      largest seat event entry: ${size} bytes of ${EVENT_ENTRY_LIMIT_BYTES}`);
            expect(size).to.be.below(EVENT_ENTRY_LIMIT_BYTES);
            // Ten per PutEvents call also fit the request limit.
            expect(size * 10).to.be.below(EVENT_ENTRY_LIMIT_BYTES);
        });
    });

    describe("the hub's seat-events function (Pulumi mocks)", () => {
        it("reads the seat stream with the change marker's filter and may put only the two seat detail-types", async () => {
            const { resources } = await runUnderMocks(() => new LicenseServerHub("hub", { catalog: CATALOG, workbenchAccountIds: ["222222222222"] }));
            const fn = named(resources, "aws:lambda/function:Function", "hub-seat-events").inputs;
            expect(fn.tags["licensing:handler"]).to.equal("hub-seat-events");
            expect(fn.environment.variables[SEAT_EVENTS_ENVIRONMENT.busName]).to.equal("hub-workbench-events");
            const mapping = named(resources, "aws:lambda/eventSourceMapping:EventSourceMapping", "hub-seat-events").inputs;
            expect(JSON.parse(mapping.filterCriteria.filters[0].pattern)).to.deep.equal(seatChangeStreamFilter());
            const statements = Object.fromEntries(JSON.parse(named(resources, "aws:iam/rolePolicy:RolePolicy", "hub-seat-events-policy").inputs.policy).Statement.map((s: any) => [s.Sid, s]));
            expect(Object.keys(statements).sort()).to.deep.equal(["ListStreams", "PutSeatEvents", "ReadHubConfiguration", "ReadSeatRows", "ReadSeatStream", "SendFailedBatches", "WriteOwnLogs"]);
            expect(statements.PutSeatEvents.Condition).to.deep.equal({ "ForAllValues:StringEquals": { "events:source": "licensing.hub", "events:detail-type": [SEAT_DENIED, SEAT_GRANTED] } });
            expect(statements.PutSeatEvents.Condition["ForAllValues:StringEquals"]["events:detail-type"]).not.to.include(SEAT_CHANGE_EVENT.detailType);
            expect(statements.ReadSeatRows.Condition).to.deep.equal({ "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["SEAT#*"] } });
        });
    });
});
