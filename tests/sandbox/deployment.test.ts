import { deployedHubConfiguration } from "../../sandbox/world/deployedHubConfiguration";
import { expect } from "chai";
import { CHANGE_MARKER_EVENT_SOURCE, DEFAULT_SYNC_SCHEDULE, HUB_TABLE, hubBusPattern, seatChangeStreamFilter } from "../../components/hub/definitions";
import { TRACKER_ENV } from "../../components/tracking/definitions";
import { LICENSE_CONFIGURATION_ARN } from "../../components/config/definitions";
import { WORKBENCH_EVENT_DETAIL_TYPE, WORKBENCH_EVENT_SOURCE, ec2StateChangePattern, workbenchForwardPattern } from "../../functions/shared/workbenchEvent";
import { LocalDeployment, describeDeployment, functionByArn } from "../../sandbox/world/deployment";
import { busTargetDenial, invokeDenial, ruleChangeDenial, serviceControlPoliciesOf, tagChangeDenial } from "../../sandbox/runtime/policies";
import { ATTACKER_POLICIES } from "../../sandbox/world/attempts";
import { loadScenario } from "../../sandbox/world/scenarioFile";
import { organizationModel, principalOrganizationOf } from "../../sandbox/world/organization";
import { scenarioSeconds } from "../../sandbox/world/scenario";
import { SANDBOX_INVENTORY_PERIOD_MINUTES, deployStacks, vendorCommand } from "../../sandbox/world/stackConfiguration";

const VENDOR_CLI = "/opt/sandbox/bin/vendor-license-cli";

describe("sandbox deployment, read from the stacks' programs under mocks", function () {
    // A hang guard only: five stack programs under mocks take about 10 s quiet and over a minute at load average 18.
    this.timeout(300_000);
    const scenario = loadScenario();
    const id = (key: string) => scenario.accounts[key].accountId;
    let deployment: LocalDeployment;

    before(async () => {
        deployment = describeDeployment(await deployStacks(scenario, VENDOR_CLI));
    });

    it("deploys one stack per account with the role the scenario gives it, and a workbench stack per account-region", () => {
        expect(deployment.stacks.map((s) => [s.name, s.accountId, s.region, s.config["aws:region"]])).to.deep.equal([
            ["license-server", id("licensing"), "eu-central-1", "eu-central-1"],
            // The home region's stack keeps its name; the second region's is the same program with aws:region set.
            ["workbench-engineering", id("engineering"), "eu-central-1", "eu-central-1"],
            ["workbench-engineering-eu-west-1", id("engineering"), "eu-west-1", "eu-west-1"],
            ["workbench-research", id("research"), "eu-central-1", "eu-central-1"],
            ["workbench-contractor", id("contractor"), "eu-central-1", "eu-central-1"],
            ["workbench-partner", id("partner"), "eu-central-1", "eu-central-1"],
            ["workbench-newcomer", id("newcomer"), "eu-central-1", "eu-central-1"],
            ["workbench-newcomer-eu-west-1", id("newcomer"), "eu-west-1", "eu-west-1"],
            ["governance", id("governance"), "eu-central-1", "eu-central-1"],
        ]);
    });

    it("gives engineering's second region its own forwarder, regional roles and buses, forwarding to the hub bus in the hub's region, admitted by the role's regional name", async () => {
        const engineering = (region: string) => ({
            functions: deployment.functions.filter((f) => f.accountId === id("engineering") && f.region === region),
            rules: deployment.rules.filter((r) => r.accountId === id("engineering") && r.region === region),
            buses: deployment.buses.filter((b) => b.accountId === id("engineering") && b.region === region),
        });
        const hubBus = deployment.buses.find((b) => b.accountId === id("licensing") && b.name !== "default")!;
        expect(hubBus.region).to.equal("eu-central-1");
        for (const region of ["eu-central-1", "eu-west-1"]) {
            const { functions, rules, buses } = engineering(region);
            // Fixed regional names: the same function names in each region, the IAM roles (global) named per region.
            expect(functions.map((f) => [f.name, f.roleArn.split("/").pop()]).sort(), region).to.deep.equal([
                ["license-ops-workbench-forwarder", `license-ops-workbench-forwarder-${region}`],
                ["license-ops-workbench-inventory", `license-ops-workbench-inventory-${region}`],
            ]);
            for (const f of functions) expect(f.arn, region).to.contain(`:lambda:${region}:`);
            expect(buses.map((b) => b.arn.split(":")[3])).to.deep.equal([region, region]);
            const ec2 = rules.find((r) => JSON.stringify(r.eventPattern) === JSON.stringify(ec2StateChangePattern()))!;
            expect(ec2.targets.map((t) => t.arn)).to.deep.equal([functions.find((f) => f.handler === "workbench-forwarder")!.arn]);
            const toHub = rules.find((r) => JSON.stringify(r.eventPattern) === JSON.stringify(workbenchForwardPattern()))!;
            // Cross-region for eu-west-1: the target is the one hub bus, put there by the region's own forwarding role.
            expect(toHub.targets.map((t) => [t.arn, t.roleArn])).to.deep.equal([[hubBus.arn, `arn:aws:iam::${id("engineering")}:role/license-ops-workbench-to-hub-${region}`]]);
            const organizationOf = principalOrganizationOf(scenario.accounts, organizationModel(scenario, scenarioSeconds), () => 0);
            const denial = await busTargetDenial(deployment, toHub, toHub.targets[0].roleArn, hubBus.arn, { source: WORKBENCH_EVENT_SOURCE, detailType: WORKBENCH_EVENT_DETAIL_TYPE }, organizationOf);
            expect(denial, region).to.equal(undefined);
        }
    });

    it("routes workbench accounts' EC2 events to their forwarder and forwards workbench events to the hub bus", () => {
        const hubBus = deployment.buses.find((b) => b.accountId === id("licensing") && b.name !== "default")!;
        for (const account of ["engineering", "research", "contractor"]) {
            const rules = deployment.rules.filter((r) => r.accountId === id(account));
            const ec2 = rules.find((r) => JSON.stringify(r.eventPattern) === JSON.stringify(ec2StateChangePattern()))!;
            expect(functionByArn(deployment, ec2.targets[0].arn)?.handler, account).to.equal("workbench-forwarder");
            expect(invokeDenial(deployment, ec2, functionByArn(deployment, ec2.targets[0].arn)!)).to.equal(undefined);
            const toHub = rules.find((r) => JSON.stringify(r.eventPattern) === JSON.stringify(workbenchForwardPattern()))!;
            expect(toHub.targets.map((t) => t.arn)).to.deep.equal([hubBus.arn]);
            // The forwarder publishes on the account's dedicated bus, where the forwarding rule listens.
            const forwarder = functionByArn(deployment, ec2.targets[0].arn)!;
            expect(toHub.busName).to.equal(forwarder.environment.EVENT_BUS_NAME).and.not.equal("default");
        }
    });

    it("schedules each workbench account's inventory, runs it once at deployment, and lets it publish on the workbench bus", async () => {
        for (const account of ["engineering", "research", "contractor"]) {
            const inventory = deployment.functions.find((f) => f.accountId === id(account) && f.handler === "workbench-inventory")!;
            const schedule = deployment.rules.find((r) => r.accountId === id(account) && r.scheduleExpression !== undefined)!;
            // The sandbox's inventory period (stack setting inventorySchedule), matching the hub's inventoryPeriodMinutes.
            expect(schedule.scheduleExpression, account).to.equal(`rate(${SANDBOX_INVENTORY_PERIOD_MINUTES} minute)`);
            expect(schedule.targets.map((t) => t.arn)).to.deep.equal([inventory.arn]);
            expect(invokeDenial(deployment, schedule, inventory)).to.equal(undefined);
            expect(deployment.invocations.filter((i) => i.accountId === id(account) && i.region === scenario.region)).to.deep.equal([
                { name: "workbench-first-inventory", accountId: id(account), region: scenario.region, stack: `workbench-${account}`, functionName: inventory.name, input: { trigger: "deployment" } },
            ]);
            // Its snapshots go where the forwarding rule listens, and its role is a publisher the bus admits.
            const bus = deployment.buses.find((b) => b.accountId === id(account) && b.name === inventory.environment.EVENT_BUS_NAME)!;
            expect(JSON.stringify(bus.policy)).to.contain(inventory.roleArn);
        }
    });

    it("admits exactly the hub's workbench accounts on its bus, through each account's forwarding role", async () => {
        const hubBus = deployment.buses.find((b) => b.accountId === id("licensing") && b.name !== "default")!;
        const organizationOf = principalOrganizationOf(scenario.accounts, organizationModel(scenario, scenarioSeconds), () => 0);
        const denial = (account: string) => {
            const rule = deployment.rules.find((r) => r.accountId === id(account) && r.targets.some((t) => t.arn === hubBus.arn))!;
            return busTargetDenial(deployment, rule, rule.targets[0].roleArn, hubBus.arn, { source: WORKBENCH_EVENT_SOURCE, detailType: WORKBENCH_EVENT_DETAIL_TYPE }, organizationOf);
        };
        expect(await denial("engineering")).to.equal(undefined);
        expect(await denial("research")).to.equal(undefined);
        expect(await denial("contractor")).to.match(/444444444444:role\/license-ops-workbench-to-hub-eu-central-1 may not put .*\(ImplicitlyDenied\)/);
    });

    it("attaches the governance stack's guardrail SCP to the workbench OU: it reaches the accounts in it (nested OUs too) while they are, and no other", async () => {
        expect([...deployment.serviceControlPolicies.keys()]).to.deep.equal(["ou-ab12-workbenches"]);
        let now = 0;
        const organizationOf = principalOrganizationOf(scenario.accounts, organizationModel(scenario, scenarioSeconds), () => now);
        const sids = (account: string) => serviceControlPoliciesOf(deployment, id(account), organizationOf(id(account))).flatMap((p) => p.Statement.map((st) => st.Sid));
        for (const account of ["engineering", "research", "partner"]) expect(sids(account), account).to.include("WorkbenchTagsOnlyByProvisioning");
        for (const account of ["contractor", "newcomer", "licensing", "governance"]) expect(sids(account), account).to.deep.equal([]);
        now = scenarioSeconds(scenario.moves!.find((m) => m.account === "newcomer")!.at);
        expect(sids("newcomer"), "the newcomer, once it joined").to.include("WorkbenchTagsOnlyByProvisioning");
        now = scenarioSeconds(scenario.moves!.find((m) => m.account === "partner")!.at);
        expect(sids("partner"), "the partner, once it left").to.deep.equal([]);
        now = 0;
        const change = (principal: string, keys: string[], action: "CreateTags" | "DeleteTags" = "CreateTags", tags: Record<string, string> = {}) =>
            tagChangeDenial(
                deployment,
                { accountId: id("engineering"), region: scenario.region, principalArn: `arn:aws:iam::${id("engineering")}:role/${principal}`, identityPolicies: ATTACKER_POLICIES },
                action,
                { id: "i-0123456789abcdef0", tags },
                keys,
                organizationOf,
            );
        expect(await change("developer", ["vew:workbench:ownerId"])).to.match(/may not CreateTags vew:workbench:ownerId .*\(ExplicitlyDenied\)/);
        expect(await change("developer", ["Name"])).to.equal(undefined);
        expect(await change("workbench-provisioner", ["vew:workbench:ownerId", "vew:workbench:type"])).to.equal(undefined);
        // DeleteTags naming no key: no aws:TagKeys in the request, the instance's own tags decide (KeepWorkbenchTag*).
        const workbench = { "vew:workbench:ownerId": "bob", "vew:workbench:type": "cad", Name: "bob's" };
        expect(await change("developer", [], "DeleteTags", workbench)).to.match(/may not DeleteTags every tag on i-0123456789abcdef0 \(ExplicitlyDenied\)/);
        expect(await change("workbench-provisioner", [], "DeleteTags", workbench)).to.equal(undefined);
        expect(await change("developer", [], "DeleteTags", { Name: "ci-build-agent" })).to.equal(undefined);
        // The forwarder's default-bus rules, by their fixed names: a developer may neither retarget nor disable them.
        const ruleChange = (principal: string, action: "PutTargets" | "DisableRule", name: string) =>
            ruleChangeDenial(
                deployment,
                { accountId: id("engineering"), region: scenario.region, principalArn: `arn:aws:iam::${id("engineering")}:role/${principal}`, identityPolicies: ATTACKER_POLICIES },
                action,
                { name, eventBusName: "default" },
                organizationOf,
            );
        const ec2Rule = deployment.rules.find((r) => r.accountId === id("engineering") && r.eventPattern && r.busName === "default")!.name;
        expect(ec2Rule).to.equal("license-ops-workbench-ec2-state");
        expect(await ruleChange("developer", "PutTargets", ec2Rule)).to.match(/may not PutTargets on arn:aws:events:eu-central-1:111111111111:rule\/license-ops-workbench-ec2-state \(ExplicitlyDenied\)/);
        expect(await ruleChange("developer", "DisableRule", "license-ops-workbench-inventory")).to.match(/\(ExplicitlyDenied\)$/);
        expect(await ruleChange("developer", "PutTargets", "nightly-backup")).to.equal(undefined);
    });

    it("wires the hub as its component declares: bus rule, stream filter and batching, sync schedule, table keys", () => {
        const hub = deployment.rules.filter((r) => r.accountId === id("licensing"));
        const intake = hub.find((r) => r.eventPattern)!;
        expect(intake.eventPattern).to.deep.equal(hubBusPattern());
        expect(functionByArn(deployment, intake.targets[0].arn)?.handler).to.equal("hub-assignment");
        const schedule = hub.find((r) => r.scheduleExpression && functionByArn(deployment, r.targets[0].arn)?.handler === "hub-sync")!;
        expect(schedule.scheduleExpression).to.equal(DEFAULT_SYNC_SCHEDULE);
        expect(functionByArn(deployment, schedule.targets[0].arn)?.handler).to.equal("hub-sync");

        // Three consumers of the seat stream, each with the seat-change filter: the change marker, the seat ledger and
        // the seat events for people.
        expect(deployment.mappings.map((m) => functionByArn(deployment, m.functionArn)?.handler).sort()).to.deep.equal(["hub-change-marker", "hub-ledger", "hub-seat-events"]);
        for (const m of deployment.mappings) expect(m.filters).to.deep.equal([seatChangeStreamFilter()]);
        const mapping = deployment.mappings.find((m) => functionByArn(deployment, m.functionArn)?.handler === "hub-change-marker")!;
        expect(mapping.filters).to.deep.equal([seatChangeStreamFilter()]);
        expect(mapping).to.include({ batchSize: CHANGE_MARKER_EVENT_SOURCE.batchSize, maximumBatchingWindowSeconds: CHANGE_MARKER_EVENT_SOURCE.maximumBatchingWindowInSeconds, reportBatchItemFailures: true });
        expect(functionByArn(deployment, mapping.functionArn)?.handler).to.equal("hub-change-marker");
        const table = deployment.tables.find((t) => t.streamArn === mapping.eventSourceArn)!;
        expect([table.hashKey, table.rangeKey]).to.deep.equal(HUB_TABLE.keySchema.map((k) => k.attributeName));
        expect(table.streamViewType).to.equal(HUB_TABLE.streamViewType);
    });

    it("gives the hub the scenario's catalog with the sandbox's vendor CLI, and the sync a reserved concurrency of 1", () => {
        const sync = deployment.functions.find((f) => f.handler === "hub-sync")!;
        expect(sync.reservedConcurrency).to.equal(1);
        expect(sync.async.maximumRetryAttempts).to.equal(0);
        expect(deployedHubConfiguration(deployment, sync).products).to.have.keys(Object.keys(scenario.catalog.products));
        // The vendor command travels as data, in the products the sync reads, not in the document.
        for (const product of Object.values(deployedHubConfiguration(deployment, sync).products)) expect(product.command).to.deep.equal(vendorCommand(VENDOR_CLI));
        expect(deployment.documents[0].content).not.to.contain(VENDOR_CLI);
    });

    it("defines the governance licenses with the ARNs License Manager gives them, and the report's configuration list", () => {
        expect(deployment.licenseConfigurations.map((c) => c.name).sort()).to.deep.equal(Object.keys(scenario.licenses).sort());
        for (const c of deployment.licenseConfigurations) expect(c.arn).to.match(LICENSE_CONFIGURATION_ARN);
        const report = deployment.functions.find((f) => f.handler === "license-usage-report")!;
        const list = deployment.objects.find((o) => o.bucket === report.environment[TRACKER_ENV.bucket])!;
        const arns = JSON.parse(list.content).licenseConfigurationArns as string[];
        expect(arns).to.include.members([...deployment.licenseConfigurations.map((c) => c.arn), ...(scenario.trackedLicenseConfigurations ?? []).map((t) => t.arn)]);
    });
});
