import { expect } from "chai";
import { runIdentity, runTriggerOf, scheduledTime } from "../../functions/license-usage-report/runIdentity";

const SCHEDULED = {
    version: "0",
    id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "111111111111",
    time: "2026-03-05T06:00:00Z",
    region: "eu-central-1",
    resources: ["arn:aws:events:eu-central-1:111111111111:rule/usage-schedule"],
    detail: {},
};
const STARTED = new Date("2026-03-05T06:00:41.123Z");

describe("run identity", () => {
    it("names a scheduled run after the event's id and scheduled time, whatever the attempt", () => {
        const first = runIdentity(runTriggerOf(SCHEDULED), "req-1", STARTED);
        const retry = runIdentity(runTriggerOf(SCHEDULED), "req-2", new Date("2026-03-05T06:03:12.456Z"));
        expect(first).to.deep.equal({ runId: SCHEDULED.id, runTime: new Date("2026-03-05T06:00:00Z"), scheduled: true });
        expect(retry).to.deep.equal(first);
        const next = runIdentity(runTriggerOf({ ...SCHEDULED, id: "another", time: "2026-03-06T06:00:00Z" }), "req-3", STARTED);
        expect(next.runTime.toISOString()).to.equal("2026-03-06T06:00:00.000Z");
        expect(next.runId).to.equal("another");
    });

    it("names a manual invocation after its request id and start time", () => {
        for (const event of [undefined, {}, "run", { source: "manual" }, { ...SCHEDULED, source: "my.app" }, { ...SCHEDULED, "detail-type": "Custom" }]) {
            expect(runIdentity(runTriggerOf(event), "req-9", STARTED), JSON.stringify(event)).to.deep.equal({ runId: "req-9", runTime: STARTED, scheduled: false });
        }
    });

    it("falls back to the attempt when a scheduled event lacks a usable id or time", () => {
        for (const broken of [{ id: undefined }, { id: "" }, { time: undefined }, { time: "yesterday" }, { time: "2026-02-30T06:00:00Z" }, { time: "0999-12-31T00:00:00Z" }]) {
            const identity = runIdentity(runTriggerOf({ ...SCHEDULED, ...broken }), "req-7", STARTED);
            expect(identity, JSON.stringify(broken)).to.deep.equal({ runId: "req-7", runTime: STARTED, scheduled: false });
        }
    });

    it("accepts EventBridge's UTC times only when they are real calendar times", () => {
        expect(scheduledTime("2026-03-05T06:00:00Z")?.toISOString()).to.equal("2026-03-05T06:00:00.000Z");
        expect(scheduledTime("2026-03-05T06:00:00.5Z")?.toISOString()).to.equal("2026-03-05T06:00:00.500Z");
        for (const bad of ["2026-03-05T06:00:00", "2026-03-05T06:00:00+01:00", "2026-03-05 06:00:00Z", "2026-13-01T00:00:00Z", "2026-03-05T24:00:00Z", undefined]) {
            expect(scheduledTime(bad), String(bad)).to.equal(undefined);
        }
    });

    it("keeps the trigger fields, bounded in length", () => {
        expect(runTriggerOf(SCHEDULED)).to.deep.equal({ source: "aws.events", detailType: "Scheduled Event", eventId: SCHEDULED.id, time: SCHEDULED.time });
        expect(runTriggerOf({ id: "x".repeat(1000) })?.eventId).to.have.length(256);
        expect(runTriggerOf({ unrelated: 1 })).to.equal(undefined);
    });
});
