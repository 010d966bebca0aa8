import { expect } from "chai";
import { lambdaReservedConcurrency, lambdaSupportedRuntime } from "../../policy/policies/lambdaSettings";
import { UNKNOWN_STRING, checkResource } from "./policyArgs";

const check = (policy: typeof lambdaSupportedRuntime, props: Record<string, unknown>, config?: object) =>
    checkResource(policy, { type: "aws:lambda/function:Function", props: { role: "r", ...props }, config: config as never }).then((r) => r.map((v) => v.message));

describe("policy lambda-supported-runtime", () => {
    it("passes current runtimes and container images (no runtime)", async () => {
        expect(await check(lambdaSupportedRuntime, { runtime: "nodejs22.x" })).to.be.empty;
        expect(await check(lambdaSupportedRuntime, { packageType: "Image" })).to.be.empty;
        expect(await check(lambdaSupportedRuntime, { runtime: UNKNOWN_STRING })).to.be.empty;
    });
    it("reports deprecated runtimes, from the configurable list", async () => {
        expect(await check(lambdaSupportedRuntime, { runtime: "nodejs20.x" })).to.deep.equal([
            "Runtime nodejs20.x is deprecated and no longer patched: move to a supported runtime (e.g. nodejs22.x).",
        ]);
        expect(await check(lambdaSupportedRuntime, { runtime: "python3.8" })).to.have.length(1);
        expect(await check(lambdaSupportedRuntime, { runtime: "nodejs22.x" }, { "lambda-supported-runtime": { deprecatedRuntimes: ["nodejs22.x"] } })).to.have.length(1);
    });
});

describe("policy lambda-reserved-concurrency (advisory by default)", () => {
    it("passes a function with reserved concurrency", async () => {
        expect(await check(lambdaReservedConcurrency, { reservedConcurrentExecutions: 5 })).to.be.empty;
        expect(await check(lambdaReservedConcurrency, { reservedConcurrentExecutions: 0 })).to.be.empty;
    });
    it("reports a function without, or unreserved (-1)", async () => {
        expect(await check(lambdaReservedConcurrency, {})).to.have.length(1);
        expect(await check(lambdaReservedConcurrency, { reservedConcurrentExecutions: -1 })).to.have.length(1);
        expect(lambdaReservedConcurrency.enforcementLevel).to.equal("advisory");
    });
});
