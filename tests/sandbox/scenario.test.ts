import { expect } from "chai";
import * as fs from "node:fs";
import { Scenario, accountRegions, deliveries, formatScenarioTime, instanceIdOf, instanceRegion, scenarioSeconds } from "../../sandbox/world/scenario";
import { stackConfigurations, workbenchStackName } from "../../sandbox/world/stackConfiguration";
import { DEFAULT_SCENARIO_FILE, loadScenario, scenarioProblems } from "../../sandbox/world/scenarioFile";
import { INSTANCE_ID_PATTERN } from "../../functions/shared/workbenchEvent";
import { departureProblems } from "../../sandbox/world/departures";
import { admittedAtStart } from "../../sandbox/world/organizationStacks";

const raw = () => JSON.parse(fs.readFileSync(DEFAULT_SCENARIO_FILE, "utf8")) as Scenario;

describe("sandbox scenario", () => {
    it("ships a default scenario that validates and covers the cases the sandbox must show", () => {
        const scenario = loadScenario();
        expect(scenarioProblems(scenario)).to.deep.equal([]);
        const states = scenario.timeline.map((e) => e.state);
        expect(states).to.include("pending");
        expect(scenario.timeline.some((e) => e.redeliver)).to.equal(true);
        expect(scenario.timeline.some((e) => e.occurredAt !== undefined)).to.equal(true);
        // An account outside the workbench OUs (refused), one that joins them mid-run and one that leaves (#22).
        expect(admittedAtStart(scenario)).to.include.members(["engineering", "research", "partner"]).and.not.include.members(["contractor", "newcomer"]);
        expect(scenario.moves?.map((m) => [m.account, m.to])).to.deep.equal([["newcomer", "workbenches"], ["partner", "quarantine"]]);
        expect(Object.values(scenario.catalog.products).some((p) => p.seats !== undefined)).to.equal(true);
        expect(scenario.faults?.map((f) => f.target).sort()).to.deep.equal(["change-marks", "ec2", "vendor-cli"]);
        // What only an inventory can heal: an instance already running at deployment, a lost stop, a stop without tags.
        expect(Object.values(scenario.instances).some((i) => i.stateAtDeployment === "running" && i.expect?.outcome === "healed-by-inventory")).to.equal(true);
        expect(scenario.timeline.some((e) => e.lost && e.state === "stopped" && e.expect?.outcome === "healed-by-inventory")).to.equal(true);
        expect(scenario.timeline.some((e) => e.removeTags && e.state === "stopped" && e.expect?.seatsReleased !== undefined)).to.equal(true);
        // What a default-bus rule retargeted with a constant Input would deliver (#21): a forged stop of a running
        // workbench and a forged start claiming another region, each forwarded as EC2 says, changing no seat.
        const forged = scenario.timeline.filter((e) => e.forged !== undefined);
        expect(forged.some((e) => e.state === "stopped" && e.expect?.forwarded === "started" && e.expect?.seatsReleased === 0)).to.equal(true);
        expect(forged.some((e) => e.state === "running" && e.forged?.region !== undefined && e.forged.region !== scenario.region && e.expect?.seatsAdded === 0)).to.equal(true);
        // A workbench account in two regions (#20): a workbench in its second region gets a seat and releases it.
        const secondRegion = Object.keys(scenario.instances).filter((key) => instanceRegion(scenario, key) !== scenario.region);
        expect(secondRegion).to.have.length.above(0);
        const inSecondRegion = scenario.timeline.filter((e) => e.instance !== undefined && secondRegion.includes(e.instance));
        expect(inSecondRegion.some((e) => e.state === "running" && e.expect?.seatsAdded === 1)).to.equal(true);
        expect(inSecondRegion.some((e) => e.state === "stopped" && e.expect?.seatsReleased === 1)).to.equal(true);
    });

    it("gives a workbench account a stack per region, the home region's keeping its name, and its instances the home region by default", () => {
        const scenario = raw();
        expect(accountRegions(scenario, "engineering")).to.deep.equal(["eu-central-1", "eu-west-1"]);
        expect(accountRegions(scenario, "research"), "no regions: the scenario's").to.deep.equal([scenario.region]);
        expect(instanceRegion(scenario, "bob-cae")).to.equal("eu-central-1");
        expect(instanceRegion(scenario, "nina-ds")).to.equal("eu-west-1");
        expect(workbenchStackName(scenario, "engineering", "eu-central-1")).to.equal("workbench-engineering");
        expect(workbenchStackName(scenario, "engineering", "eu-west-1")).to.equal("workbench-engineering-eu-west-1");
        const workbenchStacks = stackConfigurations(scenario, "/opt/vendor-cli").filter((s) => s.role === "workbench-account");
        expect(workbenchStacks.map((s) => [s.name, s.region, s.config["aws:region"]])).to.deep.equal([
            ["workbench-engineering", "eu-central-1", "eu-central-1"],
            ["workbench-engineering-eu-west-1", "eu-west-1", "eu-west-1"],
            ["workbench-research", "eu-central-1", "eu-central-1"],
            ["workbench-contractor", "eu-central-1", "eu-central-1"],
            ["workbench-partner", "eu-central-1", "eu-central-1"],
            ["workbench-newcomer", "eu-central-1", "eu-central-1"],
            ["workbench-newcomer-eu-west-1", "eu-west-1", "eu-west-1"],
        ]);
    });

    it("names each mistake of an account's regions and an instance's region with the entry", () => {
        const scenario = raw() as any;
        scenario.accounts.research.regions = ["eu-central-1", "Ireland", "eu-central-1"];
        scenario.accounts.contractor.regions = [];
        scenario.accounts.licensing.regions = ["eu-west-1"];
        scenario.instances["alice-cae"].region = "us-east-1";
        scenario.instances["bob-cae"].region = "eu-west";
        scenario.instances["grace-cae"].region = "eu-west-1";
        const problems = scenarioProblems(scenario);
        expect(problems).to.include.members([
            'accounts.research.regions[1] "Ireland" is not a region code, e.g. eu-west-1',
            "accounts.research.regions lists a region twice",
            'accounts.contractor.regions must be a non-empty list of region codes, e.g. ["eu-central-1", "eu-west-1"]',
            "accounts.licensing.regions only applies to workbench accounts (the other stacks deploy to the scenario's region)",
            "instances.alice-cae.region us-east-1 is not a region account engineering runs (eu-central-1, eu-west-1): add it to accounts.engineering.regions or pick one of those",
            'instances.bob-cae.region "eu-west" is not a region code, e.g. eu-west-1',
            "instances.grace-cae.region eu-west-1 is not a region account contractor runs (eu-central-1): add it to accounts.contractor.regions or pick one of those",
        ]);
        // An instance in one of its account's regions is fine.
        scenario.instances["alice-cae"].region = "eu-west-1";
        expect(scenarioProblems(scenario).filter((p: string) => p.startsWith("instances.alice-cae"))).to.deep.equal([]);
    });

    it("delivers a forged event without changing EC2's truth, claiming the region it names", () => {
        const scenario = raw();
        scenario.timeline = [
            { at: 10, instance: "bob-cae", state: "running" },
            { at: 20, instance: "bob-cae", state: "stopped", forged: { region: "us-west-2" } },
        ];
        expect(deliveries(scenario).map((d) => d.forged)).to.deep.equal([undefined, { region: "us-west-2" }]);
        expect(scenarioProblems(scenario).filter((p) => p.includes("forged"))).to.deep.equal([]);
    });

    it("reads scenario times as seconds or m:ss and prints them as mm:ss", () => {
        expect(scenarioSeconds(75)).to.equal(75);
        expect(scenarioSeconds("1:15")).to.equal(75);
        expect(scenarioSeconds("12:05")).to.equal(725);
        expect(scenarioSeconds("1:75")).to.be.NaN;
        expect(scenarioSeconds("soon")).to.be.NaN;
        expect(formatScenarioTime(725)).to.equal("12:05");
    });

    it("delivers in time order, a redelivery repeating its original event's id and time", () => {
        const scenario = raw();
        scenario.timeline = [
            { at: "0:30", instance: "bob-cae", state: "stopped", occurredAt: "0:20" },
            { at: 10, instance: "bob-cae", state: "running", label: "start" },
            { at: 40, redeliver: "start", note: "again" },
        ];
        const list = deliveries(scenario);
        expect(list.map((d) => [d.at, d.state, d.occurredAt, d.redelivery])).to.deep.equal([
            [10, "running", 10, false],
            [30, "stopped", 20, false],
            [40, "running", 10, true],
        ]);
        expect(list[2].eventId).to.equal(list[0].eventId);
        expect([list[0].label, list[2].label]).to.deep.equal(["start", "start"]);
        expect(list[1].eventId).to.not.equal(list[0].eventId);
        expect(deliveries(scenario).map((d) => d.eventId)).to.deep.equal(list.map((d) => d.eventId));
    });

    it("carries an entry's after labels to its delivery (the hub processes those first)", () => {
        const scenario = raw();
        scenario.timeline = [
            { at: 10, instance: "bob-cae", state: "running", label: "bob-start" },
            { at: 20, instance: "alice-cae", state: "stopped", after: ["bob-start"] },
        ];
        expect(deliveries(scenario).map((d) => d.after)).to.deep.equal([undefined, ["bob-start"]]);
        expect(scenarioProblems({ ...scenario, timeline: scenario.timeline }).filter((p) => p.includes("after"))).to.deep.equal([]);
    });

    it("derives stable, valid instance ids unless the scenario gives one", () => {
        const scenario = raw();
        const id = instanceIdOf(scenario, "alice-cae");
        expect(id).to.match(INSTANCE_ID_PATTERN);
        expect(instanceIdOf(raw(), "alice-cae")).to.equal(id);
        expect(instanceIdOf(scenario, "bob-cae")).to.not.equal(id);
        scenario.instances["alice-cae"].instanceId = "i-0123456789abcdef0";
        expect(instanceIdOf(scenario, "alice-cae")).to.equal("i-0123456789abcdef0");
    });

    it("names every mistake in a scenario file", () => {
        const scenario = raw() as any;
        scenario.accounts.contractor.role = "hub";
        scenario.instances["bob-cae"].owner = "nobody";
        scenario.instances["dave-cad"].tags = { x: "y" };
        scenario.catalog.products.matlab.command = ["/bin/true", "{usersFile}"];
        scenario.timeline.push({ at: "9:00", instance: "ghost", state: "running" });
        scenario.timeline.push({ at: "9:00", instance: "bob-cae", state: "rebooting" });
        scenario.timeline.push({ at: "9:00", instance: "bob-cae", state: "running", occurredAt: "9:30" });
        scenario.timeline.push({ at: "9:00", redeliver: "no-such-label" });
        scenario.timeline.push({ at: "9:00", instance: "bob-cae", state: "stopped", lost: true, label: "gone" });
        scenario.timeline.push({ at: "9:10", redeliver: "gone" });
        scenario.timeline.push({ at: "9:20", instance: "bob-cae", state: "stopped", removeTags: "yes" });
        scenario.timeline.push({ at: "9:05", instance: "dave-cad", state: "stopped", after: ["nobody-labelled-this", "gone"] });
        scenario.timeline.push({ at: "9:25", instance: "dave-cad", state: "running", label: "dave-later" });
        scenario.timeline.push({ at: "9:15", instance: "dave-cad", state: "stopped", after: ["dave-later"] });
        scenario.timeline.push({ at: "9:30", instance: "dave-cad", state: "stopped", after: "dave-later" });
        scenario.timeline.push({ at: "9:40", instance: "bob-cae", state: "stopped", forged: { region: "mars", colour: "red" }, lost: true });
        scenario.timeline.push({ at: "9:45", instance: "bob-cae", state: "stopped", forged: "yes" });
        scenario.instances["alice-cae"].expect = { outcome: "healed-by-inventory" };
        scenario.faults.push({ at: "1:00", target: "dynamodb", times: 1 });
        delete scenario.expected.catia;
        scenario.expected.photoshop = ["alice"];
        const problems = scenarioProblems(scenario);
        for (const expected of [
            /accounts\.contractor\.role must be one of/,
            /instances\.bob-cae\.owner "nobody" is not in users/,
            /instances\.dave-cad: give either owner\/type or raw tags/,
            /catalog\.products\.matlab\.command: leave it out/,
            /instance "ghost" is not in instances/,
            /state must be one of pending, running/,
            /occurredAt must be a time at or before its delivery/,
            /redeliver names no earlier label "no-such-label"/,
            /redeliver names a lost event, which was never delivered/,
            /removeTags must be true or false/,
            /after names no label "nobody-labelled-this"/,
            /after names a lost event, which the hub never processes/,
            /after names "dave-later", delivered later/,
            /after must be a list of labels/,
            /forged\.colour is not a field of forged \(use region\)/,
            /forged\.region must be a region name, e.g\. us-west-2/,
            /\.lost: a forged event changes nothing in EC2 and is not delivered again; give no lost/,
            /\.forged must be an object/,
            /instances\.alice-cae\.expect needs stateAtDeployment/,
            new RegExp(`faults\\[${scenario.faults.length - 1}\\]\\.target must be one of ec2, vendor-cli, change-marks`),
            /expected has no list for product catia/,
            /expected\.photoshop is not a product of the catalog/,
        ]) {
            expect(problems.some((p) => expected.test(p)), `${expected} in ${problems.join("\n")}`).to.equal(true);
        }
    });
});

describe("sandbox scenario departures", () => {
    const accounts = { research: { role: "workbench-account", allowedOnHub: true }, contractor: { role: "workbench-account", allowedOnHub: false }, licensing: { role: "license-server" } };

    it("accepts an admitted workbench account leaving at a time, with the seats the watch must release", () => {
        expect(departureProblems([{ at: "3:45", account: "research", note: "a redeploy", expect: { seatsReleased: 1 } }], accounts, scenarioSeconds)).to.deep.equal([]);
        expect(departureProblems(undefined, accounts, scenarioSeconds)).to.deep.equal([]);
    });

    it("names each mistake with the entry and the field", () => {
        expect(
            departureProblems(
                [
                    { at: "0:75", account: "contractor" },
                    { at: 10, account: "licensing", expect: { outcome: "applied" } },
                    { at: 20, account: "research", when: "now" },
                    { at: 30, account: "research", expect: { seatsReleased: -1 } },
                ],
                accounts,
                scenarioSeconds,
            ),
        ).to.deep.equal([
            'departures[0].at must be seconds >= 0 or "m:ss"',
            "departures[0].account must be a workbench account the hub admits (allowedOnHub: true)",
            "departures[1].account must be a workbench account the hub admits (allowedOnHub: true)",
            "departures[1].expect.outcome is not an expectation of this kind of step (use seatsReleased)",
            "departures[2].when is not a field of a departure (use at, account, note, expect)",
            "departures[3].account research departs twice",
            "departures[3].expect.seatsReleased must be a whole number >= 0",
        ]);
        expect(departureProblems({}, accounts, scenarioSeconds)).to.deep.equal(["departures must be an array"]);
    });
});
