import { expect } from "chai";
import { EventRouter } from "../../sandbox/runtime/eventRouter";
import { ScaledClock, WorkTracker } from "../../sandbox/runtime/clock";
import type { LocalDeployment, LocalFunction } from "../../sandbox/world/deployment";
import type { LocalLambdaRuntime } from "../../sandbox/runtime/lambdaRuntime";
import type { SandboxEvent } from "../../sandbox/runtime/events";
import { RunTally } from "../../sandbox/story/tally";

const fn = {
    arn: "arn:aws:lambda:eu-central-1:222222222222:function:hub-assignment",
    name: "hub-assignment",
    accountId: "222222222222",
    handler: "hub-assignment",
    environment: {},
    async: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600 },
} as unknown as LocalFunction;

describe("sandbox: an error of the sandbox itself fails the run", () => {
    it("a stream snapshot that fails after an invocation is a sandbox error counted against the run, not an info line", async () => {
        const events: SandboxEvent[] = [];
        const tally = new RunTally();
        const emit = (event: SandboxEvent) => {
            events.push(event);
            tally.onEvent(event);
        };
        const runtime = { closed: false, invoke: async () => ({ requestId: "r-1", ok: true, result: {}, durationMs: 1, coldStart: false }) } as unknown as LocalLambdaRuntime;
        const router = new EventRouter({
            deployment: { buses: [], rules: [], functions: [fn] } as unknown as LocalDeployment,
            runtime,
            clock: new ScaledClock(60, 0),
            work: new WorkTracker(),
            emit,
            organizationOf: () => undefined,
            afterInvocation: async () => {
                throw new Error("ResourceNotFoundException: table hub-seats not found");
            },
        });
        await router.invokeAsync(fn, { id: "ev-1" });
        const errors = events.filter((e) => e.kind === "harness-error");
        expect(errors.map((e) => (e as { message: string }).message)).to.deep.equal(["sandbox error while invoking hub-assignment: ResourceNotFoundException: table hub-seats not found"]);
        expect(events.some((e) => e.kind === "info")).to.equal(false);
        expect(tally.harnessErrors).to.have.length(1);
    });
});
