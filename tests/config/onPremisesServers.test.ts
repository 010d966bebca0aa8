import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { LicenseManagerClient } from "@aws-sdk/client-license-manager";
import { OnPremisesServers, expirationDateProblems } from "../../components/config/onPremisesServers";
import { reviewStatement } from "../../policy/lib/iamReference";
import { DiscoveryRulesLogic, discoveryRulesCheckFailures, discoveryRulesProvider, productInformationList } from "../../components/config/discoveryRulesProvider";
import { LOCAL_CLIENT_CONFIG } from "../../sandbox/aws/awsJsonServer";
import { LicenseManagerStandin, startLicenseManagerStandin } from "../../sandbox/aws/licenseManagerStandin";
import { named, ofType, runUnderMocks } from "../support/pulumiMocks";

const ARN = "arn:aws:license-manager:eu-central-1:555555555555:license-configuration:lic-0123456789abcdef0123456789abcdef";
const ORACLE = { applicationName: "Oracle Database 19c Enterprise Edition", applicationPublisher: "Oracle" };
const DAY = 86_400_000;
/** An expiration `days` from now, as a user would write it. */
const inDays = (days: number, now = Date.now()) => new Date(now + days * DAY).toISOString().replace(/\.\d{3}Z$/, "Z");

describe("OnPremisesServers", () => {
    describe("component (Pulumi mocks)", () => {
        it("registers servers through a tight activation, with a role only this account's Systems Manager may assume", async () => {
            const expirationDate = inDays(14);
            const { result, resources } = await runUnderMocks(
                () => new OnPremisesServers("onprem", { registrationLimit: 5, expirationDate, discovery: [{ licenseConfigurationArn: ARN, products: [ORACLE] }] }),
                { account: { accountId: "555555555555" } },
            );
            const role = named(resources, "aws:iam/role:Role", "onprem-managed-node");
            const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
            expect(trust.Principal).to.deep.equal({ Service: "ssm.amazonaws.com" });
            expect(trust.Condition).to.deep.equal({
                StringEquals: { "aws:SourceAccount": "555555555555" },
                ArnEquals: { "aws:SourceArn": "arn:aws:ssm:eu-central-1:555555555555:*" },
            });
            expect(named(resources, "aws:ssm/activation:Activation", "onprem-activation").inputs).to.deep.include({
                iamRole: "onprem-managed-node",
                registrationLimit: 5,
                expirationDate,
            });
            expect(pulumi.Output.isInstance(result.activationCode)).to.equal(true);
            expect(await (result.activationCode as any).isSecret).to.equal(true);
        });

        it("gives the nodes only what the SSM Agent needs (no managed policy, no parameter reads), every action and ARN as AWS defines them", async () => {
            const { resources } = await runUnderMocks(() => new OnPremisesServers("onprem", {}), { account: { accountId: "555555555555" } });
            expect(ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).to.deep.equal([]);
            const policy = named(resources, "aws:iam/rolePolicy:RolePolicy", "onprem-managed-node-agent");
            expect(policy.inputs.role).to.equal("onprem-managed-node");
            const statements = JSON.parse(policy.inputs.policy).Statement as Array<{ Sid: string; Action: string[]; Resource: string[] }>;
            const actions = statements.flatMap((s) => s.Action);
            expect(actions.filter((a) => /^ssm:GetParameter/.test(a) || a.includes("*"))).to.deep.equal([]);
            expect(actions).to.include.members(["ssm:UpdateInstanceInformation", "ssm:PutInventory", "ec2messages:GetMessages", "ssmmessages:OpenControlChannel"]);
            const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s.Resource]));
            const association = named(resources, "aws:ssm/association:Association", "onprem-inventory").outputs!.associationId;
            expect(bySid.RunInventoryAssociation).to.deep.equal([`arn:aws:ssm:eu-central-1:555555555555:association/${association}`, "arn:aws:ssm:eu-central-1:555555555555:managed-instance/*"]);
            expect(bySid.ReadInventoryDocument).to.deep.equal(["arn:aws:ssm:eu-central-1::document/AWS-GatherSoftwareInventory"]);
            // The policy pack's reference check: actions exist, ARNs match their resource types, "*" only where AWS allows nothing else.
            for (const statement of statements) {
                const review = await reviewStatement(statement as never, "identity", "aws:iam/rolePolicy:RolePolicy");
                expect(review.problems, statement.Sid).to.deep.equal([]);
                expect(review.starResources.filter((s) => !s.reason), statement.Sid).to.deep.equal([]);
            }
            // The activation waits for the policy, so a registering server never runs without it.
            expect(named(resources, "aws:ssm/activation:Activation", "onprem-activation").inputs.iamRole).to.equal("onprem-managed-node");
        });

        it("refuses an expiration date in the past or beyond the 30 days SSM accepts, naming the field", () => {
            const now = Date.parse("2026-12-07T05:00:00Z");
            expect(expirationDateProblems("2026-12-08T00:00:00Z", "expirationDate", now)).to.deep.equal([]);
            expect(expirationDateProblems("2027-01-06T04:59:00Z", "expirationDate", now)).to.deep.equal([]);
            expect(expirationDateProblems("2026-12-07T04:00:00Z", "onPremises.expirationDate", now)).to.deep.equal([
                'onPremises.expirationDate "2026-12-07T04:00:00Z" has passed: give a time within the next 30 days (e.g. 2026-12-14T00:00:00Z), or none for AWS\'s 24 hours',
            ]);
            expect(expirationDateProblems("2029-01-01T00:00:00Z", "expirationDate", now)).to.deep.equal([
                'expirationDate "2029-01-01T00:00:00Z" is more than 30 days ahead, which SSM does not accept: give a time before 2027-01-06T05:00:00.000Z',
            ]);
            expect(expirationDateProblems("2026-02-30T00:00:00Z", "expirationDate", now)[0]).to.match(/^expirationDate "2026-02-30T00:00:00Z" must be an ISO 8601 date and time/);
            // The component checks against the clock at preview, one line naming the field.
            expect(() => new OnPremisesServers("onprem", { expirationDate: inDays(-1) })).to.throw(/^onprem: expirationDate "[^"]+" has passed: /);
            expect(() => new OnPremisesServers("onprem", { expirationDate: inDays(31) })).to.throw(/^onprem: expirationDate "[^"]+" is more than 30 days ahead/);
        });

        it("checks an expiration date given as an output once it is known", async () => {
            let failure: unknown;
            await runUnderMocks(() => new OnPremisesServers("onprem", { expirationDate: pulumi.output(inDays(45)) })).catch((err) => (failure = err));
            expect(String((failure as Error)?.message)).to.match(/onprem: expirationDate "[^"]+" is more than 30 days ahead/);
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
                    `  - expirationDate "next week" must be an ISO 8601 date and time, e.g. ${inDays(7, Math.floor(Date.now() / DAY) * DAY)}`,
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
