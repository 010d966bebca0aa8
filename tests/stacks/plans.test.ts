import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { EXAMPLE_STACKS, ExampleStack, PLANS_DIR, runExampleStack } from "./exampleStacks";
import { diffPlans, renderPlan } from "../support/resourcePlan";

const UPDATE = process.env.UPDATE_PLANS === "1";

function planFile(stack: string): string {
    return path.join(PLANS_DIR, `${stack}.plan.txt`);
}

/**
 * The committed resource plans (stacks/plans/*.plan.txt) are what each example stack deploys, rendered offline under
 * mocks. A change to a component that changes what gets deployed fails here until the plan is regenerated with
 * `npm run plans:update`; the plan's diff in the pull request is the reviewable infrastructure change.
 */
describe("committed resource plans", () => {
    for (const stack of Object.keys(EXAMPLE_STACKS) as ExampleStack[]) {
        it(`${stack}: the program still produces the committed plan`, async () => {
            const { resources } = await runExampleStack(stack);
            const plan = renderPlan(`stack ${stack} (stacks/Pulumi.${stack}.yaml)`, resources);
            if (UPDATE) {
                fs.mkdirSync(PLANS_DIR, { recursive: true });
                fs.writeFileSync(planFile(stack), plan);
            }
            const committed = fs.existsSync(planFile(stack)) ? fs.readFileSync(planFile(stack), "utf8") : "";
            const differences = diffPlans(committed, plan);
            expect(differences, `plan of ${stack} changed; review and run \`npm run plans:update\`:\n${differences.join("\n")}`).to.deep.equal([]);
            expect(plan).to.equal(committed);
        });
    }

    it("shows a change of a component's inputs as a diff of the affected resource", async () => {
        const committed = fs.readFileSync(planFile("workbench-dev"), "utf8");
        const { resources } = await runExampleStack("workbench-dev", { "license-ops:ownerTagKey": "team:owner" });
        const differences = diffPlans(committed, renderPlan("stack workbench-dev (stacks/Pulumi.workbench-dev.yaml)", resources));
        expect(differences[0]).to.equal("~ aws:lambda/function:Function workbench-forwarder");
        expect(differences).to.include('  - "OWNER_TAG_KEY": "vew:workbench:ownerId",');
        expect(differences).to.include('  + "OWNER_TAG_KEY": "team:owner",');
        // The tag keys are read by the forwarder and by the inventory, and by nothing else.
        expect(differences.filter((d) => d.startsWith("~ ") || d.startsWith("+ ") || d.startsWith("- "))).to.deep.equal([
            "~ aws:lambda/function:Function workbench-forwarder",
            "~ aws:lambda/function:Function workbench-inventory",
        ]);
    });

    it("renders the same plan twice in a row (deterministic)", async () => {
        const first = renderPlan("x", (await runExampleStack("license-server")).resources);
        const second = renderPlan("x", (await runExampleStack("license-server")).resources);
        expect(second).to.equal(first);
    });
});
