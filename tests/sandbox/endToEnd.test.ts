import { expect } from "chai";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runSandbox, SandboxResult } from "../../sandbox/sandbox";
import { Scenario, deliveries, instanceIdOf, scenarioSeconds } from "../../sandbox/world/scenario";
import { DEFAULT_SCENARIO_FILE } from "../../sandbox/world/scenarioFile";
import { SANDBOX_DEPLOYMENT_ROLE_NAME } from "../../sandbox/world/stackConfiguration";
import type { SandboxEvent } from "../../sandbox/runtime/events";
import { fireStateChange } from "../../sandbox/fire";
import { parseCsvObjects } from "../../sandbox/story/csvRead";
import { detailOf } from "../../sandbox/story/outcomes";

/**
 * A whole sandbox run takes about 20 s on a quiet machine and took 57 s at load average 20; the timeout only guards
 * against a hang (the sandbox holds its steps in order however slow the machine is).
 */
const SANDBOX_RUN_HANG_GUARD_MS = 600_000;

/** The scenario file as written, read independently of the sandbox's loader. */
const scenario = JSON.parse(fs.readFileSync(DEFAULT_SCENARIO_FILE, "utf8")) as Scenario;

describe("npm start: the default scenario, end to end", function () {
    this.timeout(SANDBOX_RUN_HANG_GUARD_MS);
    let outDir: string;
    let result: SandboxResult;
    const events: SandboxEvent[] = [];

    before(async () => {
        outDir = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-e2e-"));
        // Verbose: every line of the story is in the log, the routine ones too.
        result = await runSandbox({ outDir, output: null, verbose: true, onEvent: (e) => events.push(e) });
    });
    after(() => fs.rmSync(outDir, { recursive: true, force: true }));

    it("ends with exactly the expected named-user list on each product's license server", () => {
        expect(result.settled, "the last syncs succeeded after the last change").to.equal(true);
        const expected = Object.fromEntries(Object.entries(scenario.expected).map(([product, users]) => [product, [...users].sort()]));
        expect(result.lists).to.deep.equal(expected);
        // The files themselves, as the fake vendor CLI wrote them.
        for (const [product, users] of Object.entries(expected)) {
            expect(fs.readFileSync(path.join(outDir, "license-server", `${product}.users`), "utf8")).to.equal(users.map((u) => `${u}\n`).join(""));
        }
        expect(result.ok).to.equal(true);
    });

    it("checks what every step of the scenario promises against what happened to it, and every promise holds", () => {
        const promised = [...scenario.timeline, ...(scenario.faults ?? []), ...Object.values(scenario.instances), ...(scenario.attempts ?? []), ...(scenario.departures ?? []), ...(scenario.moves ?? [])].filter((step) => step.expect !== undefined).length;
        // Each listed seat event for people, and one for the seat events nobody listed.
        const seatEvents = scenario.seatEvents!.length + 1;
        expect(result.expectations).to.have.length(promised + seatEvents);
        expect(result.expectations.filter((e) => e.step.startsWith("seat event ")).map((e) => e.step)).to.deep.equal([
            "seat event Seat Denied carol simulink",
            "seat event Seat Granted carol simulink",
            "seat event Seat Denied ivan simulink",
        ]);
        expect(result.expectations.filter((e) => !e.ok)).to.deep.equal([]);
        expect(result.harnessErrors).to.deep.equal([]);
        // The throttling fault went to the invocations that consumed it: ivan's first two forwarder attempts.
        const fault = result.expectations.find((e) => e.step.includes("fault ec2"))!;
        expect(fault.consumers).to.equal("ivan-cae attempt 1 x3, ivan-cae attempt 2 x3");
        // The timeline is kept in the run's own log, as printed.
        expect(fs.readFileSync(result.logFile, "utf8")).to.contain("Expectations: what the scenario's steps promise");
    });

    it("tells the story in scenario order with real values: timeline times never go back, each EC2 step at its own time, no undefined", () => {
        const log = fs.readFileSync(result.logFile, "utf8");
        expect(log).not.to.match(/undefined/);
        const timeline = log.slice(log.indexOf("Timeline ("), log.indexOf("\nUsage reports"));
        const times = [...timeline.matchAll(/^t=(\d\d):(\d\d) /gm)].map((m) => Number(m[1]) * 60 + Number(m[2]));
        expect(times.length).to.be.greaterThan(50);
        const backwards = times.flatMap((t, i) => (i > 0 && t < times[i - 1] ? [`${times[i - 1]} s then ${t} s`] : []));
        expect(backwards, "timeline lines out of scenario order").to.deep.equal([]);
        // The clock is held at each step until it starts: every delivered EC2 event is printed at its scenario time.
        // A forged delivery (what a retargeted rule would deliver) is printed as such, never as EC2's.
        const ec2Lines = [...timeline.matchAll(/^t=(\d\d):(\d\d) +\S+ +(EC2|FORGED \(a retargeted rule's Input, not EC2\):) (\S+) \(i-[0-9a-f]+\) (\S+)/gm)].map(
            (m) => `${Number(m[1]) * 60 + Number(m[2])} ${m[4]} ${m[5]}${m[3] === "EC2" ? "" : " forged"}`,
        );
        const delivered = deliveries(scenario)
            .filter((d) => !d.lost)
            .map((d) => `${d.at} ${d.instance} ${d.state}${d.forged ? " forged" : ""}`);
        expect(delivered.filter((d) => d.endsWith(" forged"))).to.have.length.at.least(2);
        expect(ec2Lines).to.deep.equal(delivered);
        // The latency line names its clock.
        expect(log).to.match(/event -> license server: median \d+\.\d s wall clock over \d+ starts; on the scenario clock \(60x\)/);
    });

    it("keeps refused and dropped events away from the license servers", () => {
        const everyone = new Set(Object.values(result.lists).flat());
        const refusedAt = (instance: string) => result.refused.filter((r) => r.instanceId === instanceIdOf(scenario, instance)).map((r) => r.stage);
        expect(refusedAt("mallory-box")).to.deep.equal(["forwarder"]);
        expect(refusedAt("grace-cae")).to.deep.equal(["delivery"]);
        expect(refusedAt("heidi-render")).to.deep.equal(["hub"]);
        for (const user of ["mallory; rm -rf /", "mallory", "grace", "heidi"]) expect(everyone.has(user), user).to.equal(false);
        // erin's start arrived after her stop: no seat, whatever the order of delivery.
        expect(everyone.has("erin")).to.equal(false);
        // The forwarder's refusal set off its account's alarm, on the metric as the forwarder emitted it.
        const rejected = result.raisedAlarms.find((a) => a.name === "workbench-rejected-events");
        expect(rejected, "the forwarder's rejected-events alarm went off").to.deep.include({ accountId: scenario.accounts.engineering.accountId, metricName: "WorkbenchEventsRejected", value: 1 });
        expect(rejected!.actions, "and told someone").to.have.length.above(0);
    });

    it("stops every forgery and re-tag from inside an admitted account, counts them, and no forged seat reaches a license server", () => {
        const attempts = (scenario.attempts ?? []).filter((a) => a.principal !== SANDBOX_DEPLOYMENT_ROLE_NAME);
        const forgeries = result.attempts.filter((a) => !a.byDeploymentRole);
        expect(attempts.length).to.be.at.least(5);
        expect(forgeries.map((a) => a.outcome)).to.deep.equal(attempts.map((a) => a.expect!.outcome));
        // Each kind of stop is shown: the workbench bus, the default bus (no rule), EventBridge, the hub bus, the SCP.
        expect(new Set(forgeries.map((a) => a.outcome))).to.have.keys("refused-by-workbench-bus", "no-rule", "refused-by-eventbridge", "refused-by-hub-bus", "refused-by-guardrails");
        expect(events.filter((e) => e.kind === "attempt")).to.have.length(result.attempts.length);
        const everyone = new Set(Object.values(result.lists).flat());
        expect(everyone.has("ceo")).to.equal(false);
        // The forged early stop of alice's workbench and the re-tag of bob's changed nothing.
        expect(result.lists.matlab).to.include.members(["alice", "bob"]);
        expect(result.lists.simulink).to.include("bob");
        // The DeleteTags naming no key (every tag of bob's running workbench) was refused by the SCP's Null condition.
        const deleteAll = forgeries.filter((a, i) => attempts[i].kind === "delete-tags");
        expect(deleteAll.map((a) => a.outcome)).to.deep.equal(["refused-by-guardrails"]);
        expect(fs.readFileSync(result.logFile, "utf8")).to.contain(`forgery attempts ${attempts.length}: stopped ${attempts.length} (`).and.match(/, got through 0/);
    });

    it("names exactly the silenced account-region once the deployment role disabled its inventory schedule, and the other account keeps sending", () => {
        const disabled = (scenario.attempts ?? []).filter((a) => a.principal === SANDBOX_DEPLOYMENT_ROLE_NAME && a.kind === "disable-rule");
        expect(disabled.map((a) => a.account)).to.deep.equal(["research"]);
        expect(result.attempts.filter((a) => a.byDeploymentRole).map((a) => a.outcome)).to.deep.equal(["rule-changed"]);
        // The alarm's contributors among the watch's datapoints from the disabling on: research only, engineering kept sending.
        const named = result.expectations.find((e) => e.step.includes(`role/${SANDBOX_DEPLOYMENT_ROLE_NAME} disables rule`));
        expect(named, "the disabling's expectation was checked").to.not.equal(undefined);
        expect(named!.observed).to.equal("outcome rule-changed, silenceNamed research/eu-central-1");
        expect(named!.ok).to.equal(true);
        expect(fs.readFileSync(result.logFile, "utf8")).to.match(/changes by the deployment role 1: rule-changed 1/);
    });

    it("releases the seats of an account moved out of the workbench OU: its stack instance removed, its running workbench's user on no list", () => {
        expect(scenario.moves?.filter((m) => m.to === "quarantine").map((m) => m.account)).to.deep.equal(["partner"]);
        const departed = result.expectations.find((e) => e.step.includes("partner moves to quarantine"));
        expect(departed?.observed).to.equal("seatsReleased 1");
        expect(departed!.ok).to.equal(true);
        // mike-ds never stops: only the move out takes his matlab seat away, through the watch's membership read.
        expect(Object.values(result.lists).flat()).to.not.include("mike");
        const movedAt = scenarioSeconds(scenario.moves!.find((m) => m.account === "partner")!.at);
        // Its inventory's schedule fired while its account was in the OU and never after (the clock stands at the move
        // while the stand-in removes the instance); an inventory still running then may finish later, as in AWS.
        const partnerTicks = events.filter((e): e is Extract<SandboxEvent, { kind: "schedule" }> => e.kind === "schedule" && e.rule.accountId === "666666666666");
        expect(partnerTicks.length, "the partner's inventory ticked while its account was in the OU").to.be.greaterThan(0);
        expect(partnerTicks.filter((e) => e.at > movedAt).map((e) => e.at), "and stopped with its stack instance").to.deep.equal([]);
    });

    it("covers an account that joins the workbench OU mid-run with no step by hand: the StackSet's forwarder, the hub's admission, the seat", () => {
        const joined = scenario.moves!.find((m) => m.account === "newcomer")!;
        const joinedAt = scenarioSeconds(joined.at);
        expect(result.expectations.find((e) => e.step.includes("newcomer moves to workbenches"))).to.deep.include({ ok: true, observed: "forwarderRegions eu-central-1, eu-west-1" });
        expect(result.expectations.find((e) => e.step.includes("olga-ds running"))).to.deep.include({ ok: true, observed: "outcome applied, forwarded started, seatsAdded 1" });
        expect(result.lists.matlab).to.include("olga");
        // Nothing of the newcomer's ran before it joined; its forwarder and inventory run after, the inventory on its schedule only.
        const newcomer = events.filter((e): e is Extract<SandboxEvent, { kind: "invocation" }> => e.kind === "invocation" && e.fn.accountId === "777777777777");
        expect(newcomer.every((e) => e.at >= joinedAt)).to.equal(true);
        expect(new Set(newcomer.map((e) => e.fn.handler))).to.deep.equal(new Set(["workbench-forwarder", "workbench-inventory"]));
        expect(newcomer.filter((e) => e.trigger === "deployment")).to.deep.equal([]);
        expect(result.refused.filter((r) => r.reason.includes("777777777777:role/"))).to.deep.equal([]);
    });

    it("recovers from the injected faults the way AWS does", () => {
        // EC2 throttled the forwarder through its SDK attempts: Lambda retried the event until it went through.
        const retries = events.filter((e): e is Extract<SandboxEvent, { kind: "async-retry" }> => e.kind === "async-retry");
        expect(retries.length).to.be.at.least(1);
        expect(new Set(retries.map((e) => e.fn.handler))).to.deep.equal(new Set(["workbench-forwarder"]));
        // The busy license server failed one install: that sync failed (its event goes to the sync's on-failure queue,
        // as the sync makes no retries), and a later sync succeeded. No other event was given up on.
        expect(result.counts.commandsFailed).to.equal(1);
        expect(result.onFailure.map((f) => f.function)).to.deep.equal(["hub-sync"]);
        const failedSync = events.findIndex((e) => e.kind === "invocation" && e.fn.handler === "hub-sync" && !e.result.ok);
        expect(failedSync).to.be.at.least(0);
        expect(events.slice(failedSync + 1).some((e) => e.kind === "invocation" && e.fn.handler === "hub-sync" && e.result.ok)).to.equal(true);
    });

    it("writes the analytics report from the seat ledger the run recorded: every product, the simulink denials, the HTML page", () => {
        const analytics = result.analytics!;
        expect(fs.existsSync(analytics.htmlPath)).to.equal(true);
        expect(analytics.totals.map((t) => t.product)).to.deep.equal(Object.keys(scenario.catalog.products).sort());
        const simulink = analytics.totals.find((t) => t.product === "simulink")!;
        // Ivan waits for simulink to the end. Carol (the third user at 1:10) is recorded too when the ledger's batch
        // runs while her wait lasts: a denial is a shortfall the ledger observed, as the sync's SeatDenials metric is.
        expect(simulink.seatsOwned).to.equal(scenario.catalog.products.simulink.seats);
        expect(simulink.peakSeats).to.be.greaterThan(simulink.seatsOwned!);
        const denied = analytics.denialEvents.map((d) => `${d.product}/${d.user_id}`);
        expect(denied).to.include("simulink/ivan");
        expect(denied.every((d) => d === "simulink/ivan" || d === "simulink/carol"), denied.join(", ")).to.equal(true);
        expect(simulink.denials).to.equal(denied.length);
        for (const t of analytics.totals) expect(t.seatHours, t.product).to.be.greaterThan(0);
        expect(analytics.latencies.length).to.be.greaterThan(0);
    });

    it("leaves the user beyond simulink's two seats out, and reports him as denied", () => {
        expect(result.denials).to.deep.equal({ simulink: ["ivan"] });
        expect(result.lists.matlab).to.include("ivan");
    });

    it("drove every hop from the deployed wiring: EC2 rule, forwarding, hub rule, stream filter, schedule, Run Command", () => {
        const kinds = new Set(events.map((e) => e.kind));
        for (const kind of ["ec2-event", "no-rule", "delivery-failed", "invocation", "stream-batch", "schedule", "license-server", "seats"]) {
            expect(kinds.has(kind as SandboxEvent["kind"]), kind).to.equal(true);
        }
        const handlers = new Set(events.flatMap((e) => (e.kind === "invocation" ? [e.fn.handler] : [])));
        expect([...handlers].sort()).to.deep.equal(["hub-assignment", "hub-change-marker", "hub-inventory-watch", "hub-ledger", "hub-seat-events", "hub-sync", "license-usage-report", "license-utilisation-checker", "workbench-forwarder", "workbench-inventory"]);
    });

    it("heals what no event told the hub: an instance running before deployment, a lost stop; a stop without tags releases", () => {
        const check = (step: RegExp) => result.expectations.find((e) => step.test(e.step));
        expect(check(/^before deployment: judy-ds running$/)).to.deep.include({ ok: true, observed: "outcome healed-by-inventory, seatsAdded 1" });
        expect(check(/leo-ds stopped \(event lost\)$/)).to.deep.include({ ok: true, observed: "outcome healed-by-inventory, seatsReleased 1" });
        expect(check(/kim-cad stopped$/)).to.deep.include({ ok: true, observed: "outcome applied, seatsReleased 1" });
        expect(result.lists.matlab).to.include("judy").and.not.include("leo");
        expect(result.lists.catia).to.not.include("kim");
    });

    it("runs each workbench account's inventory at deployment, before the timeline, and then on its schedule", () => {
        const inventories = events.filter((e): e is Extract<SandboxEvent, { kind: "invocation" }> => e.kind === "invocation" && e.fn.handler === "workbench-inventory");
        const atDeployment = inventories.filter((e) => e.trigger === "deployment");
        expect(atDeployment.map((e) => `${e.fn.accountId}/${e.fn.region}`).sort()).to.deep.equal([
            "111111111111/eu-central-1",
            "111111111111/eu-west-1",
            "333333333333/eu-central-1",
            "444444444444/eu-central-1",
            "666666666666/eu-central-1",
        ]);
        for (const e of atDeployment) expect(e.result.ok, e.fn.accountId).to.equal(true);
        const firstEc2Event = events.findIndex((e) => e.kind === "ec2-event");
        expect(events.findIndex((e) => e === atDeployment[atDeployment.length - 1])).to.be.below(firstEc2Event);
        expect(inventories.filter((e) => e.trigger === "event").length, "scheduled inventories").to.be.at.least(3);
        // Every snapshot of the admitted accounts reached the hub and was reconciled, or found stale because a later
        // one of its account-region was reconciled first (inventories may overlap on a slow machine, as in AWS); none
        // was lost or left in flight. Schedules tick on scenario time: a held clock fires no extra inventories.
        const { laterReconciled, alreadyReconciled } = result.counts.snapshotsStale;
        // Snapshots the hub bus refused, by the sending role's account: the contractor's always, the partner's once it left the admitted set.
        const refusedSnapshots = (accountId: string) => result.refused.filter((r) => r.stage === "delivery" && r.instanceId === undefined && r.reason.includes(`${accountId}:role/`)).length;
        const admittedSent = inventories.filter((e) => e.result.ok && e.fn.accountId !== "444444444444").length - refusedSnapshots("666666666666");
        expect(result.counts.snapshotsReconciled + laterReconciled + alreadyReconciled, "reconciled + stale").to.equal(admittedSent);
        expect(result.counts.snapshotsReconciled).to.be.at.least(admittedSent / 2);
        const atOneInstant = new Map<string, number>();
        for (const e of inventories.filter((i) => i.trigger === "event")) atOneInstant.set(`${e.fn.arn}@${e.at}`, (atOneInstant.get(`${e.fn.arn}@${e.at}`) ?? 0) + 1);
        expect([...atOneInstant].filter(([, n]) => n > 1), "one account's scheduled inventories at one scenario instant").to.deep.equal([]);
        expect(refusedSnapshots("444444444444")).to.equal(inventories.filter((e) => e.fn.accountId === "444444444444").length);
        const departedAt = scenarioSeconds(scenario.moves!.find((m) => m.account === "partner")!.at);
        expect(result.refused.filter((r) => r.reason.includes("666666666666:role/")).every((r) => r.at >= departedAt), "the partner refused only after it left").to.equal(true);
        expect(result.refused.filter((r) => r.stage === "delivery" && r.instanceId === undefined).length).to.equal(refusedSnapshots("444444444444") + refusedSnapshots("666666666666"));
    });

    it("plays engineering in two regions: each region's forwarder reads its own EC2 and forwards to the one hub bus, the envelope keeping its region", () => {
        const invocations = events.filter((e): e is Extract<SandboxEvent, { kind: "invocation" }> => e.kind === "invocation");
        const nina = instanceIdOf(scenario, "nina-ds");
        const engineering = scenario.accounts.engineering.accountId;
        // The forwarder of eu-west-1, as its own regional role, saw nina's start and stop.
        const forwarded = invocations.filter((e) => e.fn.handler === "workbench-forwarder" && (e.event as { detail?: Record<string, unknown> }).detail?.["instance-id"] === nina);
        expect(forwarded.map((e) => [e.fn.region, e.fn.roleArn.split("/").pop(), (e.result.result as { outcome?: string }).outcome])).to.deep.equal([
            ["eu-west-1", "license-ops-workbench-forwarder-eu-west-1", "forwarded"],
            ["eu-west-1", "license-ops-workbench-forwarder-eu-west-1", "forwarded"],
        ]);
        // Across regions to the hub bus in eu-central-1, put there by the region's forwarding role.
        const crossings = events.filter((e): e is Extract<SandboxEvent, { kind: "cross-account" }> => e.kind === "cross-account" && e.event.detail["instance-id"] === nina);
        expect(crossings.map((e) => [e.rule.region, e.target.roleArn?.split("/").pop(), e.target.arn.split(":")[3]])).to.deep.equal([
            ["eu-west-1", "license-ops-workbench-to-hub-eu-west-1", "eu-central-1"],
            ["eu-west-1", "license-ops-workbench-to-hub-eu-west-1", "eu-central-1"],
        ]);
        // The hub in eu-central-1 received them with the envelope EventBridge stamped in eu-west-1, which its origin check compares with the detail.
        const assigned = invocations.filter((e) => e.fn.handler === "hub-assignment" && (e.event as { detail?: Record<string, unknown> }).detail?.["instance-id"] === nina);
        expect(assigned.map((e) => [e.fn.region, (e.event as { account: string; region: string }).account, (e.event as { region: string }).region, (e.event as { detail: { region: string } }).detail.region])).to.deep.equal([
            ["eu-central-1", engineering, "eu-west-1", "eu-west-1"],
            ["eu-central-1", engineering, "eu-west-1", "eu-west-1"],
        ]);
        // Each region's inventory lists its own instances only, and the hub reconciles it as that account-region.
        const snapshots = invocations.filter((e) => e.fn.handler === "hub-assignment" && (e.event as { account?: string }).account === engineering && detailOf(e.event)["snapshot-id"] !== undefined);
        for (const region of ["eu-central-1", "eu-west-1"]) {
            const ofRegion = snapshots.filter((e) => (e.event as { region: string }).region === region);
            expect(ofRegion.length, `snapshots of engineering/${region}`).to.be.at.least(3);
            for (const e of ofRegion) {
                const listed = ((detailOf(e.event).instances ?? []) as Array<{ "instance-id": string }>).map((i) => i["instance-id"]);
                expect(detailOf(e.event).region, region).to.equal(region);
                expect(listed.includes(nina), `engineering/${region} lists nina-ds`).to.equal(region === "eu-west-1");
            }
        }
        const check = (step: RegExp) => result.expectations.find((e) => step.test(e.step));
        expect(check(/nina-ds running$/)).to.deep.include({ ok: true, observed: "outcome applied, forwarded started, seatsAdded 1" });
        expect(check(/nina-ds stopped$/)).to.deep.include({ ok: true, observed: "outcome applied, forwarded stopped, seatsReleased 1" });
        expect(Object.values(result.lists).flat()).not.to.include("nina");
        // The silence watch expects every admitted account-region heard from: both of engineering's, research's and both of
        // the newcomer's (the partner left).
        const watches = invocations.filter((e) => e.fn.handler === "hub-inventory-watch" && e.result.ok);
        expect((watches[watches.length - 1].result.result as { expected: number }).expected).to.equal(5);
        // The timeline line names the account-region.
        expect(fs.readFileSync(result.logFile, "utf8")).to.match(/t=00:47 {2}engineering\/eu-west-1 EC2 nina-ds \(i-[0-9a-f]+\) running/);
    });

    it("writes a complete usage report: a summary row per configuration, every seeded usage row, a manifest listing every file", () => {
        const { files, manifestKeys } = result.reports;
        expect(manifestKeys).to.have.length(1);
        expect(manifestKeys[0]).to.match(/^license-usage\/\d{4}\/\d{2}\/\d{2}\/\d{8}T\d{6}\.\d{3}Z\/manifest\.json$/);
        const folder = manifestKeys[0].slice(0, -"manifest.json".length);
        const manifest = JSON.parse(files[manifestKeys[0]]) as { files: Array<{ key: string; kind: string }>; configurations: { total: number; failed: number } };

        const seeded = result.licenseManager;
        expect(seeded.length).to.equal(Object.keys(scenario.licenses).length + (scenario.trackedLicenseConfigurations ?? []).length);
        expect(manifest.configurations).to.include({ total: seeded.length, failed: 0 });
        const inRun = Object.keys(files).filter((key) => key.startsWith(folder) && key !== manifestKeys[0]);
        expect(manifest.files.map((f) => f.key).sort()).to.deep.equal(inRun.sort());

        const summary = parseCsvObjects(files[`${folder}summary.csv`]);
        expect(summary.map((row) => row.license_configuration_arn).sort()).to.deep.equal(seeded.map((s) => s.configuration.LicenseConfigurationArn).sort());
        for (const { configuration, usage } of seeded) {
            const row = summary.find((r) => r.license_configuration_arn === configuration.LicenseConfigurationArn)!;
            expect(row.status, configuration.Name).to.equal("AVAILABLE");
            expect(Number(row.usage_rows), configuration.Name).to.equal(usage.length);
            const usageRows = parseCsvObjects(files[row.usage_file]);
            expect(usageRows.map((u) => u.resource_arn).sort(), configuration.Name).to.deep.equal(usage.map((u) => u.ResourceArn).sort());
        }
        expect(result.reportProblems).to.deep.equal([]);
    });

    it("alerts once on the license at or above the utilisation threshold", () => {
        expect(result.alerts).to.have.length(1);
        expect(result.alerts[0].Message).to.contain("oracle-database");
        expect(result.alerts[0].Message).to.not.contain("windows-server");
    });

    it("lists the received licenses with their usage, and the one expiring within 30 days sets off its alarm to the alert topic", () => {
        const key = Object.keys(result.reports.files).find((k) => k.endsWith("received-licenses.csv"))!;
        const rows = parseCsvObjects(result.reports.files[key]);
        expect(rows.map((r) => [r.product_name, r.entitlement_consumed, r.entitlement_max_count, r.expiry_status])).to.deep.equal([
            ["CAE Solver Suite", "18", "25", "expiring-soon"],
            ["Geometry Kernel SDK", "40", "64", "valid"],
        ]);
        const expiry = result.raisedAlarms.find((a) => a.metricName === "ReceivedLicensesExpiringSoon");
        expect(expiry, "the expiry alarm went off").to.deep.include({ name: "usage-received-license-expiry", value: 1 });
        expect(expiry!.actions.map((a) => a.split(":").pop())).to.deep.equal(["licenses-alerts"]);
    });
});

describe("npm start: a scenario step whose expectation does not hold", function () {
    this.timeout(SANDBOX_RUN_HANG_GUARD_MS);

    it("is reported MISSED with what was observed, and the run exits non-zero; the order the timeline promises is kept", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-missed-"));
        try {
            const broken: Scenario = {
                ...scenario,
                description: "a broken expectation",
                instances: { "bob-cae": scenario.instances["bob-cae"] },
                timeline: [
                    { at: 5, instance: "bob-cae", state: "running", expect: { outcome: "applied", seatsAdded: 2 } },
                    { at: 10, instance: "bob-cae", state: "pending", note: "deliberately wrong: pending matches no rule", expect: { outcome: "applied" } },
                    // Delivered in the same instant: the start is held until the stop was processed; its forwarder asks EC2,
                    // which says stopped, and forwards that.
                    { at: 20, instance: "bob-cae", state: "stopped", occurredAt: 19, expect: { outcome: "applied", seatsReleased: 2 } },
                    { at: 20, instance: "bob-cae", state: "running", occurredAt: 17, note: "the start, delivered late", expect: { outcome: "applied", forwarded: "stopped", seatsAdded: 0 } },
                ],
                faults: [],
                attempts: [],
                seatEvents: undefined,
                departures: undefined,
                moves: undefined,
                expected: { matlab: [], simulink: [], catia: [] },
            };
            const file = path.join(dir, "broken.json");
            fs.writeFileSync(file, JSON.stringify(broken));
            const main = path.resolve(__dirname, "../../sandbox/main.ts");
            const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
                const child = execFile(process.execPath, ["--import", "tsx", main, "--scenario", file, "--out", path.join(dir, "out")], { timeout: SANDBOX_RUN_HANG_GUARD_MS - 10_000 }, (_err, out) => resolve({ code: child.exitCode, stdout: out }));
            });
            expect(stdout).to.match(/ok {5}t=00:05 bob-cae running: outcome applied, seatsAdded 2/);
            expect(stdout).to.match(/MISSED t=00:10 bob-cae pending: outcome applied \(observed: outcome no-rule\)/);
            expect(stdout).to.match(/ok {5}t=00:20 bob-cae stopped: outcome applied, seatsReleased 2/);
            expect(stdout).to.match(/ok {5}t=00:20 bob-cae running: outcome applied, forwarded stopped, seatsAdded 0/);
            expect(stdout).to.contain("expectations 4: ok 3, MISSED 1");
            // The lists themselves are right: only the broken promise fails the run.
            expect(stdout).to.match(/ok {3}matlab {7}\(empty\)/);
            expect(code).to.equal(1);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("npm start -- --keep-running, and a state change fired by hand", function () {
    this.timeout(SANDBOX_RUN_HANG_GUARD_MS);
    const abort = new AbortController();
    // Stops the sandbox even when the test fails or times out, so nothing keeps running after the suite.
    after(() => abort.abort());

    it("takes a hand-fired start through the whole chain to the license server, then stops on abort", async () => {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-fire-"));
        const small: Scenario = {
            ...scenario,
            description: "one start",
            instances: { "bob-cae": scenario.instances["bob-cae"] },
            timeline: [{ at: 5, instance: "bob-cae", state: "running" }],
            faults: [],
            attempts: [],
            seatEvents: undefined,
            departures: undefined,
            moves: undefined,
            expected: { matlab: ["bob"], simulink: ["bob"], catia: [] },
        };
        let fired: Promise<unknown> | undefined;
        let sawKate = false;
        const run = runSandbox({
            scenario: small,
            outDir,
            output: null,
            keepRunning: true,
            signal: abort.signal,
            onEvent: (event) => {
                if (event.kind === "control-ready") {
                    fired = fireStateChange(event.endpoint, { account: "research", instance: "i-0123456789abcdef0", owner: "kate", type: "cad", state: "running" });
                }
                if (event.kind === "license-server" && event.product === "catia" && event.users?.includes("kate")) {
                    sawKate = true;
                    abort.abort();
                }
            },
        });
        try {
            const result = await run;
            expect(await fired).to.include({ instanceId: "i-0123456789abcdef0", accountId: scenario.accounts.research.accountId });
            expect(sawKate).to.equal(true);
            expect(fs.readFileSync(path.join(outDir, "license-server", "catia.users"), "utf8")).to.equal("kate\n");
            expect(JSON.parse(fs.readFileSync(path.join(outDir, "endpoints.json"), "utf8"))).to.have.keys("control", "dynamodb", "s3", "licenseManager", "sns", "accounts");
            expect(result.ok).to.equal(true);
        } finally {
            fs.rmSync(outDir, { recursive: true, force: true });
        }
    });
});
