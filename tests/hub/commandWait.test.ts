import { expect } from "chai";
import { FIRST_POLL_MS, waitForCommand } from "../../functions/hub-sync/commandWait";
import type { CommandOutcome } from "../../functions/hub-sync/ports";

/** A clock that only moves when the code under test sleeps, and a command that finishes at `doneAt`. */
function fakeRunCommand(doneAt: number) {
    let now = 0;
    const sleeps: number[] = [];
    const polls: number[] = [];
    return {
        sleeps,
        polls,
        clock: { now: () => now, sleep: async (ms: number) => void (sleeps.push(ms), (now += ms)) },
        ports: {
            async commandOutcome(commandId: string): Promise<CommandOutcome | undefined> {
                polls.push(now);
                return now >= doneAt ? { status: "Success", commandId } : undefined;
            },
        },
    };
}

describe("waiting for a Run Command: polls with backoff", () => {
    it("polls a server of unknown round trip soon, then at 1/8, 1/4, 1/2 of the interval, then at the interval", async () => {
        const run = fakeRunCommand(6000);
        const outcome = await waitForCommand(run.ports, "c-1", "i-1", undefined, 60_000, 2000, run.clock);
        expect(outcome).to.deep.equal({ status: "Success", commandId: "c-1" });
        expect(run.sleeps).to.deep.equal([FIRST_POLL_MS, 250, 500, 1000, 2000, 2000]);
        expect(run.polls.at(-1)).to.equal(6000); // seen within one interval of finishing
    });

    it("polls a server of known round trip first at 90% of it: a 10 s command costs three polls, seen within a second", async () => {
        const run = fakeRunCommand(10_000);
        await waitForCommand(run.ports, "c-1", "i-1", 10_000, 60_000, 2000, run.clock);
        expect(run.sleeps).to.deep.equal([9000, 250, 500, 1000]);
        expect(run.polls).to.deep.equal([9000, 9250, 9750, 10_750]);
    });

    it("gives up at the deadline with WaitTimedOut, polling once at the deadline itself", async () => {
        const run = fakeRunCommand(Number.POSITIVE_INFINITY);
        const outcome = await waitForCommand(run.ports, "c-1", "i-1", 5000, 6000, 2000, run.clock);
        expect(outcome).to.deep.include({ status: "WaitTimedOut", commandId: "c-1" });
        expect(run.polls.at(-1)).to.equal(6000);
        expect(run.clock.now()).to.equal(6000);
    });
});
