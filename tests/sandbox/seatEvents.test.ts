import { expect } from "chai";
import { SeatEventLog, seatEventProblems } from "../../sandbox/story/seatEvents";
import type { EventBridgeEvent } from "../../sandbox/runtime/events";

const HUB_BUS = "arn:aws:events:eu-central-1:222222222222:event-bus/hub-workbench-events";

describe("sandbox seat events (the hub's Seat Denied / Seat Granted)", () => {
    const put = (log: SeatEventLog, detailType: string, user: string, position: number, where = { accountId: "222222222222", region: "eu-central-1", busName: "hub-workbench-events" }, source = "licensing.hub") =>
        log.onEvent({
            at: 70,
            kind: "bus-event",
            ...where,
            event: { source, "detail-type": detailType, detail: { "user-id": user, product: "simulink", "queue-position": position } } as unknown as EventBridgeEvent,
        });

    it("checks each listed event on the hub bus with its queue position, and that no other arrived", () => {
        const log = new SeatEventLog();
        put(log, "Seat Denied", "carol", 1);
        put(log, "Seat Granted", "carol", 1);
        put(log, "Seat Denied", "ivan", 2);
        put(log, "Seat Denied", "mallory", 1, { accountId: "111111111111", region: "eu-central-1", busName: "hub-workbench-events" }); // another account's bus
        put(log, "Seat Table Changed", "x", 1); // not a seat event
        const checks = log.checks(
            [
                { detailType: "Seat Denied", user: "carol", product: "simulink", queuePosition: 1 },
                { detailType: "Seat Granted", user: "carol", product: "simulink" },
                { detailType: "Seat Denied", user: "ivan", product: "simulink", queuePosition: 1 },
                { detailType: "Seat Granted", user: "ivan", product: "simulink" },
            ],
            HUB_BUS,
        );
        expect(checks.map((c) => [c.step, c.ok, c.observed])).to.deep.equal([
            ["seat event Seat Denied carol simulink", true, "on the hub bus, queue position 1"],
            ["seat event Seat Granted carol simulink", true, "on the hub bus, queue position 1"],
            ["seat event Seat Denied ivan simulink", false, "on the hub bus, queue position 2"],
            ["seat event Seat Granted ivan simulink", false, "not on the hub bus"],
            ["seat events the scenario does not list", true, "none"],
        ]);
        put(log, "Seat Granted", "carol", 1); // a second grant nobody listed
        expect(log.checks([], HUB_BUS)[0]).to.include({ ok: false });
        expect(log.checks([], HUB_BUS)[0].observed).to.contain("Seat Granted carol simulink");
    });

    it("expects a user's events on a product in the order listed: a grant seen before the denial does not count", () => {
        const log = new SeatEventLog();
        put(log, "Seat Granted", "carol", 1);
        put(log, "Seat Denied", "carol", 1);
        const checks = log.checks(
            [
                { detailType: "Seat Denied", user: "carol", product: "simulink" },
                { detailType: "Seat Granted", user: "carol", product: "simulink" },
            ],
            HUB_BUS,
        );
        expect(checks.map((c) => [c.step, c.ok])).to.deep.equal([
            ["seat event Seat Denied carol simulink", true],
            ["seat event Seat Granted carol simulink", false],
            ["seat events the scenario does not list", false],
        ]);
    });

    it("names every mistake in a scenario's seatEvents", () => {
        expect(seatEventProblems(undefined, [], [])).to.deep.equal([]);
        expect(seatEventProblems({}, [], [])).to.deep.equal(["seatEvents must be an array"]);
        expect(seatEventProblems([{ detailType: "Seat Taken", user: "zed", product: "maya", queuePosition: 0, when: 1 }], ["carol"], ["simulink"])).to.deep.equal([
            "seatEvents[0].detailType must be one of Seat Denied, Seat Granted",
            "seatEvents[0].user must be one of the scenario's users",
            "seatEvents[0].product must be a product of the catalog",
            "seatEvents[0].queuePosition must be a whole number >= 1",
            "seatEvents[0] has unknown keys: when (use detailType, user, product, queuePosition, note)",
        ]);
    });
});
