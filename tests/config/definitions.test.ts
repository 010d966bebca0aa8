import { expect } from "chai";
import {
    COUNTING_TYPES,
    LicenseDefinition,
    RULES_BY_COUNTING_TYPE,
    assertValidLicenseDefinitions,
    licenseDefinitionProblems,
    licenseRuleStrings,
} from "../../components/config/definitions";

describe("license definitions (validation and rule strings)", () => {
    it("renders typed rules as License Manager #name=value strings, per counting type, in a stable order", () => {
        expect(
            licenseRuleStrings("Core", { maximumCores: 64, allowedTenancy: "EC2-DedicatedHost", licenseAffinityToHostDays: 90, minimumCores: 8 }),
        ).to.deep.equal(["#allowedTenancy=EC2-DedicatedHost", "#licenseAffinityToHost=90", "#minimumCores=8", "#maximumCores=64"]);
        expect(licenseRuleStrings("vCPU", { honorVcpuOptimization: true, minimumVcpus: 2 })).to.deep.equal(["#honorVcpuOptimization=True", "#minimumVcpus=2"]);
        expect(licenseRuleStrings("vCPU", { honorVcpuOptimization: false })).to.deep.equal(["#honorVcpuOptimization=False"]);
        expect(licenseRuleStrings("Socket", { minimumSockets: 1, maximumSockets: 2 })).to.deep.equal(["#minimumSockets=1", "#maximumSockets=2"]);
        expect(licenseRuleStrings("Instance", {})).to.deep.equal([]);
    });

    it("accepts every rule documented for each counting type", () => {
        const values: Record<string, unknown> = {
            allowedTenancy: "EC2-DedicatedHost",
            licenseAffinityToHostDays: 30,
            minimumVcpus: 1,
            maximumVcpus: 4,
            minimumCores: 1,
            maximumCores: 4,
            minimumSockets: 1,
            maximumSockets: 2,
            honorVcpuOptimization: true,
        };
        for (const countingType of COUNTING_TYPES) {
            const rules = Object.fromEntries(RULES_BY_COUNTING_TYPE[countingType].map((k) => [k, values[k]]));
            expect(licenseDefinitionProblems("ok", { countingType, licenseCount: 10, rules }), countingType).to.deep.equal([]);
        }
    });

    it("refuses rules that do not belong to the counting type, saying which are valid", () => {
        const problems = licenseDefinitionProblems("oracle", { countingType: "vCPU", licenseCount: 8, rules: { minimumCores: 2, licenseAffinityToHostDays: 30 } });
        expect(problems).to.have.length(2);
        expect(problems[0]).to.match(/rule minimumCores .* not valid for counting type vCPU; valid: allowedTenancy, honorVcpuOptimization, minimumVcpus, maximumVcpus/);
        expect(problems[1]).to.match(/licenseAffinityToHost .* not valid for counting type vCPU/);
        expect(licenseDefinitionProblems("agent", { countingType: "Instance", licenseCount: 8, rules: { honorVcpuOptimization: true } })[0]).to.match(
            /honorVcpuOptimization .* not valid for counting type Instance/,
        );
    });

    it("checks counts, hard limits and their exemption reason", () => {
        const problems = (d: Partial<LicenseDefinition>) => licenseDefinitionProblems("x", { countingType: "Core", ...d } as LicenseDefinition);
        expect(problems({ licenseCount: 0 })[0]).to.match(/licenseCount must be a positive integer \(got 0\)/);
        expect(problems({ licenseCount: -4 })[0]).to.match(/positive integer/);
        expect(problems({ licenseCount: 2.5 })[0]).to.match(/positive integer \(got 2.5\)/);
        expect(problems({})[0]).to.match(/a hard limit needs a licenseCount/);
        expect(problems({ hardLimit: false })[0]).to.match(/hardLimit: false needs a hardLimitExemptReason/);
        expect(problems({ hardLimit: false, hardLimitExemptReason: "   " })[0]).to.match(/needs a hardLimitExemptReason/);
        expect(problems({ licenseCount: 4, hardLimitExemptReason: "why not" })[0]).to.match(/only allowed with hardLimit: false/);
        expect(problems({ hardLimit: false, hardLimitExemptReason: "reason; rm -rf" })[0]).to.match(/becomes a tag value/);
        // Soft limit with a stated reason and no count: allowed (License Manager only tracks usage).
        expect(problems({ hardLimit: false, hardLimitExemptReason: "Site licence - usage tracked only" })).to.deep.equal([]);
    });

    it("checks tenancy values, Dedicated Host for cores and sockets, affinity range, and min <= max", () => {
        const core = (rules: object) => licenseDefinitionProblems("win", { countingType: "Core", licenseCount: 64, rules } as LicenseDefinition);
        expect(core({ allowedTenancy: "EC2-Shared" })[0]).to.match(/allowedTenancy "EC2-Shared" is not one of EC2-Default, EC2-DedicatedHost, EC2-DedicatedInstance/);
        expect(core({ allowedTenancy: "EC2-Default" })[0]).to.match(/must be EC2-DedicatedHost for counting type Core/);
        expect(core({ licenseAffinityToHostDays: 0 })[0]).to.match(/integer from 1 to 180 \(got 0\)/);
        expect(core({ licenseAffinityToHostDays: 181 })[0]).to.match(/1 to 180/);
        expect(core({ licenseAffinityToHostDays: 180 })).to.deep.equal([]);
        expect(core({ minimumCores: 16, maximumCores: 8 })[0]).to.match(/minimumCores \(16\) is greater than maximumCores \(8\)/);
        expect(core({ minimumCores: 0 })[0]).to.match(/minimumCores must be a positive integer/);
        const vcpu = licenseDefinitionProblems("ora", { countingType: "vCPU", licenseCount: 8, rules: { allowedTenancy: "EC2-Default" } });
        expect(vcpu).to.deep.equal([]);
    });

    it("checks names, counting types, AMI ids, duplicates and reserved tags", () => {
        expect(licenseDefinitionProblems("", { countingType: "Core", licenseCount: 1 })[0]).to.match(/its name must be/);
        expect(licenseDefinitionProblems("has space", { countingType: "Core", licenseCount: 1 })[0]).to.match(/its name must be/);
        expect(licenseDefinitionProblems("x", { countingType: "Cores" as any, licenseCount: 1 })[0]).to.match(/countingType "Cores" is not one of vCPU, Instance, Core, Socket/);
        const amis = licenseDefinitionProblems("x", { countingType: "Core", licenseCount: 1, amiIds: ["ami-123", "ami-0123456789abcdef0", "ami-0123456789abcdef0"] });
        expect(amis).to.deep.equal([
            'amiIds: "ami-123" is not an AMI id (ami- and 8 or 17 hex digits)',
            "amiIds lists ami-0123456789abcdef0 more than once",
        ]);
        const tags = licenseDefinitionProblems("x", { countingType: "Core", licenseCount: 1, tags: { "aws:owner": "a", "licensing:hard-limit-exempt": "b" } });
        expect(tags[0]).to.match(/tag key "aws:owner" is not a valid tag key/);
        expect(tags[1]).to.match(/is set by the component/);
    });

    it("throws one error naming every bad definition and every problem, and limits the set size", () => {
        const call = () =>
            assertValidLicenseDefinitions("licenses", {
                good: { countingType: "Instance", licenseCount: 10 },
                "sql-server": { countingType: "Core", licenseCount: 0 },
                oracle: { countingType: "vCPU", licenseCount: 8, rules: { maximumCores: 4 } },
            });
        expect(call).to.throw(/^licenses: 2 problems:\n  - /);
        try {
            call();
        } catch (err) {
            const message = (err as Error).message;
            expect(message).to.contain("\n  - licenses.sql-server: licenseCount must be a positive integer");
            expect(message).to.contain("\n  - licenses.oracle: rule maximumCores");
            expect(message).not.to.contain("licenses.good");
        }
        expect(() => assertValidLicenseDefinitions("set", {})).to.throw(/at least one license/);
        const many = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`l${i}`, { countingType: "Instance" as const, licenseCount: 1 }]));
        expect(() => assertValidLicenseDefinitions("set", many)).to.throw(/26 licenses in one set; at most 25/);
    });
});
