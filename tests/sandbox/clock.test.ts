import { expect } from "chai";
import { ScaledClock, WorkTracker, eventTime, schedulePeriodMs } from "../../sandbox/runtime/clock";

describe("sandbox clock", () => {
    it("reads the period of rate schedules, and none for cron", () => {
        expect(schedulePeriodMs("rate(1 minute)")).to.equal(60_000);
        expect(schedulePeriodMs("rate(5 minutes)")).to.equal(300_000);
        expect(schedulePeriodMs("rate(1 hour)")).to.equal(3_600_000);
        expect(schedulePeriodMs("rate(1 day)")).to.equal(86_400_000);
        expect(schedulePeriodMs("cron(0 5 * * ? *)")).to.equal(undefined);
    });

    it("scales waits by the speed and places every scenario time in the past", () => {
        const now = Date.parse("2026-03-02T12:00:30.500Z");
        const clock = new ScaledClock(60, 300, now);
        expect(clock.scaled(60_000)).to.equal(1000);
        expect(clock.timeAt(300).getTime()).to.be.below(now);
        expect(clock.epochMs % 60_000).to.equal(0);
        expect(clock.timeAt(90).getTime() - clock.timeAt(0).getTime()).to.equal(90_000);
        expect(eventTime(new Date("2026-03-02T12:00:30.500Z"))).to.equal("2026-03-02T12:00:30Z");
        expect(() => new ScaledClock(0, 10)).to.throw(/speed must be a positive number/);
    });

    it("tracks work in flight until all of it settled", async () => {
        const work = new WorkTracker();
        await work.idle();
        let release!: () => void;
        const tracked = work.track(new Promise<void>((resolve) => (release = resolve)));
        const done = work.begin();
        let idle = false;
        const waiting = work.idle().then(() => (idle = true));
        release();
        await tracked;
        await new Promise((resolve) => setImmediate(resolve));
        expect(idle, "one piece of work is still open").to.equal(false);
        done();
        done(); // ending twice counts once
        await waiting;
        expect(work.busy).to.equal(false);
    });
});
