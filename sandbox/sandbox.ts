/**
 * `runSandbox`: the whole license system on one machine, in five phases (run/): deploy (the stacks' programs under
 * Pulumi mocks, one stack per account, with the sandbox's configuration), start (the local AWS stand-ins with the
 * world the scenario describes, the deployed bundles in local Lambda containers, wired by the same rules, targets,
 * stream filters and schedules the components declare; license servers run the hub's SSM document with a fake
 * vendor CLI), play the scenario (its EC2 state changes, faults and attacks on a scaled clock), settle (until the
 * syncs saw every change), and report (the usage report and utilisation check at the end, the license servers'
 * lists against the scenario's expectation, every step's expectation, the analytics report).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ScaledClock, WorkTracker } from "./runtime/clock";
import { EventHub } from "./runtime/events";
import { DEFAULT_OUT_DIR, OutDirLock, lockOutDir } from "./runtime/outDir";
import type { ControlServer } from "./runtime/control";
import { writeVendorCli } from "./world/licenseServers";
import { Scenario, deliveries, scenarioSeconds } from "./world/scenario";
import { organizationModel } from "./world/organization";
import { loadScenario, scenarioProblems } from "./world/scenarioFile";
import { Ec2Truth } from "./world/ec2Truth";
import { RunTally } from "./story/tally";
import { Story } from "./story/story";
import { SeatEventLog } from "./story/seatEvents";
import type { Output } from "./story/reporter";
import { LatencyCollector } from "./story/analytics/latency";
import { scenarioWorkbench } from "./story/analytics/sandboxReport";
import { RunContext, RunTimers } from "./run/context";
import { DEFAULT_SPEED, SandboxOptions } from "./run/options";
import type { SandboxResult } from "./run/result";
import { deploy } from "./run/deploy";
import { LocalSystem, Started, startSystem } from "./run/start";
import { HubDepartures, planRedeploys } from "./run/departures";
import { Schedules, disabledByRuleChange } from "./run/schedules";
import { StackSetsStandin } from "./run/stackSets";
import { ScenarioPlayer } from "./run/play";
import { Settler } from "./run/settle";
import { report } from "./run/report";
import { keepRunning } from "./run/keepRunning";

export { DEFAULT_OUT_DIR, DEFAULT_SPEED };
export { SandboxAborted } from "./run/context";
export type { SandboxOptions, SandboxResult };
export type { SandboxCounts } from "./story/tally";

/** Real milliseconds the shutdown waits for work in flight (a retry waiting for its delay is not waited for). */
const SHUTDOWN_DRAIN_MS = 3000;

/** Runs a scenario end to end and returns what happened. */
export async function runSandbox(options: SandboxOptions = {}): Promise<SandboxResult> {
    const sandbox = new Sandbox(options);
    try {
        return await sandbox.run();
    } finally {
        await sandbox.close();
    }
}

class Sandbox {
    private readonly context: RunContext;
    private readonly latency: LatencyCollector;
    private lock?: OutDirLock;
    /** What close() stops, as far as the run got. */
    private readonly started: Started & { control?: ControlServer } = {};
    private schedules?: Schedules;

    constructor(private readonly options: SandboxOptions) {
        const scenario = typeof options.scenario === "object" ? validScenario(options.scenario) : loadScenario(options.scenario);
        const speed = options.speed ?? DEFAULT_SPEED;
        if (!(speed > 0 && speed <= 10_000)) throw new Error(`speed must be a number above 0 and at most 10000 (got ${options.speed})`);
        const output = options.output === null ? () => undefined : (options.output ?? ((line: string) => console.log(line)));
        const out: Output = (line) => {
            output(line);
            this.lock?.log(line);
        };
        this.context = {
            scenario,
            options,
            speed,
            outDir: path.resolve(options.outDir ?? DEFAULT_OUT_DIR),
            out,
            clock: new ScaledClock(speed, Math.max(...deliveries(scenario).map((d) => d.at))),
            hub: new EventHub(),
            work: new WorkTracker(),
            story: new Story(),
            seatEvents: new SeatEventLog(),
            tally: new RunTally(),
            ec2Truth: new Ec2Truth(),
            timers: new RunTimers(options.signal),
            organization: organizationModel(scenario, scenarioSeconds),
        };
        const { hub, tally, story } = this.context;
        this.latency = new LatencyCollector((instance) => scenarioWorkbench(scenario, instance));
        if (options.onEvent) hub.on(options.onEvent);
        hub.on((event) => tally.onEvent(event));
        hub.on(story.onEvent);
        hub.on(this.context.seatEvents.onEvent);
        hub.on(this.latency.onEvent);
    }

    /** The phases: deploy, start, play the scenario, settle, report (and, with keepRunning, stay up). */
    async run(): Promise<SandboxResult> {
        const run = this.context;
        const startedMs = Date.now();
        this.prepareOutDir();
        run.out(`License sandbox: ${run.scenario.description}`);
        const listsDir = path.join(run.outDir, "license-server");

        const vendorCli = writeVendorCli(listsDir);
        const deployed = await deploy(run, vendorCli);
        const departures = new HubDepartures(run, await planRedeploys(run.scenario, vendorCli));
        run.timers.abortIfRequested();
        const system: LocalSystem = await startSystem(run, deployed, listsDir, this.started);
        // A rule stops ticking once disabled, or once its stack instance is removed (the StackSets stand-in).
        const schedules = (this.schedules = new Schedules(run, system.deployment, system.router, (rule) =>
            disabledByRuleChange(system.services.in(rule.accountId, rule.region).eventBridge.ruleChanges, rule) || !system.deployment.rules.includes(rule),
        ));
        const stackSets = new StackSetsStandin(run, system, schedules, deployed.pending);
        const settler = new Settler(run, schedules, system.hubView, system.reporter);
        const player = new ScenarioPlayer(run, system, departures, stackSets);
        await player.runDeploymentInvocations();

        run.out("");
        run.out(`Timeline (scenario time; ${run.speed}x):`);
        run.clock.start();
        schedules.start();
        await player.play();
        const settled = await settler.settle();
        schedules.stop();
        await schedules.runAtEnd();

        const result = await report(run, system, { departures, stackSets, settled, logFile: this.lock!.logFile, latency: this.latency, startedMs });
        if (this.options.keepRunning) await keepRunning(run, system, schedules, this.started);
        return result;
    }

    /**
     * Shuts everything down: no new ticks, then a short wait for work in flight (so no request reaches a service
     * that is already closed), then the Lambda containers, then the services.
     */
    async close(): Promise<void> {
        const { services, runtime, control } = this.started;
        this.schedules?.stop();
        this.context.timers.clearAll();
        await control?.close().catch(() => undefined);
        let drained: NodeJS.Timeout | undefined;
        await Promise.race([this.context.work.idle(), new Promise<void>((resolve) => (drained = setTimeout(resolve, SHUTDOWN_DRAIN_MS)))]);
        clearTimeout(drained);
        await runtime?.close().catch(() => undefined);
        // Requests the killed containers had already sent are still being answered; let them finish first.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await services?.close().catch(() => undefined);
        this.lock?.release();
    }

    /** Locks the output directory (refusing one another run holds), then clears what a previous run left. */
    private prepareOutDir(): void {
        this.lock = lockOutDir(this.context.outDir);
        for (const entry of ["functions", "runtime", "logs", "license-server", "endpoints.json"]) {
            fs.rmSync(path.join(this.context.outDir, entry), { recursive: true, force: true });
        }
    }
}

function validScenario(scenario: Scenario): Scenario {
    const problems = scenarioProblems(scenario);
    if (problems.length > 0) throw new Error(`the scenario is not valid:\n  - ${problems.join("\n  - ")}`);
    return scenario;
}
