import { deployedHubConfiguration } from "../hub/support/hubConfigurationFixture";
import { expect } from "chai";
import { deployStack } from "../../stacks";
import * as pulumi from "@pulumi/pulumi";
import { LICENSE_SERVER_OUTPUTS, runExampleStack, stackConfig } from "./exampleStacks";
import { rejectionOf } from "../support/errors";
import { qualifiedStackName } from "../../stacks/workbenchAccount";
import { RecordedResource, named, ofType, runUnderMocks } from "../support/pulumiMocks";

describe("stack compositions (example configurations under Pulumi mocks)", () => {
    describe("license-server", () => {
        let run: Awaited<ReturnType<typeof runExampleStack>>;
        before(async () => {
            run = await runExampleStack("license-server");
        });

        it("deploys the hub with its bus open to the workbench OU of the organisation, and the Lambda to the listed accounts", () => {
            named(run.resources, "licensing:index:LicenseServerHub", "hub");
            const policy = JSON.parse(ofType(run.resources, "aws:cloudwatch/eventBusPolicy:EventBusPolicy")[0].inputs.policy);
            expect(policy.Statement).to.have.length(1);
            expect(policy.Statement[0].Action).to.equal("events:PutEvents");
            expect(policy.Statement[0].Condition).to.deep.include({
                StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" },
                "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-workbench1/*"] },
            });
            // The listed accounts reach the assignment Lambda in the hub's configuration object.
            expect(deployedHubConfiguration(run.resources, "hub").admission.accountIds).to.deep.equal(["111111111111", "333333333333"]);
        });

        it("exports the bus ARN under the name workbench stacks read, and the operational names", () => {
            expect(run.outputs.role).to.equal("license-server");
            expect(run.outputs.hubEventBusArn).to.match(/^arn:aws:events:eu-central-1:222222222222:event-bus\//);
            for (const key of ["seatTableName", "syncFunctionName", "licenseServerDocumentName", "userListBucketName"]) {
                expect(run.outputs[key], key).to.be.a("string").and.not.equal("");
            }
            // The instance role policy a platform team attaches instead of AmazonSSMManagedInstanceCore: no parameter reads.
            const agent = JSON.parse(run.outputs.licenseServerAgentPolicy as string).Statement.flatMap((s: { Action: string[] }) => s.Action);
            expect(agent).to.include.members(["ssm:UpdateInstanceInformation", "ec2messages:GetMessages"]);
            expect(agent.filter((a: string) => a.startsWith("ssm:Get"))).to.deep.equal([]);
        });

        it("passes the product catalog from configuration to the hub's Lambdas (in the configuration object their environment names)", () => {
            const configuration = deployedHubConfiguration(run.resources, "hub", ["hub-assignment", "hub-sync", "seat-ledger-writer"]);
            expect(configuration.products.simulink.instanceId).to.equal("i-0abc1234def567890");
            expect(configuration.workbenchTypes["cae-matlab"]).to.include("simulink");
        });
    });

    describe("workbench-account", () => {
        it("forwards to the hub bus read from the license-server stack's outputs", async () => {
            const run = await runExampleStack("workbench-dev");
            const target = named(run.resources, "aws:cloudwatch/eventTarget:EventTarget", "workbench-to-hub");
            expect(target.inputs.arn).to.equal(LICENSE_SERVER_OUTPUTS.hubEventBusArn);
            expect(named(run.resources, "pulumi:pulumi:StackReference", "my-org/license-ops/license-server")).to.exist;
            expect(run.outputs.hubEventBusArn).to.equal(LICENSE_SERVER_OUTPUTS.hubEventBusArn);
            // and accepts the license grant the governance account made to it.
            expect(ofType(run.resources, "aws:licensemanager/licenseGrantAccepter:LicenseGrantAccepter").map((a) => a.inputs.grantArn)).to.deep.equal([
                "arn:aws:license-manager::555555555555:grant:g-0123456789abcdef0123456789abcdef",
            ]);
        });

        it("qualifies a bare license-server stack name with the deploying stack's organization and project, and takes a qualified one as given", () => {
            // The example names only "license-server"; the StackReference above proves the qualification.
            expect(stackConfig("workbench-dev")["license-ops:licenseServerStack"]).to.equal("license-server");
            expect(qualifiedStackName("other-org/license-ops/hub")).to.equal("other-org/license-ops/hub");
        });

        it("uses an explicit hub bus ARN without a stack reference", async () => {
            const arn = "arn:aws:events:eu-west-1:999999999999:event-bus/other-hub";
            const run = await runExampleStack("workbench-dev", { "license-ops:licenseServerStack": "", "license-ops:hubEventBusArn": arn });
            expect(named(run.resources, "aws:cloudwatch/eventTarget:EventTarget", "workbench-to-hub").inputs.arn).to.equal(arn);
            expect(ofType(run.resources, "pulumi:pulumi:StackReference")).to.deep.equal([]);
        });
    });

    describe("workbench-account inventory period", () => {
        it("takes its inventory on the stack's inventorySchedule setting (the hub's inventoryPeriodMinutes must match), every 5 minutes at its own minute without it", async () => {
            const schedules = async (config: Record<string, string>) =>
                ofType((await runExampleStack("workbench-dev", config)).resources, "aws:cloudwatch/eventRule:EventRule")
                    .map((r) => r.inputs.scheduleExpression)
                    .filter((e): e is string => typeof e === "string");
            expect(await schedules({ "license-ops:inventorySchedule": "rate(1 minute)" })).to.deep.equal(["rate(1 minute)"]);
            expect(await schedules({})).to.have.length(1).and.to.satisfy((e: string[]) => /^cron\(\d\/5 \* \* \* \? \*\)$/.test(e[0]));
        });
    });

    describe("license-governance", () => {
        let run: Awaited<ReturnType<typeof runExampleStack>>;
        before(async () => {
            run = await runExampleStack("governance");
        });

        it("defines every configured license with its counting type and limit", () => {
            const configurations = ofType(run.resources, "aws:licensemanager/licenseConfiguration:LicenseConfiguration");
            const byName = Object.fromEntries(configurations.map((c: RecordedResource) => [c.inputs.name, c.inputs]));
            expect(Object.keys(byName).sort()).to.deep.equal(["oracle-database-ee", "security-agent", "sql-server-enterprise", "windows-server-datacenter"]);
            expect(byName["windows-server-datacenter"]).to.deep.include({ licenseCountingType: "Core", licenseCount: 512, licenseCountHardLimit: true });
            expect(byName["security-agent"].licenseCountHardLimit).to.equal(false);
        });

        it("enables License Manager's Organizations integration and cross-account discovery", () => {
            const settings = ofType(run.resources, "pulumi-nodejs:dynamic:Resource").filter((r) => r.name === "licenses-service-settings");
            expect(settings).to.have.length(1);
            expect(settings[0].inputs).to.deep.include({ organizationIntegration: true, crossAccountDiscovery: true });
        });

        it("registers on-premises servers and counts the Oracle database they run against its license", () => {
            expect(ofType(run.resources, "aws:ssm/activation:Activation").map((a) => a.inputs.registrationLimit)).to.deep.equal([20]);
            expect(ofType(run.resources, "aws:ssm/association:Association").map((a) => a.inputs.name)).to.deep.equal(["AWS-GatherSoftwareInventory"]);
            const discovery = ofType(run.resources, "pulumi-nodejs:dynamic:Resource").filter((r) => r.name.startsWith("on-premises-discovery-"));
            expect(discovery.map((d) => [d.inputs.licenseConfigurationArn.split(":").slice(0, 5).join(":"), d.inputs.products[0].applicationName])).to.deep.equal([
                ["arn:aws:license-manager:eu-central-1:555555555555", "Oracle Database 19c Enterprise Edition"],
            ]);
        });

        it("budgets Marketplace and license-included spend into the alerts topic, which admits this account's budgets", () => {
            const budgets = ofType(run.resources, "aws:budgets/budget:Budget");
            expect(budgets.map((b) => [b.name, b.inputs.costFilters.map((f: { name: string }) => f.name)])).to.deep.equal([
                ["license-spend-marketplace", ["BillingEntity"]],
                ["license-spend-windows-license-included", ["Operation", "Service"]],
            ]);
            const topics = budgets.flatMap((b) => b.inputs.notifications.flatMap((n: { subscriberSnsTopicArns: string[] }) => n.subscriberSnsTopicArns));
            expect([...new Set(topics)]).to.deep.equal([run.outputs.alarmsTopicArn]);
            const topicPolicy = JSON.parse(named(run.resources, "aws:sns/topicPolicy:TopicPolicy", "licenses-alerts").inputs.policy);
            expect(topicPolicy.Statement.filter((s: any) => s.Principal?.Service === "budgets.amazonaws.com").map((s: any) => s.Condition.ArnLike)).to.deep.equal([
                { "aws:SourceArn": "arn:aws:budgets::555555555555:*" },
            ]);
            expect(run.outputs.budgetNames).to.have.keys("marketplace", "windows-license-included");
        });

        it("distributes the received license to the workbench account and the OU, exporting the grant ARNs to accept", () => {
            const grants = ofType(run.resources, "aws:licensemanager/licenseGrant:LicenseGrant");
            expect(grants.map((g) => g.inputs.principal).sort()).to.deep.equal([
                "arn:aws:iam::111111111111:root",
                "arn:aws:organizations::555555555555:ou/o-ab12cd34ef/ou-ab12-workbench1",
            ]);
            expect(new Set(grants.map((g) => g.inputs.region))).to.deep.equal(new Set(["us-east-1"]));
            expect(Object.keys((run.outputs.licenseGrantArns as Record<string, object>)["cad-suite"]).sort()).to.deep.equal([
                "111111111111",
                "arn:aws:organizations::555555555555:ou/o-ab12cd34ef/ou-ab12-workbench1",
            ]);
        });

        it("tracks usage of its own configurations and the extra ones, each once", () => {
            const fn = ofType(run.resources, "aws:lambda/function:Function").find((f) => f.inputs.tags?.["licensing:handler"] === "license-usage-report");
            expect(fn, "usage report function").to.exist;
            const readPolicy = ofType(run.resources, "aws:iam/rolePolicy:RolePolicy")
                .map((p) => p.inputs.policy as string)
                .join("\n");
            expect(readPolicy).to.contain("arn:aws:license-manager:us-east-1:444444444444:license-configuration:lic-0123456789abcdef0123456789abcdef");
            expect(run.outputs.reportBucketName).to.be.a("string");
            expect(run.outputs.alertTopicArn).to.match(/^arn:aws:sns:/);
        });
    });

    it("refuses a stack without a role, or with an unknown one, with a message listing the roles", async () => {
        let error: unknown;
        await runUnderMocks(() => deployStack()).catch((e) => (error = e));
        expect(String(error)).to.match(/"role" is missing.*workbench-account\|license-server\|license-governance/);
        await runUnderMocks(() => deployStack(), { config: { role: "hub" } }).catch((e) => (error = e));
        expect(String(error)).to.match(/"role" is "hub"; expected one of workbench-account, license-server, license-governance/);
    });

    it("requires an alerts setting in every role and refuses a topic ARN that is not one", async () => {
        for (const stack of ["license-server", "workbench-dev"] as const) {
            const error = await runExampleStack(stack, { "license-ops:alertEmails": "[]", "license-ops:alertTopicArn": "" }).catch((e) => e);
            expect(String(error), stack).to.match(/alertTopicArn or alertEmails is required: every alarm needs somewhere to go/);
        }
        const bad = await runExampleStack("workbench-dev", { "license-ops:alertTopicArn": "arn:aws:sqs:eu-central-1:111111111111:q" }).catch((e) => e);
        expect(String(bad)).to.match(/alertTopicArn: "arn:aws:sqs:eu-central-1:111111111111:q" is not an SNS topic ARN/);
    });

    it("refuses on-premises discovery for a license the governance stack does not define, naming it", async () => {
        let error: unknown;
        const config = {
            role: "license-governance",
            licenses: JSON.stringify({ "oracle-database-ee": { countingType: "vCPU", licenseCount: 4 } }),
            onPremises: JSON.stringify({ discovery: { "oracle-db": [{ applicationName: "Oracle Database" }] } }),
            alertEmails: JSON.stringify(["license-office@example.com"]),
        };
        await runUnderMocks(() => deployStack(), { config }).catch((e) => (error = e));
        expect(String(error)).to.contain("Stack setting onPremises.discovery.oracle-db: no such license in the licenses setting (it has oracle-database-ee)");
    });

    it("refuses a workbench stack that names no hub bus", async () => {
        let error: unknown;
        await runUnderMocks(() => deployStack(), { config: { role: "workbench-account" } }).catch((e) => (error = e));
        expect(String(error)).to.match(/needs "hubEventBusArn" or "licenseServerStack"/);
    });

    describe("bad settings: one line naming the setting as written, as a RunError without a stack trace", () => {
        /** The example stack's setting, parsed, changed by `edit` and handed back as the engine would. */
        const edited = (stack: "license-server" | "governance", key: string, edit: (value: any) => void) => {
            const value = JSON.parse(stackConfig(stack)[`license-ops:${key}`]);
            edit(value);
            return { [`license-ops:${key}`]: JSON.stringify(value) };
        };
        const failure = async (stack: "license-server" | "governance" | "workbench-dev", overrides: Record<string, string>) => {
            const error = await rejectionOf(runExampleStack(stack, overrides));
            expect(pulumi.RunError.isInstance(error), String(error)).to.equal(true);
            return error.message;
        };

        it("catalog typo seat: 5 (would give unlimited seats)", async () => {
            const overrides = edited("license-server", "productCatalog", (c) => {
                c.products.matlab.seat = c.products.matlab.seats;
                delete c.products.matlab.seats;
            });
            expect(await failure("license-server", overrides)).to.equal('Stack setting productCatalog.products.matlab: unknown key "seat" (did you mean "seats"?)');
        });

        it("catalog typo workbenchType (not the misleading \"maps no workbench types\")", async () => {
            const overrides = edited("license-server", "productCatalog", (c) => {
                c.workbenchType = c.workbenchTypes;
                delete c.workbenchTypes;
            });
            expect(await failure("license-server", overrides)).to.equal('Stack setting productCatalog: unknown key "workbenchType" (did you mean "workbenchTypes"?)');
        });

        it("license typo amiId (would create no association)", async () => {
            const overrides = edited("governance", "licenses", (l) => {
                l["oracle-database-ee"].amiId = "ami-0123456789abcdef0";
                delete l["oracle-database-ee"].amiIds;
            });
            expect(await failure("governance", overrides)).to.equal('Stack setting licenses.oracle-database-ee: unknown key "amiId" (did you mean "amiIds"?)');
        });

        it("a bad trackedLicenseConfigurationArns entry, by its own index", async () => {
            const message = await failure("governance", { "license-ops:trackedLicenseConfigurationArns": JSON.stringify(["arn:aws:license-manager:us-east-1:444444444444:license:lic-1"]) });
            expect(message).to.equal(
                'Stack setting trackedLicenseConfigurationArns[0]: "arn:aws:license-manager:us-east-1:444444444444:license:lic-1" is not a License Manager configuration ARN ' +
                    "(arn:aws:license-manager:<region>:<account>:license-configuration:lic-<32 hex>)",
            );
        });

        it("a five-field cron as usageReportSchedule", async () => {
            expect(await failure("governance", { "license-ops:usageReportSchedule": "cron(0 * * * *)" })).to.equal(
                'Stack setting usageReportSchedule: "cron(0 * * * *)" has 5 fields; EventBridge cron needs 6 (minutes hours day-of-month month day-of-week year), e.g. "cron(0 * * * ? *)"',
            );
        });

        it("a bad syncSchedule", async () => {
            expect(await failure("license-server", { "license-ops:syncSchedule": "rate(1 minutes)" })).to.equal(
                'Stack setting syncSchedule: "rate(1 minutes)" needs a positive value with a matching unit ("1 minute", "5 minutes")',
            );
        });

        it("a queue ARN as hubEventBusArn, refused before anything is declared", async () => {
            const queue = "arn:aws:sqs:eu-central-1:222222222222:hub-undelivered";
            expect(await failure("workbench-dev", { "license-ops:licenseServerStack": "", "license-ops:hubEventBusArn": queue })).to.equal(
                `Stack setting hubEventBusArn: "${queue}" is not an EventBridge event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)`,
            );
        });

        it("a budget cost filter typo (would count the whole bill or be refused by AWS)", async () => {
            const overrides = edited("governance", "budgets", (b) => {
                b.marketplace.costFilters.Billingentity = b.marketplace.costFilters.BillingEntity;
                delete b.marketplace.costFilters.BillingEntity;
            });
            expect(await failure("governance", overrides)).to.equal('Stack setting budgets.marketplace.costFilters: unknown key "Billingentity" (did you mean "BillingEntity"?)');
        });

        it("a license configuration ARN where a received license is meant", async () => {
            const configuration = "arn:aws:license-manager:eu-central-1:555555555555:license-configuration:lic-0123456789abcdef0123456789abcdef";
            const overrides = edited("governance", "licenseGrants", (g) => (g["cad-suite"].licenseArn = configuration));
            expect(await failure("governance", overrides)).to.equal(
                `Stack setting licenseGrants.cad-suite.licenseArn "${configuration}" is not a license ARN (arn:aws:license-manager::<issuer account>:license:l-<32 hex>; a license configuration is not a license)`,
            );
        });

        it("a license ARN where a grant to accept is meant", async () => {
            const license = "arn:aws:license-manager::294406891311:license:l-0123456789abcdef0123456789abcdef";
            expect(await failure("workbench-dev", { "license-ops:acceptLicenseGrantArns": JSON.stringify([license]) })).to.equal(
                `Stack setting acceptLicenseGrantArns[0]: "${license}" is not a License Manager grant ARN (arn:aws:license-manager::<account>:grant:g-<32 hex>)`,
            );
        });

        it("an organisation with no admitted set, and an OU path of another organisation", async () => {
            const alone = await failure("license-server", { "license-ops:workbenchAccountIds": "[]", "license-ops:workbenchOrganizationalUnitPaths": "[]" });
            expect(alone).to.match(/^Stack setting organizationId alone admits every account of the organisation, .* set admitWholeOrganization: true once the SCP is attached at the organisation root$/);
            expect(await failure("license-server", { "license-ops:workbenchOrganizationalUnitPaths": JSON.stringify(["o-zzzzzzzzzz/r-ab12/ou-ab12-workbench1/"]) })).to.equal(
                'Stack setting workbenchOrganizationalUnitPaths[0]: "o-zzzzzzzzzz/r-ab12/ou-ab12-workbench1/" is not in organizationId o-a1b2c3d4e5',
            );
            expect(await failure("license-server", { "license-ops:workbenchOrganizationalUnitPaths": JSON.stringify("o-a1b2c3d4e5/r-ab12/ou-ab12-workbench1/") })).to.equal(
                'Stack setting workbenchOrganizationalUnitPaths: must be a list of strings (got "o-a1b2c3d4e5/r-ab12/ou-ab12-workbench1/")',
            );
            expect(await failure("workbench-dev", { "license-ops:trustNamePrefix": "x".repeat(29) })).to.match(/^Stack setting trustNamePrefix: "x{29}" must start with a letter and use at most 28 /);
        });

        it("several problems at once, one line each", async () => {
            const message = await failure("governance", {
                ...edited("governance", "licenses", (l) => (l["security-agent"].hardlimit = false)),
                "license-ops:usageReportSchedule": "daily",
            });
            expect(message.split("\n")).to.deep.equal([
                "Stack settings have 2 problems:",
                '  - licenses.security-agent: unknown key "hardlimit" (did you mean "hardLimit"?)',
                '  - usageReportSchedule: "daily" is not an EventBridge rate(...) or cron(...) expression (e.g. "rate(1 hour)", "cron(0 6 * * ? *)")',
            ]);
        });
    });
});
