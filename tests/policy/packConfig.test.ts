import { expect } from "chai";
import { POLICIES } from "../../policy/policies";
import { DEFAULT_ENFORCEMENT, POLICY, enforcementLevelOf, settings } from "../../policy/config";
import { GENERATED_FILE, renderTaggableTypes, scanTaggableTypes } from "../../policy/tools/scanTaggableTypes";
import * as fs from "node:fs";

describe("policy pack configuration", () => {
    it("declares every policy once, with its default enforcement level and a schema the server accepts", () => {
        const names = POLICIES.map((p) => p.name);
        expect(names).to.deep.equal([...new Set(names)]);
        expect([...names].sort()).to.deep.equal(Object.values(POLICY).sort());
        for (const policy of POLICIES) {
            expect(policy.enforcementLevel, policy.name).to.equal(DEFAULT_ENFORCEMENT[policy.name as keyof typeof DEFAULT_ENFORCEMENT]);
            // The analyzer server exits when a schema declares enforcementLevel; "all" is reserved.
            expect(policy.configSchema?.properties ?? {}, policy.name).not.to.have.property("enforcementLevel");
            expect(policy.name).not.to.equal("all");
        }
    });

    it("resolves enforcement levels as the engine does: the policy's entry, then `all`, then the default", () => {
        const policy = { name: "required-tags", enforcementLevel: "mandatory" as const };
        expect(enforcementLevelOf(policy)).to.equal("mandatory");
        expect(enforcementLevelOf(policy, { "required-tags": "advisory" })).to.equal("advisory");
        expect(enforcementLevelOf(policy, { "required-tags": { enforcementLevel: "disabled", requiredTags: [] } })).to.equal("disabled");
        expect(enforcementLevelOf(policy, { all: "advisory" })).to.equal("advisory");
        expect(enforcementLevelOf(policy, { all: "advisory", "required-tags": { enforcementLevel: "mandatory" } })).to.equal("mandatory");
        // Settings without a level keep the default level.
        expect(enforcementLevelOf(policy, { "required-tags": { requiredTags: ["Owner"] } })).to.equal("mandatory");
    });

    it("merges a policy's settings over its defaults, ignoring unknown keys", () => {
        const args = { getConfig: <T extends object>() => ({ requiredTags: ["Owner"], surprise: true }) as unknown as T };
        expect(settings(args, { requiredTags: ["CostCenter"], exemptTypes: [] as string[] })).to.deep.equal({ requiredTags: ["Owner"], exemptTypes: [] });
    });

    it("keeps the committed taggable-type list in step with the installed @pulumi/aws", () => {
        const committed = fs.readFileSync(GENERATED_FILE, "utf8");
        expect(committed === renderTaggableTypes(scanTaggableTypes()), "run `npx tsx policy/tools/scanTaggableTypes.ts`").to.equal(true);
    });
});
