import { expect } from "chai";
import { convergenceScenarioArb, runConvergence } from "./support/convergence";
import { dynaliteHubProperty } from "./support/dynaliteHub";

/** bench/reconciliation-convergence.ts runs the same property thousands of times. */
const RUNS = 200;

describe("hub reconciliation: lost, duplicated and reordered events heal at the next complete snapshot (fast-check, dynalite)", function () {
    const check = dynaliteHubProperty(this, RUNS);

    it("ends with exactly the seats of the instances running as valid workbenches, each counting its holders", async () => {
        await check(convergenceScenarioArb, async (hub, scenario) => {
            const result = await runConvergence(hub, scenario);
            expect(result.miscounted, "seat rows whose count is not their holders").to.deep.equal([]);
            expect(result.actual).to.deep.equal(result.expected);
        });
    });
});
