import { expect } from "chai";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { assignSeats } from "../../functions/hub-assignment/assignment";
import { dynamoAssignmentPorts } from "../../functions/hub-assignment/awsPorts";
import { instanceItemKey } from "../../functions/hub-shared/tableKeys";
import { startDynalite, LocalDynamo } from "../../sandbox/aws/dynalite";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { HOSTILE_USER_IDS, NOW, OTHER_ACCOUNT, assignmentConfig, workbenchEvent } from "./support/fixtures";
import { seatRows } from "./support/hubTable";

describe("hub assignment against dynalite", () => {
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

    const apply = (event: unknown, config = assignmentConfig(table), now = NOW) =>
        assignSeats(event, config, dynamoAssignmentPorts(dynamo.documents, table), telemetry, now);
    const rows = async () => Object.fromEntries(await seatRows(dynamo.documents, table));
    const WB1 = "222222222222/eu-central-1/i-0aaaaaaaaaaaaaaa1";
    const WB2 = "222222222222/eu-central-1/i-0aaaaaaaaaaaaaaa2";

    it("gives a started workbench's user one seat row per product, with count, first assignment and holder", async () => {
        const start = workbenchEvent({ user: "alice", type: "cae-standard", at: 10 });
        const outcome = await apply(start);
        expect(outcome).to.deep.include({ outcome: "applied", state: "started", seatsAdded: 2, seatsReleased: 0 });
        expect(await rows()).to.deep.equal({
            "matlab/alice": { workbenchCount: 1, instances: [WB1], firstAssignedAt: start.detail["ec2-event-time"] },
            "ansys/alice": { workbenchCount: 1, instances: [WB1], firstAssignedAt: start.detail["ec2-event-time"] },
        });
        expect(telemetry.total("WorkbenchEventsApplied")).to.equal(1);
    });

    it("does not count a duplicated or retried start twice", async () => {
        const start = workbenchEvent({ at: 10 });
        await apply(start);
        const again = await apply(start);
        expect(again).to.deep.include({ outcome: "applied", seatsAdded: 0 });
        expect((await rows())["matlab/alice"].workbenchCount).to.equal(1);
    });

    it("keeps the seat while a second workbench of the same user runs, and deletes it with the last", async () => {
        await apply(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa1", at: 10 }));
        await apply(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa2", type: "office", at: 20 }));
        expect((await rows())["matlab/alice"]).to.include({ workbenchCount: 2 });
        expect((await rows())["matlab/alice"].instances).to.deep.equal([WB1, WB2]);

        await apply(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa1", ec2State: "stopping", at: 30 }));
        expect(await rows()).to.deep.equal({
            "matlab/alice": { workbenchCount: 1, instances: [WB2], firstAssignedAt: workbenchEvent({ at: 10 }).detail["ec2-event-time"] },
        });
        await apply(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa2", type: "office", ec2State: "terminated", at: 40 }));
        expect(await rows()).to.deep.equal({});
    });

    it("lets a stop that arrives before its start win, so no seat is left held", async () => {
        await apply(workbenchEvent({ ec2State: "stopped", at: 20 }));
        const late = await apply(workbenchEvent({ ec2State: "running", at: 10 }));
        expect(late).to.deep.include({ outcome: "superseded", state: "stopped", seatsAdded: 0 });
        expect(await rows()).to.deep.equal({});
        expect(telemetry.total("WorkbenchEventsSuperseded")).to.equal(1);
    });

    it("records a stop for an unknown instance as a tombstone that expires, and touches no seat", async () => {
        await apply(workbenchEvent({ ec2State: "terminated", at: 5 }));
        expect(await rows()).to.deep.equal({});
        const { Item } = await dynamo.documents.send(new GetCommand({ TableName: table, Key: instanceItemKey(WB1), ConsistentRead: true }));
        expect(Item).to.include({ state: "stopped", ec2State: "terminated" });
        expect(Item!.expiresAt).to.equal(Math.floor(NOW / 1000) + 7 * 86400);
    });

    it("lets a stop in the same second as a start end the session, whichever arrives first", async () => {
        await apply(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa1", ec2State: "stopping", at: 10 }));
        await apply(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa1", ec2State: "running", at: 10 }));
        await apply(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa2", ec2State: "running", at: 10 }));
        await apply(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa2", ec2State: "stopping", at: 10 }));
        expect(await rows()).to.deep.equal({});
    });

    it("releases the seats of the user the instance started with when its stop names another owner", async () => {
        await apply(workbenchEvent({ user: "alice", at: 10 }));
        await apply(workbenchEvent({ user: "bob", ec2State: "stopped", at: 20 }));
        expect(await rows()).to.deep.equal({});
        // A restart under the new owner gives bob the seats, and alice stays without.
        await apply(workbenchEvent({ user: "bob", at: 30 }));
        expect(Object.keys(await rows()).sort()).to.deep.equal(["ansys/bob", "matlab/bob"]);
        const { Item } = await dynamo.documents.send(new GetCommand({ TableName: table, Key: instanceItemKey(WB1), ConsistentRead: true }));
        expect(Item!.expiresAt).to.equal(undefined);
    });

    describe("a stop stamped ahead of the hub's clock (a forgery or a wrong clock)", () => {
        // at: seconds after NOW - 1 h, so at 3600 is the hub's present.
        it("refuses the issue's attack: a stop 4 minutes ahead releases nothing and the genuine start 2 minutes later holds the seat", async () => {
            await apply(workbenchEvent({ at: 3600 - 60 }));
            const forged = await apply(workbenchEvent({ ec2State: "stopped", at: 3600 + 240, id: "forged" }));
            expect(forged.outcome).to.equal("rejected");
            expect(Object.keys(await rows())).to.have.members(["matlab/alice", "ansys/alice"]);
            const genuine = await apply(workbenchEvent({ ec2State: "running", at: 3600 + 120, id: "genuine" }), undefined, NOW + 121_000);
            expect(genuine).to.deep.include({ outcome: "applied", state: "started" });
            expect(Object.keys(await rows())).to.have.members(["matlab/alice", "ansys/alice"]);
        });

        it("orders a stop inside the skew at its arrival, so the genuine start that follows it wins", async () => {
            await apply(workbenchEvent({ at: 3600 - 60 }));
            // 20 s ahead: accepted (skew 30 s), and it does stop the instance now...
            const forged = await apply(workbenchEvent({ ec2State: "stopped", at: 3600 + 20, id: "forged" }));
            expect(forged).to.deep.include({ outcome: "applied", state: "stopped", seatsReleased: 2 });
            expect(await rows()).to.deep.equal({});
            // ...but a start EC2 stamps 10 s later is later than the stop's arrival, though earlier than its stamp.
            const genuine = await apply(workbenchEvent({ ec2State: "running", at: 3600 + 10, id: "genuine" }), undefined, NOW + 11_000);
            expect(genuine).to.deep.include({ outcome: "applied", state: "started", seatsAdded: 2 });
            expect(Object.keys(await rows())).to.have.members(["matlab/alice", "ansys/alice"]);
        });
    });

    describe("stops always count (contract version 2, version 1 still accepted)", () => {
        it("releases every seat on a version-2 stop that names no owner or type", async () => {
            await apply(workbenchEvent({ at: 10 }));
            expect(Object.keys(await rows())).to.have.length(2);
            const outcome = await apply(workbenchEvent({ version: "2", ec2State: "terminated", at: 20 }));
            expect(outcome).to.deep.include({ outcome: "applied", state: "stopped", seatsReleased: 2 });
            expect(await rows()).to.deep.equal({});
        });

        it("releases the seats on a stop whose workbench type left the catalog or whose owner tag turned hostile", async () => {
            await apply(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa1", at: 10 }));
            await apply(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa2", type: "office", user: "bob", at: 10 }));
            // The catalog no longer knows "cae-standard": its stop still ends the session.
            const shrunk = assignmentConfig(table, { workbenchTypes: { office: ["matlab"] } });
            expect((await apply(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa1", ec2State: "stopped", at: 20 }), shrunk)).outcome).to.equal("applied");
            expect((await apply(workbenchEvent({ instance: "i-0aaaaaaaaaaaaaaa2", user: "bob; rm -rf /", ec2State: "stopped", at: 20 }))).outcome).to.equal("applied");
            expect(await rows()).to.deep.equal({});
            expect(telemetry.total("WorkbenchEventsRejected")).to.equal(0);
        });

        it("still refuses a version-2 start without owner or type, and unknown versions", async () => {
            const noOwner = workbenchEvent({ version: "2" });
            delete (noOwner.detail as any)["user-id"];
            expect((await apply(noOwner)).outcome).to.equal("rejected");
            const future = workbenchEvent();
            (future.detail as any)["schema-version"] = "3";
            expect(await apply(future)).to.deep.include({ outcome: "rejected", reason: 'unsupported schema-version "3"' });
            expect(await rows()).to.deep.equal({});
        });

        it("keeps the owner of the last start on the instance item after an anonymous stop", async () => {
            await apply(workbenchEvent({ user: "carol", at: 10 }));
            await apply(workbenchEvent({ version: "2", ec2State: "stopped", at: 20 }));
            const { Item } = await dynamo.documents.send(new GetCommand({ TableName: table, Key: instanceItemKey(WB1), ConsistentRead: true }));
            expect(Item).to.include({ state: "stopped", userId: "carol", workbenchType: "cae-standard" });
        });
    });

    describe("rejections (logged, counted, never reach the table)", () => {
        const expectRejected = async (event: unknown, reason: RegExp, config = assignmentConfig(table)) => {
            const outcome = await apply(event, config);
            expect(outcome.outcome).to.equal("rejected");
            expect((outcome as { reason: string }).reason).to.match(reason);
            expect(await rows()).to.deep.equal({});
        };

        it("refuses accounts that are not allowed, and detail that claims another account or region than the envelope", async () => {
            await expectRejected(workbenchEvent({ account: "444444444444" }), /account 444444444444 is not an allowed workbench account/);
            const forged = workbenchEvent();
            (forged as any).account = OTHER_ACCOUNT;
            await expectRejected(forged, /^origin mismatch: detail.account 222222222222 is not the sending account "333333333333"$/);
            // A forged start for a real workbench stamped with another region: no inventory of that region would remove it.
            const foreignRegion = workbenchEvent({ region: "us-east-1" });
            (foreignRegion as any).region = "eu-central-1";
            await expectRejected(foreignRegion, /^origin mismatch: detail.region us-east-1 is not the region the event was sent from \("eu-central-1"\)$/);
            expect(telemetry.total("WorkbenchEventsRejected")).to.equal(3);
            expect(telemetry.total("WorkbenchEventsOriginMismatch")).to.equal(2);
            expect(telemetry.logs.filter((l) => l.level === "warn" && l.message === "workbench event rejected")).to.have.length(3);
        });

        it("accepts any account when none are listed (the bus policy admits the organisation)", async () => {
            const outcome = await apply(workbenchEvent({ account: "444444444444" }), assignmentConfig(table, { allowedAccounts: new Set() }));
            expect(outcome.outcome).to.equal("applied");
        });

        it("refuses unknown workbench types and malformed detail", async () => {
            await expectRejected(workbenchEvent({ type: "gaming" }), /unknown workbench type "gaming"/);
            await expectRejected(workbenchEvent({ type: "constructor" }), /unknown workbench type/);
            const noDetail = workbenchEvent();
            delete (noDetail as any).detail;
            await expectRejected(noDetail, /detail is not an object/);
            const badState = workbenchEvent();
            (badState.detail as any)["workbench-state"] = "paused";
            await expectRejected(badState, /workbench-state/);
            await expectRejected({ ...workbenchEvent(), source: "aws.ec2" }, /not a workbench event/);
            await expectRejected("nonsense", /not an object/);
        });

        it("refuses hostile user ids", async () => {
            for (const user of HOSTILE_USER_IDS) {
                await expectRejected(workbenchEvent({ user }), /user-id is missing or outside the allowed character set/);
            }
            expect(telemetry.total("WorkbenchEventsRejected")).to.equal(HOSTILE_USER_IDS.length);
        });

        it("refuses events from the future beyond the configured skew (counted apart), and starts older than the tombstone retention", async () => {
            await expectRejected(workbenchEvent({ at: 3600 + 31 }), /in the future beyond the accepted clock skew/);
            await expectRejected(workbenchEvent({ at: 3600 + 11 }), /in the future/, assignmentConfig(table, { maxClockSkewSeconds: 10 }));
            await expectRejected(workbenchEvent({ at: -3600 * 24 * 365 * 40 }), /before 2000/);
            expect(telemetry.total("WorkbenchEventsFromFuture")).to.equal(2);
            expect(telemetry.total("WorkbenchEventsRejected")).to.equal(3);
            await expectRejected(workbenchEvent({ at: -8 * 86400 }), /older than the tombstone retention/);
            // An old stop is harmless and still applied.
            expect((await apply(workbenchEvent({ ec2State: "stopped", at: -8 * 86400 }))).outcome).to.equal("applied");
        });
    });
});
