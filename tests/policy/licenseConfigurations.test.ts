import { expect } from "chai";
import { licenseHardLimit } from "../../policy/policies/licenseConfigurations";
import { HARD_LIMIT_EXEMPT_TAG } from "../../policy/config";
import { UNKNOWN_BOOLEAN, UNKNOWN_OBJECT, awsProvider, checkResource } from "./policyArgs";

const LICENSE_CONFIGURATION = "aws:licensemanager/licenseConfiguration:LicenseConfiguration";
const check = (props: Record<string, unknown>, extra: Partial<Parameters<typeof checkResource>[1]> = {}) =>
    checkResource(licenseHardLimit, { type: LICENSE_CONFIGURATION, props: { name: "matlab", licenseCountingType: "vCPU", ...props }, ...extra });

describe("policy license-hard-limit", () => {
    it("passes a configuration that enforces its license count", async () => {
        expect(await check({ licenseCount: 40, licenseCountHardLimit: true })).to.be.empty;
    });

    it("reports a soft limit, and a hard limit with nothing to enforce", async () => {
        const soft = await check({ licenseCount: 40 });
        expect(soft.map((v) => v.message)).to.deep.equal([
            `licenseCountHardLimit must be true; to exempt this configuration, tag it ${HARD_LIMIT_EXEMPT_TAG} with the reason.`,
        ]);
        expect(await check({ licenseCount: 40, licenseCountHardLimit: false })).to.have.length(1);
        const noCount = await check({ licenseCountHardLimit: true });
        expect(noCount[0].message).to.contain("limits nothing");
    });

    it("accepts an explicit exemption with a reason, on the configuration itself", async () => {
        expect(await check({ licenseCount: 40, tags: { [HARD_LIMIT_EXEMPT_TAG]: "site license, usage tracking only" } })).to.be.empty;
        const emptyReason = await check({ licenseCount: 40, tags: { [HARD_LIMIT_EXEMPT_TAG]: "  " } });
        expect(emptyReason[0].message).to.contain("must say why");
        // Default tags would exempt every configuration at once: they do not count.
        const provider = awsProvider({ defaultTags: { [HARD_LIMIT_EXEMPT_TAG]: "all of them" } });
        expect(await check({ licenseCount: 40 }, { provider })).to.have.length(1);
    });

    it("uses the configured exemption tag", async () => {
        const config = { "license-hard-limit": { exemptionTagKey: "compliance:soft-limit-reason" } };
        expect(await check({ tags: { "compliance:soft-limit-reason": "evaluation" } }, { config })).to.be.empty;
        expect(await check({ tags: { [HARD_LIMIT_EXEMPT_TAG]: "evaluation" } }, { config })).to.have.length(1);
    });

    it("skips values unknown during preview", async () => {
        expect(await check({ licenseCountHardLimit: UNKNOWN_BOOLEAN })).to.be.empty;
        expect(await check({ tags: UNKNOWN_OBJECT })).to.be.empty;
    });

    it("ignores other resource types", async () => {
        expect(await checkResource(licenseHardLimit, { type: "aws:licensemanager/association:Association", props: {} })).to.be.empty;
    });
});
