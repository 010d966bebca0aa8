import { expect } from "chai";
import fc from "fast-check";
import { startDynalite, LocalDynamo } from "../../sandbox/aws/dynalite";
import { propertyRuns } from "../support/propertyRuns";
import { convergenceScenarioArb, runConvergence, withDynaliteHub } from "./support/convergence";

describe("hub reconciliation: lost, duplicated and reordered events heal at the next complete snapshot (fast-check, dynalite)", () => {
    let dynamo: LocalDynamo;

    before(async () => {
        dynamo = await startDynalite();
    });
    after(async () => {
        await dynamo.close();
    });

    it("ends with exactly the seats of the instances running as valid workbenches, each counting its holders", async function () {
        // About a hundred DynamoDB requests per run; bench/reconciliation-convergence.ts runs thousands.
        this.timeout(600_000);
        await fc.assert(
            fc.asyncProperty(convergenceScenarioArb, async (scenario) => {
                const result = await withDynaliteHub(dynamo, (hub) => runConvergence(hub, scenario));
                expect(result.miscounted, "seat rows whose count is not their holders").to.deep.equal([]);
                expect(result.actual).to.deep.equal(result.expected);
            }),
            propertyRuns(200),
        );
    });
});
