import { expect } from "chai";
import * as fs from "node:fs";
import { checkExpectation, expectationProblems } from "../../sandbox/story/expectations";
import { Delivery, Fault, Scenario, deliveries } from "../../sandbox/world/scenario";
import type { LocalFunction } from "../../sandbox/world/deployment";
import { WORKBENCH_SNAPSHOT_DETAIL_TYPE } from "../../functions/shared/workbenchEvent";
import { DEFAULT_SCENARIO_FILE, scenarioProblems } from "../../sandbox/world/scenarioFile";
import { Story } from "../../sandbox/story/story";

const raw = () => JSON.parse(fs.readFileSync(DEFAULT_SCENARIO_FILE, "utf8")) as Scenario;

describe("sandbox expectations", () => {
    it("holds only when every key the step gives matches what was observed", () => {
        const held = checkExpectation("t=02:10 erin-cad running", "late start", { outcome: "superseded" }, { outcome: "superseded", forwarderAttempts: 1 });
        expect(held).to.include({ ok: true, expected: "outcome superseded" });
        const missed = checkExpectation("t=03:40 ivan-cae running", undefined, { outcome: "applied", forwarderRetries: 2 }, { outcome: "applied", forwarderAttempts: 1 });
        expect(missed.ok).to.equal(false);
        expect(missed.observed).to.equal("outcome applied, forwarderRetries 0");
        const never = checkExpectation("t=00:10 bob-cae pending", undefined, { outcome: "no-rule" }, {});
        expect(never).to.include({ ok: false, observed: "outcome (none)" });
    });

    it("checks what the forwarder forwarded (what EC2 said), and refuses anything but started or stopped", () => {
        const held = checkExpectation("t=02:10 erin-cad running", undefined, { outcome: "applied", forwarded: "stopped" }, { outcome: "applied", forwarded: "stopped" });
        expect(held).to.include({ ok: true, observed: "outcome applied, forwarded stopped" });
        const missed = checkExpectation("t=02:10 erin-cad running", undefined, { forwarded: "stopped" }, { outcome: "applied", forwarded: "started" });
        expect(missed).to.include({ ok: false, observed: "forwarded started" });
        expect(expectationProblems("timeline[3].expect", { forwarded: "running" }, ["forwarded"])).to.deep.equal(["timeline[3].expect.forwarded must be started or stopped"]);
    });

    it("records a fault against whoever consumed it, and checks who that was", () => {
        const consumed = [
            { by: "ivan-cae", attempt: 1 },
            { by: "ivan-cae", attempt: 1 },
            { by: "dave-cad", attempt: 1 },
        ];
        const check = checkExpectation("t=03:35 fault ec2 research x3", undefined, { consumed: 3, consumedBy: ["ivan-cae"] }, { consumed });
        expect(check.ok).to.equal(false);
        expect(check.observed).to.equal("consumed 3, consumedBy ivan-cae, dave-cad");
        expect(check.consumers).to.equal("ivan-cae attempt 1 x2, dave-cad attempt 1");
        expect(checkExpectation("f", undefined, { consumed: 0 }, { consumed: [] }).ok).to.equal(true);
    });

    it("after a recreated change-marker parameter, records which products got a list installed and how many lists were refused", () => {
        const story = new Story();
        const serverSaid = (product: string, ok: boolean, detail: string) =>
            story.onEvent({ at: 0, kind: "license-server", instanceId: "i-0a1b2c3d4e5f60001", product, generation: "7", ok, detail });
        serverSaid("catia", true, "license-hub: catia generation 6 applied (1 users)"); // before the step: not counted
        const fault: Fault = { at: "2:50", target: "change-marks", times: 1, expect: { installedAfter: ["matlab"], refusedAfter: 0 } };
        story.openFault(fault);
        serverSaid("matlab", true, "license-hub: matlab generation 7 applied (3 users)");
        serverSaid("matlab", true, "license-hub: matlab generation 8 applied (4 users)");
        serverSaid("simulink", true, "license-hub: simulink generation 8 already applied"); // nothing new installed
        expect(story.checks()).to.deep.equal([
            { step: "t=02:50 fault change-marks x1", note: undefined, expected: "installedAfter matlab, refusedAfter 0", ok: true, observed: "installedAfter matlab, refusedAfter 0" },
        ]);
        // What the release before generations did: a version below the server's was ignored (exit 0), and a refusal.
        serverSaid("catia", true, "license-hub: catia already has generation 9; generation 2 ignored");
        serverSaid("catia", false, "applyUserList: script failed (exit 3): license-hub: catia holds generation 9; generation 3 refused (superseded)");
        const [check] = story.checks();
        expect(check).to.include({ ok: false, observed: "installedAfter matlab, refusedAfter 2" });
        expect(checkExpectation("f", undefined, { installedAfter: ["matlab", "catia"] }, { installedAfter: ["matlab"] })).to.include({ ok: false, observed: "installedAfter matlab" });
    });

    it("counts the seats a snapshot added to follow a start for that start, whichever invocation got there first", () => {
        const story = new Story();
        const delivery: Delivery = { at: 270, occurredAt: 270, instance: "dave-cad", state: "running", eventId: "ec2-dave-restart", redelivery: false, lost: false, removeTags: false };
        story.openDelivery(delivery, "engineering", "i-0dave", { outcome: "applied", seatsAdded: 1 });
        const fn = (handler: string) => ({ handler }) as LocalFunction;
        const invoked = (handler: string, event: unknown, result: unknown) =>
            story.onEvent({ at: 0, kind: "invocation", fn: fn(handler), event, result: { requestId: "r", ok: true, result, durationMs: 1, coldStart: false }, attempt: 0, trigger: "event" });
        invoked("workbench-forwarder", { id: "ec2-dave-restart", source: "aws.ec2" }, { outcome: "forwarded", detail: { "workbench-state": "started" } });
        // An older snapshot lost to the start, and added dave's seat before the start's own invocation could.
        invoked("hub-assignment", { "detail-type": WORKBENCH_SNAPSHOT_DETAIL_TYPE, detail: { account: "111111111111" } }, {
            outcome: "reconciled",
            corrections: [],
            followed: [{ instanceId: "i-0dave", ec2EventId: "ec2-dave-restart", seatsAdded: 1, seatsReleased: 0 }],
        });
        invoked("hub-assignment", { source: "licensing.workbench", detail: { "ec2-event-id": "ec2-dave-restart" } }, { outcome: "applied", seatsAdded: 0, seatsReleased: 0 });
        expect(story.checks()).to.deep.include({ step: "t=04:30 dave-cad running", note: undefined, expected: "outcome applied, seatsAdded 1", ok: true, observed: "outcome applied, seatsAdded 1" });
    });

    it("counts a lost stop's healed seat whichever of two racing snapshots released it, even the one whose invocation ended second", () => {
        const story = new Story();
        story.openHeal("t=03:20 leo-ds stopped (event lost)", "111111111111", "i-0leo", undefined, { outcome: "healed-by-inventory", seatsReleased: 1 });
        const snapshot = (seatsReleased: number) =>
            story.onEvent({
                at: 0,
                kind: "invocation",
                fn: { handler: "hub-assignment" } as LocalFunction,
                event: { "detail-type": WORKBENCH_SNAPSHOT_DETAIL_TYPE, detail: { account: "111111111111" } },
                result: { requestId: "r", ok: true, result: { outcome: "reconciled", corrections: [{ instanceId: "i-0leo", state: "stopped", seatsAdded: 0, seatsReleased }], followed: [] }, durationMs: 1, coldStart: false },
                attempt: 0,
                trigger: "event",
            });
        // Both snapshots corrected leo-ds to stopped; the one that released his seat finished second.
        snapshot(0);
        snapshot(1);
        expect(story.checks()).to.deep.include({ step: "t=03:20 leo-ds stopped (event lost)", note: undefined, expected: "outcome healed-by-inventory, seatsReleased 1", ok: true, observed: "outcome healed-by-inventory, seatsReleased 1" });
    });

    it("names every mistake in an expect, and the keys the kind of step allows", () => {
        expect(expectationProblems("timeline[1].expect", { outcome: "granted", seatsAdded: -1, consumed: 2 }, ["outcome", "seatsAdded"])).to.deep.equal([
            "timeline[1].expect.outcome must be one of no-rule, ignored, rejected-by-forwarder, refused-by-hub-bus, rejected-by-hub, applied, superseded, gave-up, healed-by-inventory",
            "timeline[1].expect.seatsAdded must be a whole number >= 0",
            "timeline[1].expect.consumed is not an expectation of this kind of step (use outcome, seatsAdded)",
        ]);
        expect(expectationProblems("faults[0].expect", {}, ["consumed"])).to.deep.equal(["faults[0].expect is empty: give some of consumed"]);
        expect(expectationProblems("faults[0].expect", "ok", ["consumed"])).to.deep.equal(["faults[0].expect must be an object with some of: consumed"]);
    });

    it("validates the expectations of a scenario file, for deliveries and faults", () => {
        const scenario = raw() as any;
        scenario.timeline[0].expect = { outcome: "seated" };
        scenario.faults[0].expect = { outcome: "applied" };
        const problems = scenarioProblems(scenario);
        expect(problems.some((p) => p.startsWith("timeline[0].expect.outcome must be one of"))).to.equal(true);
        expect(problems).to.include("faults[0].expect.outcome is not an expectation of this kind of step (use consumed, consumedBy)");
        const recreated = raw() as any;
        recreated.faults.push({ at: "1:00", target: "change-marks", times: 1, expect: { consumed: 1, installedAfter: ["photoshop", 3], refusedAfter: -1 } });
        const where = `faults[${recreated.faults.length - 1}].expect`;
        expect(scenarioProblems(recreated)).to.include.members([
            `${where}.consumed is not an expectation of this kind of step (use installedAfter, refusedAfter)`,
            `${where}.installedAfter must be a list of names`,
            `${where}.refusedAfter must be a whole number >= 0`,
            `${where}.installedAfter: photoshop is not a product of the catalog`,
        ]);
    });

    it("gives a redelivery its own expectation, not its original's", () => {
        const scenario = raw();
        const list = deliveries(scenario);
        const original = list.find((d) => d.instance === "alice-cae" && d.state === "running" && !d.redelivery)!;
        const again = list.find((d) => d.instance === "alice-cae" && d.redelivery)!;
        expect(original.expect).to.deep.equal({ outcome: "applied", forwarded: "started", seatsAdded: 2 });
        expect(again.expect).to.deep.equal({ outcome: "applied", forwarded: "stopped", seatsAdded: 0 });
    });

    it("gives every note of the default scenario an expectation", () => {
        const scenario = raw();
        const unchecked = [...scenario.timeline, ...(scenario.faults ?? [])].filter((step) => step.note !== undefined && step.expect === undefined);
        expect(unchecked.map((s) => s.note)).to.deep.equal([]);
    });
});
