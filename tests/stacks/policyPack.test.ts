import { expect } from "chai";
import { EXAMPLE_STACKS, ExampleStack, exampleStackResources, runExampleStack, stackDefaultTags } from "./exampleStacks";
import { describeViolations, validateResources } from "../policy/runPack";
import { POLICIES } from "../../policy/policies";

const ADVISORY_BY_DEFAULT = POLICIES.filter((p) => p.enforcementLevel === "advisory").map((p) => p.name);

describe("our example stacks under our own policy pack", () => {
    for (const stack of Object.keys(EXAMPLE_STACKS) as ExampleStack[]) {
        it(`${stack}: every resource passes every policy raised to mandatory, except the ones advisory by default`, async () => {
            const resources = await exampleStackResources(stack);
            const violations = await validateResources(resources, { all: "mandatory" }, { defaultTags: stackDefaultTags(stack) });
            // Advisory by default means "a per-deployment decision" (docs/policy-pack.md says why for each); all
            // others must pass outright or through an exemption tag that names the reason.
            const unexpected = violations.filter((v) => !ADVISORY_BY_DEFAULT.includes(v.policy));
            expect(unexpected, describeViolations(unexpected)).to.deep.equal([]);
        });
    }

    it("would stop the license-server stack if its provider lost the organisation's tags", async () => {
        const { resources } = await runExampleStack("license-server");
        const violations = await validateResources(resources, {}, { defaultTags: {} });
        expect(violations.map((v) => v.policy)).to.include("required-tags");
    });
});
