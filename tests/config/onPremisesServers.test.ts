import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { LicenseManagerClient } from "@aws-sdk/client-license-manager";
import { OnPremisesServers } from "../../components/config/onPremisesServers";
import { DiscoveryRulesLogic, discoveryRulesCheckFailures, discoveryRulesProvider, productInformationList } from "../../components/config/discoveryRulesProvider";
import { LOCAL_CLIENT_CONFIG } from "../../sandbox/aws/awsJsonServer";
import { LicenseManagerStandin, startLicenseManagerStandin } from "../../sandbox/aws/licenseManagerStandin";
import { named, ofType, runUnderMocks } from "../support/pulumiMocks";

const ARN = "arn:aws:license-manager:eu-central-1:555555555555:license-configuration:lic-0123456789abcdef0123456789abcdef";
const ORACLE = { applicationName: "Oracle Database 19c Enterprise Edition", applicationPublisher: "Oracle" };

describe("OnPremisesServers", () => {
    describe("component (Pulumi mocks)", () => {
        it("registers servers through a tight activation, with a role only this account's Systems Manager may assume", async () => {
            const { result, resources } = await runUnderMocks(
                () => new OnPremisesServers("onprem", { registrationLimit: 5, expirationDate: "2027-01-15T00:00:00Z", discovery: [{ licenseConfigurationArn: ARN, products: [ORACLE] }] }),
                { account: { accountId: "555555555555" } },
            );
            const role = named(resources, "aws:iam/role:Role", "onprem-managed-node");
            const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
            expect(trust.Principal).to.deep.equal({ Service: "ssm.amazonaws.com" });
            expect(trust.Condition).to.deep.equal({
                StringEquals: { "aws:SourceAccount": "555555555555" },
                ArnEquals: { "aws:SourceArn": "arn:aws:ssm:eu-central-1:555555555555:*" },
            });
            expect(ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn)).to.deep.equal([
                "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
            ]);
            expect(named(resources, "aws:ssm/activation:Activation", "onprem-activation").inputs).to.deep.include({
                iamRole: "onprem-managed-node",
                registrationLimit: 5,
                expirationDate: "2027-01-15T00:00:00Z",
            });
            expect(pulumi.Output.isInstance(result.activationCode)).to.equal(true);
            expect(await (result.activationCode as any).isSecret).to.equal(true);
        });

        it("gathers software inventory from every managed node on a schedule, and turns it into license usage", async () => {
            const { resources } = await runUnderMocks(() => new OnPremisesServers("onprem", { discovery: [{ licenseConfigurationArn: ARN, products: [ORACLE] }] }));
            const association = named(resources, "aws:ssm/association:Association", "onprem-inventory").inputs;
            expect(association).to.deep.include({ name: "AWS-GatherSoftwareInventory", scheduleExpression: "rate(12 hours)" });
            expect(association.targets).to.deep.equal([{ key: "InstanceIds", values: ["*"] }]);
            expect(association.parameters.applications).to.equal("Enabled");
            const rules = named(resources, "pulumi-nodejs:dynamic:Resource", "onprem-discovery-0").inputs;
            expect(rules).to.deep.include({ licenseConfigurationArn: ARN, keepOnDelete: false });
            expect(rules.products).to.deep.equal([ORACLE]);
            expect(named(resources, "aws:ssm/activation:Activation", "onprem-activation").inputs.registrationLimit).to.equal(10);
        });

        it("refuses bad arguments, listing every problem at once with the field the user wrote", () => {
            expect(
                () =>
                    new OnPremisesServers("onprem", {
                        registrationLimit: 0,
                        expirationDate: "next week",
                        inventorySchedule: "rate(5 minutes)",
                        discovery: [{ licenseConfigurationArn: ARN, products: [] }, { licenseConfigurationArn: ARN, products: [{ aplicationName: "x" } as never] }],
                        registrationLimt: 3,
                    } as never),
            ).to.throw(
                [
                    "onprem: 7 problems:",
                    '  - unknown key "registrationLimt" (did you mean "registrationLimit"?)',
                    "  - registrationLimit must be an integer from 1 to 1000 (got 0)",
                    '  - expirationDate "next week" must be an ISO 8601 date and time, e.g. 2027-01-15T00:00:00Z',
                    '  - inventorySchedule "rate(5 minutes)" must be rate(N minutes|hours|days) of at least 30 minutes, e.g. "rate(12 hours)"',
                    "  - discovery[0].products must name at least one product",
                    '  - discovery[1].products[0]: unknown key "aplicationName" (did you mean "applicationName"?)',
                    "  - discovery[1].products[0].applicationName is required",
                ].join("\n"),
            );
        });
    });

    describe("discovery rules provider (against the License Manager stand-in)", () => {
        let lm: LicenseManagerStandin;
        let logic: DiscoveryRulesLogic;
        const writes = () => lm.calls.filter((c) => c.operation === "UpdateLicenseConfiguration");
        const rulesNow = () => lm.state.configurations.get(ARN)!.ProductInformationList;
        const BEFORE = productInformationList([{ applicationName: "Legacy App" }]);

        before(async () => {
            lm = await startLicenseManagerStandin();
            logic = new DiscoveryRulesLogic((region) => new LicenseManagerClient({ ...LOCAL_CLIENT_CONFIG, region, endpoint: lm.endpoint }));
        });
        after(() => lm.close());
        beforeEach(() => {
            lm.calls.length = 0;
            lm.state.configurations.set(ARN, { LicenseConfigurationArn: ARN, Name: "oracle", LicenseCountingType: "vCPU", ProductInformationList: BEFORE });
        });

        it("create remembers the rules it found and writes one SSM_MANAGED rule per product, in the configuration's Region", async () => {
            const { id, outs } = await logic.create({ licenseConfigurationArn: ARN, products: [ORACLE] });
            expect(id).to.equal(`${ARN}/discovery-rules`);
            expect(outs!.previous).to.deep.equal(BEFORE);
            expect(rulesNow()).to.deep.equal([
                {
                    ResourceType: "SSM_MANAGED",
                    ProductInformationFilterList: [
                        { ProductInformationFilterName: "Application Name", ProductInformationFilterValue: [ORACLE.applicationName], ProductInformationFilterComparator: "EQUALS" },
                        { ProductInformationFilterName: "Application Publisher", ProductInformationFilterValue: ["Oracle"], ProductInformationFilterComparator: "EQUALS" },
                    ],
                },
            ]);
            expect(lm.regions.every((r) => r === "eu-central-1")).to.equal(true);
            // Running it again changes nothing and writes nothing (a retried create is safe).
            lm.calls.length = 0;
            await logic.create({ licenseConfigurationArn: ARN, products: [ORACLE] });
            expect(writes()).to.have.length(0);
        });

        it("delete restores the rules from before, but leaves rules someone changed since, and kept ones", async () => {
            const { outs } = await logic.create({ licenseConfigurationArn: ARN, products: [ORACLE] });
            expect(await logic.delete(outs!)).to.equal(true);
            expect(rulesNow()).to.deep.equal(BEFORE);

            const { outs: again } = await logic.create({ licenseConfigurationArn: ARN, products: [ORACLE] });
            const theirs = productInformationList([{ applicationName: "Changed By Hand" }]);
            lm.state.configurations.get(ARN)!.ProductInformationList = theirs;
            expect(await logic.delete(again!)).to.equal(false);
            expect(rulesNow()).to.deep.equal(theirs);

            const { outs: kept } = await logic.create({ licenseConfigurationArn: ARN, products: [ORACLE], keepOnDelete: true });
            expect(await logic.delete(kept!)).to.equal(false);
            expect(rulesNow()).to.deep.equal(productInformationList([ORACLE]));
        });

        it("refresh shows rules changed outside Pulumi as a difference", async () => {
            const { outs } = await logic.create({ licenseConfigurationArn: ARN, products: [ORACLE] });
            expect((await logic.read("id", outs!)).props).to.deep.equal(outs);
            lm.state.configurations.get(ARN)!.ProductInformationList = [];
            expect((await logic.read("id", outs!)).props!.products).to.deep.equal([]);
        });

        it("check names unknown fields, missing names and bad ARNs before anything runs", async () => {
            expect(discoveryRulesCheckFailures({ licenseConfigurationArn: "arn:aws:sqs:eu-central-1:1:q", products: [{ applicationNme: "x" } as any] })).to.deep.equal([
                { property: "licenseConfigurationArn", reason: '"arn:aws:sqs:eu-central-1:1:q" is not a license configuration ARN' },
                { property: "products[0].applicationNme", reason: "unknown field; use applicationName, applicationPublisher, applicationVersion, platformName" },
                { property: "products[0].applicationName", reason: "is required" },
            ]);
            const provider = discoveryRulesProvider(() => undefined as never);
            expect(await provider.check!({} as never, { licenseConfigurationArn: ARN, products: [ORACLE] })).to.deep.equal({ inputs: { licenseConfigurationArn: ARN, products: [ORACLE] } });
            const diff = await provider.diff!("id", { licenseConfigurationArn: ARN, products: [ORACLE], previous: [] }, { licenseConfigurationArn: ARN, products: [ORACLE] });
            expect(diff.changes).to.equal(false);
        });
    });
});
