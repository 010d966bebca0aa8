import { expect } from "chai";
import { ScaledClock, WorkTracker, eventTime, schedulePeriodMs } from "../../sandbox/runtime/clock";
import { ScenarioPeriod, disabledByRuleChange } from "../../sandbox/run/schedules";

describe("sandbox clock", () => {
    it("reads the period of rate schedules, and none for cron", () => {
        expect(schedulePeriodMs("rate(1 minute)")).to.equal(60_000);
        expect(schedulePeriodMs("rate(5 minutes)")).to.equal(300_000);
        expect(schedulePeriodMs("rate(1 hour)")).to.equal(3_600_000);
        expect(schedulePeriodMs("rate(1 day)")).to.equal(86_400_000);
        expect(schedulePeriodMs("cron(0 5 * * ? *)")).to.equal(undefined);
        // The forwarders' spread inventory schedule: every 5 minutes, at the account-region's own minute.
        expect(schedulePeriodMs("cron(3/5 * * * ? *)")).to.equal(300_000);
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

    it("stands still at a hold instead of running ahead of the next step, then goes on without a jump, never backwards", () => {
        let now = 1_000_000;
        const clock = new ScaledClock(60, 300, now, () => now);
        clock.start(now);
        clock.holdAt(10);
        now += 100; // 6 scenario seconds
        expect(clock.scenarioNow()).to.equal(6);
        expect(clock.realDelayUntil(10)).to.be.closeTo(66.7, 0.1);
        now += 5_000; // a slow machine: the step at 10 s has not started yet
        expect(clock.scenarioNow(), "held at the step's time").to.equal(10);
        expect(clock.heldSeconds()).to.be.closeTo(5 - 4 / 60, 1e-9);
        clock.holdAt(20); // the step started: the clock goes on from 10
        expect(clock.scenarioNow()).to.be.closeTo(10, 1e-9).and.at.least(10);
        now += 100;
        expect(clock.scenarioNow()).to.be.closeTo(16, 1e-9);
        expect(clock.realDelayUntil(20)).to.be.closeTo(66.7, 0.1);
        now += 1_000;
        clock.release();
        now += 1_000;
        expect(clock.scenarioNow(), "released: runs freely from where it stood").to.be.closeTo(80, 1e-9);
        expect(clock.heldSeconds()).to.be.closeTo(5 - 4 / 60 + (1 - 4 / 60), 1e-9);
        // Never backwards: readings only grow.
        const readings = [0, 10, 20].map((ms) => ((now += ms), clock.scenarioNow()));
        expect([...readings].sort((a, b) => a - b)).to.deep.equal(readings);
    });

    it("reads zero until the timeline starts, whatever the holds", () => {
        let now = 0;
        const clock = new ScaledClock(60, 300, now, () => now);
        clock.holdAt(5);
        now += 10_000;
        expect(clock.scenarioNow()).to.equal(0);
        expect(clock.heldSeconds()).to.equal(0);
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

describe("sandbox schedules on the scenario clock", () => {
    it("fire once a period of scenario time, not of real time: a held clock fires nothing, missed periods are not caught up in a burst", () => {
        let real = Date.parse("2026-03-02T12:00:00.000Z");
        const clock = new ScaledClock(60, 300, real, () => real);
        clock.start(real);
        const period = new ScenarioPeriod(300_000, clock.scenarioNow()); // rate(5 minutes): 5 real seconds at 60x
        const fired: number[] = [];
        // The schedule looks four times a period (every 1.25 real seconds) for 45 real seconds; the player holds the
        // clock at 0:25 until real second 31 (the machine is slow), then lets it run: 75 scenario seconds a look.
        clock.holdAt(25);
        for (let look = 1; look <= 36; look++) {
            real += 1250;
            if (real - Date.parse("2026-03-02T12:00:00.000Z") >= 31_000) clock.release();
            if (period.due(clock.scenarioNow())) fired.push(Math.round(clock.scenarioNow()));
        }
        // Held at 25 s for 30 real seconds (six periods of real time): no firing; then once per 300 scenario seconds.
        expect(fired).to.deep.equal([325, 625]);
    });
});

describe("sandbox schedules disabled during the run", () => {
    const inventory = { arn: "arn:aws:events:eu-central-1:333333333333:rule/license-ops-workbench-inventory", name: "license-ops-workbench-inventory", accountId: "333333333333", region: "eu-central-1", busName: "default", targets: [] };

    it("stop once EventBridge allowed a DisableRule of that rule on its bus, and only then", () => {
        expect(disabledByRuleChange(undefined, inventory)).to.equal(false);
        expect(disabledByRuleChange([{ action: "PutTargets", rule: inventory.name, eventBusName: "default" }], inventory)).to.equal(false);
        expect(disabledByRuleChange([{ action: "DisableRule", rule: "license-ops-workbench-ec2-state", eventBusName: "default" }], inventory)).to.equal(false);
        expect(disabledByRuleChange([{ action: "DisableRule", rule: inventory.name, eventBusName: "license-ops-workbench" }], inventory)).to.equal(false);
        expect(disabledByRuleChange([{ action: "DisableRule", rule: inventory.name, eventBusName: "default" }], inventory)).to.equal(true);
    });
});
