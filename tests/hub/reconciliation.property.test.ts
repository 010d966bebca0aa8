import { expect } from "chai";
import fc from "fast-check";
import { startDynalite, LocalDynamo } from "../../sandbox/aws/dynalite";
import { propertyRuns, propertyTimeoutMs } from "../support/propertyRuns";
import { convergenceScenarioArb, runConvergence, withDynaliteHub } from "./support/convergence";

/** bench/reconciliation-convergence.ts runs the same property thousands of times. */
const RUNS = 200;

describe("hub reconciliation: lost, duplicated and reordered events heal at the next complete snapshot (fast-check, dynalite)", function () {
    this.timeout(propertyTimeoutMs(RUNS));
    let dynamo: LocalDynamo;

    before(async () => {
        dynamo = await startDynalite();
    });
    after(async () => {
        await dynamo.close();
    });

    it("ends with exactly the seats of the instances running as valid workbenches, each counting its holders", async () => {
        await fc.assert(
            fc.asyncProperty(convergenceScenarioArb, async (scenario) => {
                const result = await withDynaliteHub(dynamo, (hub) => runConvergence(hub, scenario));
                expect(result.miscounted, "seat rows whose count is not their holders").to.deep.equal([]);
                expect(result.actual).to.deep.equal(result.expected);
            }),
            propertyRuns(RUNS),
        );
    });
});
