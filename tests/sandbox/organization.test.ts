import { expect } from "chai";
import * as fs from "node:fs";
import { WORKBENCH_EVENT_DETAIL_TYPE, WORKBENCH_EVENT_SOURCE } from "../../functions/shared/workbenchEvent";
import { busTargetDenial } from "../../sandbox/runtime/policies";
import { describeDeployment } from "../../sandbox/world/deployment";
import { declaredStackSets, templateNameDifferences } from "../../sandbox/run/stackSets";
import { OrganizationModel, organizationModel, principalOrganizationOf } from "../../sandbox/world/organization";
import { admissionSettings, deployedAtStart } from "../../sandbox/world/organizationStacks";
import { scenarioSeconds } from "../../sandbox/world/scenario";
import { DEFAULT_SCENARIO_FILE, scenarioProblems } from "../../sandbox/world/scenarioFile";
import { organisationScenario } from "../support/organizationScenario";
import { deployStacks } from "../../sandbox/world/stackConfiguration";

describe("sandbox organisation (scenario organization, moves)", () => {
    it("validates an organisation scenario, and names each mistake in its organization and moves", () => {
        expect(scenarioProblems(organisationScenario())).to.deep.equal([]);
        const broken = organisationScenario() as any;
        broken.organization.id = "o-SHOUT";
        broken.organization.units.loop = { id: "ou-ab12-loopunit1", parent: "loop2" };
        broken.organization.units.loop2 = { id: "ou-ab12-loopunit2", parent: "loop" };
        broken.organization.units.twin = { id: "ou-ab12-workbenches" };
        broken.organization.workbenchUnits = ["workbench"];
        broken.accounts.engineering.organizationalUnit = "engineering";
        broken.accounts.research.allowedOnHub = true;
        broken.moves.push({ at: "x", account: "licensing", to: "nowhere", expect: { seatsAdded: 1 } });
        broken.departures = [{ at: "3:00", account: "partner" }];
        expect(scenarioProblems(broken)).to.deep.equal([
            "departures are listed mode (a hub redeploy without the account); with an organization, move the account out of the workbench OUs (moves)",
            'organization.id "o-SHOUT" is not an AWS Organizations id (o- and 10 to 32 lowercase letters or digits)',
            "organization.units.loop.parent: the OUs loop, loop2 are nested in one another in a cycle",
            "organization.units.loop2.parent: the OUs loop2, loop are nested in one another in a cycle",
            "organization.units.twin.id ou-ab12-workbenches is used twice",
            'organization.workbenchUnits: "workbench" is not an OU of organization.units',
            'accounts.engineering.organizationalUnit "engineering" is not an OU of organization.units (or "root")',
            "accounts.research.allowedOnHub is listed mode; with an organization the hub admits the workbench OUs' accounts: give organizationalUnit instead",
            'moves[2].at must be seconds >= 0 or "m:ss"',
            'moves[2].account "licensing" is not a workbench account of the scenario',
            'moves[2].to "nowhere" is not an OU of organization.units (or "root")',
            "moves[2].expect.seatsAdded is not an expectation of this kind of step (use forwarderRegions, seatsReleased)",
        ]);
        const listed = JSON.parse(fs.readFileSync(DEFAULT_SCENARIO_FILE, "utf8"));
        delete listed.organization;
        listed.accounts.engineering.organizationalUnit = "workbenches";
        listed.moves = [{ at: 10, account: "engineering", to: "root" }];
        expect(scenarioProblems(listed)).to.include.members(["accounts.engineering.organizationalUnit needs the scenario's organization", "moves need the scenario's organization (an account moves between its OUs)"]);
    });

    it("places each account over scenario time, with the OU path aws:PrincipalOrgPaths carries", () => {
        const scenario = organisationScenario();
        const model = organizationModel(scenario, scenarioSeconds) as OrganizationModel;
        const partner = scenario.accounts.partner.accountId;
        expect([0, 59, 60, 179, 180].map((t) => model.parentAt(partner, t))).to.deep.equal(["contractors", "contractors", "workbenches", "workbenches", "quarantine"]);
        expect(model.principalOrgPaths(scenario.accounts.research.accountId, 0)).to.deep.equal(["o-a1b2c3d4e5/r-ab12/ou-ab12-workbenches/ou-ab12-researchwb/"]);
        expect(model.principalOrgPaths(scenario.accounts.licensing.accountId, 0)).to.deep.equal(["o-a1b2c3d4e5/r-ab12/"]);
        expect([0, 60, 180].map((t) => model.inWorkbenchUnits(partner, t))).to.deep.equal([false, true, false]);
        expect(model.inWorkbenchUnits(scenario.accounts.research.accountId, 0), "nested in a workbench OU").to.equal(true);
        expect(model.accountsUnder("ou-ab12-workbenches", 60, Object.values(scenario.accounts).map((a) => a.accountId))).to.deep.equal([scenario.accounts.engineering.accountId, partner]);
        expect(model.unitsUnder("ou-ab12-workbenches")).to.deep.equal(["ou-ab12-researchwb"]);
        expect(model.unitsUnder("r-ab12")).to.deep.equal(["ou-ab12-workbenches", "ou-ab12-contractors", "ou-ab12-quarantine", "ou-ab12-onboarding"]);
        // The StackSets stand-in deploys the partner's forwarder at its move in; the contractor's stack is hand-deployed.
        expect(deployedAtStart(scenario, "partner")).to.equal(false);
        expect(deployedAtStart(scenario, "contractor")).to.equal(true);
        expect(admissionSettings(scenario)).to.deep.equal({
            "license-ops:organizationId": "o-a1b2c3d4e5",
            "license-ops:workbenchOrganizationalUnitPaths": JSON.stringify(["o-a1b2c3d4e5/r-ab12/ou-ab12-workbenches/"]),
            "license-ops:membershipReaderRoleArn": `arn:aws:iam::${scenario.accounts.governance.accountId}:role/license-ops-workbench-membership-reader`,
        });
    });

    it("admits a forwarder on the hub bus only while its account is in a workbench OU (aws:PrincipalOrgPaths at the time of the call)", async () => {
        const scenario = organisationScenario();
        const deployment = describeDeployment(await deployStacks(scenario, "/opt/vendor/bin/license-admin"));
        const id = (key: string) => scenario.accounts[key].accountId;
        const hubBus = deployment.buses.find((b) => b.accountId === id("licensing") && b.name !== "default")!;
        expect(JSON.stringify(hubBus.policy)).to.contain("aws:PrincipalOrgPaths").and.not.contain(id("engineering"));
        let now = 0;
        const organizationOf = principalOrganizationOf(scenario.accounts, organizationModel(scenario, scenarioSeconds), () => now);
        const denial = (account: string, of = organizationOf) => {
            const rule = deployment.rules.find((r) => r.accountId === id(account) && r.targets.some((t) => t.arn === hubBus.arn))!;
            return busTargetDenial(deployment, rule, rule.targets[0].roleArn, hubBus.arn, { source: WORKBENCH_EVENT_SOURCE, detailType: WORKBENCH_EVENT_DETAIL_TYPE }, of);
        };
        expect(await denial("engineering")).to.equal(undefined);
        expect(await denial("research"), "an OU nested in the workbench OU").to.equal(undefined);
        expect(await denial("contractor")).to.match(/ImplicitlyDenied/);
        // The governance stack deploys the StackSet to the workbench OU, and the reader role the hub's watch assumes.
        const governance = deployment.stacks.find((s) => s.role === "license-governance")!;
        const stackSet = governance.resources.find((r) => r.type === "aws:cloudformation/stackSet:StackSet")!;
        expect(stackSet.inputs.autoDeployment).to.deep.equal({ enabled: true, retainStacksOnAccountRemoval: false });
        const instance = governance.resources.find((r) => r.type === "aws:cloudformation/stackSetInstance:StackSetInstance")!;
        expect(instance.inputs.deploymentTargets.organizationalUnitIds).to.deep.equal(["ou-ab12-workbenches"]);
        // What the StackSets stand-in reacts to, read from the governance stack's declaration.
        const [set] = declaredStackSets(deployment.stacks);
        expect({ ...set, template: undefined, parameters: undefined }).to.deep.equal({
            name: "license-ops-workbench-forwarder",
            template: undefined,
            parameters: undefined,
            autoDeployment: true,
            retainStacksOnAccountRemoval: false,
            // Every region a workbench account of the scenario runs in.
            instances: ["eu-central-1", "eu-west-1"].map((region) => ({ region, organizationalUnitIds: ["ou-ab12-workbenches"] })),
        });
        // The workbench stack the stand-in deploys creates what the StackSet's template creates, name for name.
        const engineering = describeDeployment(deployment.stacks.filter((s) => s.name === "workbench-engineering"));
        expect(templateNameDifferences(set, scenario.region, id("engineering"), engineering)).to.deep.equal([]);
        engineering.functions[0] = { ...engineering.functions[0], name: "renamed" };
        expect(templateNameDifferences(set, scenario.region, id("engineering"), engineering)).to.deep.equal([
            "functions: template license-ops-workbench-forwarder, license-ops-workbench-inventory, stack license-ops-workbench-inventory, renamed",
        ]);
        const reader = governance.resources.find((r) => r.type === "aws:iam/role:Role" && r.inputs.name === "license-ops-workbench-membership-reader")!;
        const hubStack = deployment.stacks.find((s) => s.role === "license-server")!;
        expect(JSON.parse(reader.inputs.assumeRolePolicy).Statement[0].Principal.AWS).to.equal(hubStack.outputs.inventoryWatchRoleArn);
        // The contractor's forwarder, were its account moved into the workbench OU, would be admitted; moved out, refused again.
        scenario.moves = [{ at: 10, account: "contractor", to: "workbenches" }, { at: 20, account: "contractor", to: "quarantine" }];
        const moved = principalOrganizationOf(scenario.accounts, organizationModel(scenario, scenarioSeconds), () => now);
        const decisions = [];
        for (const t of [5, 10, 20]) {
            now = t;
            decisions.push((await denial("contractor", moved)) === undefined);
        }
        expect(decisions).to.deep.equal([false, true, false]);
    });
});
