import { expect } from "chai";
import { runProblems, Sample } from "../../bench/event-to-license-server";
import type { SandboxResult } from "../../sandbox/sandbox";

/** A run's result as the bench sees it: only what runProblems reads. */
function result(overrides: Partial<SandboxResult>): SandboxResult {
    return { settled: true, ok: true, mismatches: [], expectations: [], harnessErrors: [], ...overrides } as unknown as SandboxResult;
}
const reached: Sample[] = [{ user: "bench01", at: 3, ec2: 1000, installed: 7000 }];

describe("bench event-to-license-server: a run counts only when it passed", () => {
    it("accepts a settled, ok run where every sample reached the license server", () => {
        expect(runProblems(result({}), reached)).to.deep.equal([]);
    });

    it("fails a run that did not settle, even when every sample arrived", () => {
        expect(runProblems(result({ settled: false, ok: false }), reached)).to.deep.equal(["the run did not settle"]);
    });

    it("fails on a missed expectation, a sandbox error, other lists or a sample that never arrived", () => {
        const problems = runProblems(
            result({
                ok: false,
                mismatches: [{ product: "catia", expected: ["bench01"], actual: [] }],
                expectations: [{ step: "t=00:03 bench01 running", expected: "outcome applied", ok: false, observed: "outcome (none)" }],
                harnessErrors: ["sandbox error in stream poller hub-seat-changes: boom"],
            }),
            [{ user: "bench01", at: 3, ec2: 1000 }],
        );
        expect(problems).to.deep.equal([
            "catia ended with [], expected [bench01]",
            "MISSED t=00:03 bench01 running: outcome applied (observed: outcome (none))",
            "sandbox error: sandbox error in stream poller hub-seat-changes: boom",
            "bench01 never reached the license server",
        ]);
    });

    it("fails a run that is not ok for any other reason", () => {
        expect(runProblems(result({ ok: false }), reached)).to.deep.equal(["the run is not ok"]);
    });
});
