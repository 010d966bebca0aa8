import { expect } from "chai";
import { EXAMPLE_STACKS, ExampleStack, runExampleStack, stackDefaultTags } from "./exampleStacks";
import { describeViolations, validateResources } from "../policy/runPack";

describe("our example stacks under our own policy pack", () => {
    for (const stack of Object.keys(EXAMPLE_STACKS) as ExampleStack[]) {
        it(`${stack}: every resource passes every policy, at the pack's default enforcement levels`, async () => {
            const { resources } = await runExampleStack(stack);
            const violations = await validateResources(resources, {}, { defaultTags: stackDefaultTags(stack) });
            expect(violations, describeViolations(violations)).to.deep.equal([]);
        });
    }

    it("would stop the license-server stack if its provider lost the organisation's tags", async () => {
        const { resources } = await runExampleStack("license-server");
        const violations = await validateResources(resources, {}, { defaultTags: {} });
        expect(violations.map((v) => v.policy)).to.include("required-tags");
    });
});
