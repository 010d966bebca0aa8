/**
 * `runSandbox`: the whole license system on one machine. The stacks' programs run under Pulumi mocks (one stack per
 * account, with the sandbox's configuration); the local world is built from what they register; the deployed
 * bundles run in local Lambda containers against local AWS stand-ins; the scenario's EC2 state changes flow through
 * the same rules, targets, stream filters and schedules the components declare; license servers run the hub's SSM
 * document with a fake vendor CLI. At the end the daily usage report and the utilisation check run, and the license
 * servers' lists are compared with the scenario's expectation.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { SYNC_ENVIRONMENT } from "../components/hub/definitions";
import { TRACKER_ENV } from "../components/tracking/definitions";
import { syncConfigFromEnv } from "../functions/hub-shared/config";
import { S3RVER_CREDENTIALS } from "./aws/s3rver";
import type { PublishedMessage } from "./aws/snsStandin";
import { ScaledClock, WorkTracker, eventTime, schedulePeriodMs } from "./clock";
import { DEFAULT_OUT_DIR } from "./paths";
import { outcomeOf } from "./outcomes";
import { GaveUp, Refusal, RunTally, SandboxCounts } from "./tally";
import { printSummary } from "./summary";
import { ControlServer, FireRequest, FireResponse, startControlServer } from "./control";
import { LocalDeployment, LocalFunction, LocalRule, PolicyDocumentJson, describeDeployment, functionByArn } from "./deployment";
import { callerEndpoint } from "./aws/eventBridgeStandin";
import { Ec2StateChangeRecord, EventBridgeEvent, EventHub, SandboxEvent } from "./events";
import { EventRouter } from "./eventRouter";
import { HubView } from "./hubView";
import { LocalLambdaRuntime } from "./lambdaRuntime";
import { LicenseServerFleet, writeVendorCli } from "./licenseServers";
import { ReportFiles, manifestProblems, readReportFiles } from "./reports";
import { Output, TimelineReporter } from "./reporter";
import { EC2_STATES, Ec2StateName, Fault, Scenario, deliveries, formatScenarioTime, instanceIdOf, loadScenario, scenarioProblems, scenarioSeconds } from "./scenario";
import { SeededConfiguration, instanceTags, seedInstances, seedLicenseManager, seedReceivedLicenses, workbenchTagKeys } from "./seed";
import { AttemptPlayer } from "./attemptPlayer";
import type { Attempt } from "./attempts";
import { tagChangeDenial } from "./policies";
import { HUB_BUS_ARN_OUTPUT } from "../stacks/workbenchAccount";
import { RaisedAlarm, raisedAlarms } from "./alarms";
import { SandboxServices, provision, startServices } from "./services";
import { Story } from "./story";
import type { ExpectationCheck } from "./expectations";
import { OutDirLock, lockOutDir } from "./outDir";
import { DeployedStack, deployStacks } from "./stackConfiguration";
import { TableStreams } from "./streams";
import { LatencyCollector } from "./analytics/latency";
import { reportSandboxAnalytics, scenarioWorkbench } from "./analytics/sandboxReport";
import type { AnalyticsReport } from "./analytics/report";
import { Ec2Truth } from "./ec2Truth";

export { DEFAULT_OUT_DIR };
export type { SandboxCounts };
/** Scenario seconds per real second by default: the default scenario's five minutes take about five seconds. */
export const DEFAULT_SPEED = 60;
/** Schedules with at most this period tick on the scaled clock even when the scenario is shorter. */
const RECURRING_SCHEDULE_MIN_MS = 10 * 60_000;
/**
 * Handlers that stamp their own clock into the order of EC2 events: the inventory's snapshot time (its `as-of`).
 * Scenario events carry world times in the past (clock.ts), so these run on the world clock; the others keep the
 * real one.
 */
const WORLD_CLOCK_HANDLERS = ["workbench-inventory"];
/** Real milliseconds the shutdown waits for work in flight (a retry waiting for its delay is not waited for). */
const SHUTDOWN_DRAIN_MS = 3000;
/** Ticks of each recurring schedule the sandbox waits, once everything else settled, for its targets to succeed. */
const MAX_SETTLING_TICKS = 10;
/** Scenario seconds a step may start late before the run warns that it fell behind the scenario clock. */
const LAG_WARNING_SECONDS = 5;
/** How long (scenario ms, at least HOLD_MIN_REAL_MS real) a step is held for the earlier steps it must follow. */
const HOLD_LIMIT_MS = 20 * 60_000;
const HOLD_MIN_REAL_MS = 30_000;

export interface SandboxOptions {
    /** A scenario, or the path of a scenario file. Default: scenarios/default.json. */
    scenario?: Scenario | string;
    /** Scenario seconds per real second. Default 60. */
    speed?: number;
    /**
     * Output directory (bundles, logs, license server files, the timeline in timeline.log). Default
     * `<repository>/.sandbox`. A run locks it: a second run on the same directory refuses to start.
     */
    outDir?: string;
    /** Where the timeline goes; null for a quiet run. Default: console.log. */
    output?: Output | null;
    /** Print every sync, also the unchanged ones. */
    verbose?: boolean;
    /** After the scenario, keep everything running (and the control endpoint open) until `signal` aborts. */
    keepRunning?: boolean;
    /** Port of the control endpoint with keepRunning. Default 0 (a free port). */
    controlPort?: number;
    /** Aborts the run (Ctrl-C); everything is shut down. */
    signal?: AbortSignal;
    /** Sees every event as it happens (e.g. a benchmark measuring latencies). */
    onEvent?: (event: SandboxEvent) => void;
    /** Names of rules to switch off, as `aws events disable-rule` would (e.g. `hub-sync-on-change`). */
    disabledRules?: string[];
    /**
     * Changes the deployment the stacks produced before anything starts, as a changed setting would (a benchmark
     * comparing settings, e.g. a stream's batching window or a function's environment).
     */
    adjustDeployment?: (deployment: LocalDeployment) => void;
}

export interface SandboxResult {
    description: string;
    speed: number;
    outDir: string;
    /** Each product's named-user list on its license server at the end. */
    lists: Record<string, string[]>;
    expected: Record<string, string[]>;
    mismatches: Array<{ product: string; expected: string[]; actual: string[] }>;
    /** Users who hold a seat row but no seat on the license server (seat limit reached), per product. */
    denials: Record<string, string[]>;
    /** Events refused on the way (forwarder, hub bus, hub). */
    refused: Refusal[];
    /** Invocations Lambda gave up on (sent to their on-failure destination). */
    onFailure: GaveUp[];
    reports: ReportFiles;
    /** Manifest problems per run (empty: every run is complete). */
    reportProblems: string[];
    /** What the License Manager stand-in was seeded with. */
    licenseManager: SeededConfiguration[];
    alerts: PublishedMessage[];
    /** Alarms on the handlers' own metrics that what they emitted set off, with where their actions send them. */
    raisedAlarms: RaisedAlarm[];
    counts: SandboxCounts;
    /** True when every recurring schedule's targets succeeded after the last change (the lists are final). */
    settled: boolean;
    /** Each scenario step's expectation, checked against what happened to it. */
    expectations: ExpectationCheck[];
    /** The scenario's forgery and re-tag attempts, each with how far it got (attempts.ts). */
    attempts: Array<{ label: string; outcome?: string }>;
    /** Failures of the sandbox itself (a stream snapshot, an order it could not keep): any one fails the run. */
    harnessErrors: string[];
    /** E.g. the run fell behind the scenario clock. */
    warnings: string[];
    /** Scenario seconds the latest step started after its time (0 when the run kept up with its clock). */
    maxLagSeconds: number;
    /** The timeline as printed, also when `output` is null. */
    logFile: string;
    /** True when the run settled, the lists equal the expectation, every step's expectation held and the harness had no error. */
    ok: boolean;
    /** The analytics report (seat ledger and usage reports on DuckDB, HTML page); absent without a seat ledger. */
    analytics?: AnalyticsReport;
}

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
    private readonly scenario: Scenario;
    private readonly speed: number;
    private readonly outDir: string;
    private readonly out: Output;
    private readonly hub = new EventHub();
    private readonly work = new WorkTracker();
    private readonly timers = new Set<NodeJS.Timeout>();
    private readonly scheduleTimers = new Set<NodeJS.Timeout>();
    private readonly tally = new RunTally();
    private readonly story = new Story();
    private maxLagSeconds = 0;
    private lock?: OutDirLock;
    /** The marker version the last successful sync read. */
    private lastSyncedMarker?: number;
    /** Identity policies of principals the scenario plays (not deployed by a stack), by principal ARN. */
    private readonly scenarioPrincipals = new Map<string, PolicyDocumentJson[]>();
    private readonly latency = new LatencyCollector((instance) => scenarioWorkbench(this.scenario, instance));
    private attempts!: AttemptPlayer;
    /** The organisation an account of the scenario belongs to, for `aws:PrincipalOrgID` conditions. */
    private readonly organizationOf = (accountId: string) => Object.values(this.scenario.accounts).find((a) => a.accountId === accountId)?.organizationId;
    private services?: SandboxServices;
    private runtime?: LocalLambdaRuntime;
    private control?: ControlServer;
    private reporter?: TimelineReporter;
    private stacks: DeployedStack[] = [];
    private deployment!: LocalDeployment;
    private clock!: ScaledClock;
    private router!: EventRouter;
    private fleet!: LicenseServerFleet;
    private hubView!: HubView;
    private recurring: Array<{ rule: LocalRule; periodMs: number }> = [];
    private atEnd: LocalRule[] = [];
    /** While settling: the ids of each recurring schedule's ticks, and who to tell when one succeeded. */
    private readonly settlingTicks = new Map<string, Set<string>>();
    private syncSettled?: (ruleArn: string) => void;
    /** EC2's state and tags over scenario time: what the inventory lists (DescribeInstances). */
    private readonly ec2Truth = new Ec2Truth();

    constructor(private readonly options: SandboxOptions) {
        this.scenario = typeof options.scenario === "object" ? validScenario(options.scenario) : loadScenario(options.scenario);
        this.speed = options.speed ?? DEFAULT_SPEED;
        if (!(this.speed > 0 && this.speed <= 10_000)) throw new Error(`speed must be a number above 0 and at most 10000 (got ${options.speed})`);
        this.outDir = path.resolve(options.outDir ?? DEFAULT_OUT_DIR);
        const output = options.output === null ? () => undefined : (options.output ?? ((line: string) => console.log(line)));
        this.out = (line) => {
            output(line);
            this.lock?.log(line);
        };
        if (options.onEvent) this.hub.on(options.onEvent);
        this.hub.on((event) => this.tally.onEvent(event));
        this.hub.on(this.story.onEvent);
        this.hub.on(this.latency.onEvent);
    }

    async run(): Promise<SandboxResult> {
        const started = Date.now();
        this.prepareOutDir();
        this.out(`License sandbox: ${this.scenario.description}`);
        const listsDir = path.join(this.outDir, "license-server");
        await this.deploy(writeVendorCli(listsDir));
        this.abortIfRequested();
        const timeline = deliveries(this.scenario);
        this.clock = new ScaledClock(this.speed, Math.max(...timeline.map((d) => d.at)));
        const licenseManager = await this.startLocalAws();
        await this.startFunctions(listsDir);
        this.printWorld();
        await this.runDeploymentInvocations();

        this.out("");
        this.out(`Timeline (scenario time; ${this.speed}x):`);
        this.clock.start();
        this.startRecurringSchedules();
        await this.playTimeline(timeline);
        const settled = await this.settle();
        this.stopRecurringSchedules();
        await this.runEndOfScenarioSchedules();

        const result = await this.collect(settled, licenseManager);
        printSummary(this.out, result, Date.now() - started, (id) => this.instanceName(id));
        result.analytics = await reportSandboxAnalytics(this.out, {
            outDir: this.outDir,
            s3: this.services!.s3,
            deployment: this.deployment,
            latencies: this.latency.samples,
            title: `License usage: ${this.scenario.description}`,
        });
        if (this.options.keepRunning) await this.keepRunning();
        return result;
    }

    /** Runs every stack's program under mocks and reads the deployment from what they registered. */
    private async deploy(vendorCli: string): Promise<void> {
        this.out("");
        this.out("Deploying the stacks: the programs `pulumi up` runs, under Pulumi mocks, one account each");
        this.stacks = await deployStacks(this.scenario, vendorCli);
        this.deployment = describeDeployment(this.stacks);
        this.options.adjustDeployment?.(this.deployment);
        for (const stack of this.stacks) {
            const fns = this.deployment.functions.filter((f) => f.stack === stack.name).map((f) => f.name);
            this.out(`  ${stack.name.padEnd(22)} ${`${stack.accountId} (${stack.accountKey})`.padEnd(27)} ${String(stack.resources.length).padStart(3)} resources, Lambdas: ${fns.join(", ")}`);
        }
    }

    /** Starts the local services, creates what the stacks declared and seeds the world outside them. */
    private async startLocalAws(): Promise<SeededConfiguration[]> {
        this.services = await startServices([...new Set(this.stacks.map((s) => s.accountId))]);
        await provision(this.services, this.deployment);
        seedInstances(this.services, this.ec2Truth, this.scenario, this.stacks);
        this.recordStateChanges();
        this.hubView = new HubView(this.deployment, this.services);
        seedReceivedLicenses(this.services, this.scenario, this.clock.epochMs);
        return seedLicenseManager(this.services, this.deployment, this.scenario, this.clock.epochMs);
    }

    /** Deploys the functions into local containers and wires events, streams and Run Command to them. */
    private async startFunctions(listsDir: string): Promise<void> {
        const services = this.services!;
        this.runtime = new LocalLambdaRuntime({
            outDir: this.outDir,
            platformEnvironment: (fn) => this.platformEnvironment(fn),
            clockOffsetMs: (fn) => (WORLD_CLOCK_HANDLERS.includes(fn.handler) ? this.worldClockOffsetMs() : undefined),
        });
        for (const fn of this.deployment.functions) this.runtime.deploy(fn);
        await this.runtime.warm();

        const hubAccount = this.hubView.sync.accountId;
        const document = this.deployment.documents.find((d) => d.accountId === hubAccount);
        if (!document) throw new Error("the license-server stack created no SSM document");
        this.fleet = new LicenseServerFleet({
            listsDir,
            document,
            instanceIds: [...new Set(Object.values(this.scenario.catalog.products).map((p) => p.licenseServerInstanceId))],
            s3: services.s3.client,
            emit: this.hub.emit,
            now: () => this.clock.scenarioNow(),
        });
        services.accounts.get(hubAccount)!.ssm.executor = this.fleet.executor;

        const streams = new TableStreams({
            deployment: this.deployment,
            dynamo: services.dynamo.client,
            runtime: this.runtime,
            clock: this.clock,
            work: this.work,
            emit: this.hub.emit,
            region: this.scenario.region,
            markerVersion: () => this.hubView.markerVersion(),
        });
        this.router = new EventRouter({
            deployment: this.deployment,
            runtime: this.runtime,
            clock: this.clock,
            work: this.work,
            emit: this.hub.emit,
            region: this.scenario.region,
            organizationOf: this.organizationOf,
            afterInvocation: (fn) => streams.tapAfter(fn),
            disabledRules: this.disabledRules(),
        });
        for (const [accountId, account] of services.accounts) {
            account.eventBridge.onEvent = (entry) => this.router.putEvents(accountId, entry);
            account.eventBridge.authorize = async (caller, entry) =>
                caller ? this.router.putEventsDenial(accountId, caller, entry, this.scenarioPrincipals.get(caller)) : "the request names no calling principal";
            account.ec2.authorizeTagChange = async (caller, request) => {
                if (!caller) return "the request names no calling principal";
                const change = { accountId, region: this.scenario.region, principalArn: caller, identityPolicies: this.scenarioPrincipals.get(caller) };
                for (const instanceId of request.instanceIds) {
                    const denial = await tagChangeDenial(this.deployment, change, request.action, instanceId, Object.keys(request.tags), this.organizationOf);
                    if (denial) return denial;
                }
                return undefined;
            };
        }
        this.attempts = new AttemptPlayer({
            scenario: this.scenario,
            deployment: this.deployment,
            endpoints: (accountId) => ({ eventBridge: services.accounts.get(accountId)!.eventBridge.endpoint, ec2: services.accounts.get(accountId)!.ec2.endpoint }),
            hubBusArn: String(this.stacks.find((s) => s.role === "license-server")!.outputs[HUB_BUS_ARN_OUTPUT]),
            registerPrincipal: (arn, policies) => this.scenarioPrincipals.set(arn, policies),
            story: this.story,
            emit: this.hub.emit,
            scenarioNow: () => this.clock.scenarioNow(),
            timeAt: (seconds) => this.clock.timeAt(seconds),
        });
        this.watchSyncs();
        this.watchSeats();
        this.reporter = new TimelineReporter(this.out, {
            accountName: (id) => Object.entries(this.scenario.accounts).find(([, a]) => a.accountId === id)?.[0] ?? id,
            instanceName: (id) => this.instanceName(id),
            verbose: Boolean(this.options.verbose),
        });
        this.hub.on(this.reporter.onEvent);
    }

    /**
     * The deployment's own invocations (`aws.lambda.Invocation`, e.g. each workbench account's first inventory),
     * synchronous as `pulumi up` makes them, at scenario second 0 before the timeline starts; one that fails fails
     * the deployment. Whatever they set off (the snapshot's way to the hub, a sync) settles before the timeline.
     */
    private async runDeploymentInvocations(): Promise<void> {
        for (const [key, instance] of Object.entries(this.scenario.instances)) {
            if (instance.stateAtDeployment === undefined || instance.expect === undefined) continue;
            const label = `before deployment: ${key} ${instance.stateAtDeployment}`;
            this.story.openHeal(label, this.scenario.accounts[instance.account].accountId, instanceIdOf(this.scenario, key), undefined, instance.expect);
        }
        if (this.deployment.invocations.length === 0) return;
        this.out("");
        this.out("Invocations at deployment (aws.lambda.Invocation):");
        for (const invocation of this.deployment.invocations) {
            const fn = this.deployment.functions.find((f) => f.accountId === invocation.accountId && f.name === invocation.functionName);
            if (!fn) throw new Error(`stack ${invocation.stack}: Invocation ${invocation.name} names unknown function ${invocation.functionName}`);
            const ok = await this.router.invokeDirectly(fn, invocation.input);
            if (!ok) throw new Error(`stack ${invocation.stack}: Invocation ${invocation.name} of ${fn.name} failed, so the deployment fails (see ${this.runtime!.logFileOf(fn.arn)})`);
        }
        await this.work.idle();
    }

    /**
     * How far the clock of a function in WORLD_CLOCK_HANDLERS is shifted: to the scenario's world time (see clock.ts)
     * up to which the inventory observes EC2 (ec2Truth.ts), and no later than the real time (the hub refuses times
     * from its future).
     */
    private worldClockOffsetMs(): number {
        const worldMs = this.clock.timeAt(this.ec2Truth.observableUntil(this.clock.scenarioNow())).getTime();
        const now = Date.now();
        return Math.min(worldMs, now) - now;
    }

    /** The schedules longer than the scenario (the usage report, the utilisation check) run once at its end. */
    private async runEndOfScenarioSchedules(): Promise<void> {
        if (this.atEnd.length > 0) {
            this.out("");
            this.out("End of the scenario: the schedules longer than the scenario run once now");
            for (const rule of this.atEnd) void this.router.fireSchedule(rule, this.clock.timeAt(this.clock.scenarioNow()));
            await this.work.idle();
        }
        for (const message of this.services!.sns.published) {
            this.hub.emit({ at: this.clock.scenarioNow(), kind: "alert", topicArn: message.TopicArn, subject: message.Subject, message: message.Message });
        }
    }

    /**
     * Shuts everything down: no new ticks, then a short wait for work in flight (so no request reaches a service
     * that is already closed), then the Lambda containers, then the services.
     */
    async close(): Promise<void> {
        this.stopRecurringSchedules();
        for (const timer of this.timers) clearTimeout(timer);
        await this.control?.close().catch(() => undefined);
        let drained: NodeJS.Timeout | undefined;
        await Promise.race([this.work.idle(), new Promise<void>((resolve) => (drained = setTimeout(resolve, SHUTDOWN_DRAIN_MS)))]);
        clearTimeout(drained);
        await this.runtime?.close().catch(() => undefined);
        // Requests the killed containers had already sent are still being answered; let them finish first.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await this.services?.close().catch(() => undefined);
        this.lock?.release();
    }

    /** Locks the output directory (refusing one another run holds), then clears what a previous run left. */
    private prepareOutDir(): void {
        this.lock = lockOutDir(this.outDir);
        for (const entry of ["functions", "runtime", "logs", "license-server", "endpoints.json"]) {
            fs.rmSync(path.join(this.outDir, entry), { recursive: true, force: true });
        }
    }

    private platformEnvironment(fn: LocalFunction): Record<string, string> {
        const env: Record<string, string> = {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            AWS_REGION: fn.region,
            AWS_DEFAULT_REGION: fn.region,
            // s3rver checks signatures against its fixed key pair; the other stand-ins accept any.
            AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
            ...this.services!.endpointsFor(fn.accountId),
            // EventBridge decides by the calling principal: the function calls as its execution role.
            AWS_ENDPOINT_URL_EVENTBRIDGE: callerEndpoint(this.services!.accounts.get(fn.accountId)!.eventBridge.endpoint, fn.roleArn),
            // s3rver predates the SDK's default CRC32 checksums, and serves buckets path-style only.
            AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
            AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
            [TRACKER_ENV.s3ForcePathStyle]: "true",
        };
        if (fn.handler === "hub-sync") {
            // Waiting for Run Command, and the debounce between commands, are platform time: on the scaled clock like everything else.
            const config = syncConfigFromEnv(fn.environment);
            env[SYNC_ENVIRONMENT.pollIntervalMs] = String(Math.max(1, Math.round(this.clock.scaled(config.pollIntervalMs))));
            env[SYNC_ENVIRONMENT.minCommandIntervalMs] = String(Math.max(1, Math.round(this.clock.scaled(config.minCommandIntervalMs))));
        }
        return env;
    }

    private printWorld(): void {
        const s = this.services!;
        this.out("");
        this.out("Local AWS on 127.0.0.1:");
        this.out(`  DynamoDB (dynalite) ${s.dynamo.endpoint}   S3 (s3rver) ${s.s3.endpoint}   License Manager ${s.licenseManager.endpoint}   SNS ${s.sns.endpoint}`);
        for (const [accountId, account] of s.accounts) {
            const name = Object.entries(this.scenario.accounts).find(([, a]) => a.accountId === accountId)?.[0];
            this.out(`  ${`${name} ${accountId}`.padEnd(26)} EventBridge ${account.eventBridge.endpoint}   SSM ${account.ssm.endpoint}   EC2 ${account.ec2.endpoint}`);
        }
        this.out(`  Lambda containers: one process per function container, bundles in ${path.relative(process.cwd(), path.join(this.outDir, "functions")) || "."}, logs in ${path.relative(process.cwd(), path.join(this.outDir, "logs"))}`);
        // Schedules up to the scenario's length (at least 10 minutes) tick on the scaled clock; longer ones (an hourly
        // check, a daily report) would not fire during it, so they run once at its end.
        const span = Math.max(RECURRING_SCHEDULE_MIN_MS, Math.max(...deliveries(this.scenario).map((d) => d.at)) * 1000);
        this.out("");
        this.out(`Schedules, on the scenario clock (${this.speed}x):`);
        for (const name of this.options.disabledRules ?? []) this.out(`  rule ${name}: disabled`);
        const disabled = this.disabledRules();
        for (const rule of this.deployment.rules.filter((r) => r.scheduleExpression && !disabled.has(r.arn))) {
            const period = schedulePeriodMs(rule.scheduleExpression!);
            const targets = rule.targets.map((t) => functionByArn(this.deployment, t.arn)?.name ?? t.arn).join(", ");
            if (period !== undefined && period <= span) {
                this.recurring.push({ rule, periodMs: period });
                this.out(`  ${rule.name.padEnd(18)} ${rule.scheduleExpression} -> every ${(this.clock.scaled(period) / 1000).toFixed(1)} s at ${this.speed}x (${targets})`);
            } else {
                this.atEnd.push(rule);
                this.out(`  ${rule.name.padEnd(18)} ${rule.scheduleExpression} -> once, at the end of the scenario (${targets})`);
            }
        }
    }

    /** ARNs of the rules the options switch off; throws for a name no stack deployed. */
    private disabledRules(): Set<string> {
        return new Set(
            (this.options.disabledRules ?? []).flatMap((name) => {
                const rules = this.deployment.rules.filter((r) => r.name === name);
                if (rules.length === 0) throw new Error(`no rule named ${name} to disable; the stacks deploy ${this.deployment.rules.map((r) => r.name).join(", ")}`);
                return rules.map((r) => r.arn);
            }),
        );
    }

    private startRecurringSchedules(): void {
        for (const { rule, periodMs } of this.recurring) {
            // A tick whose previous tick's targets still run is skipped: on a machine slower than the scaled clock,
            // overlapping ticks would pile up and keep the sandbox from ever being idle (and so from settling).
            let running = false;
            const tick = () => {
                if (running) return;
                running = true;
                void this.router.fireSchedule(rule, this.clock.timeAt(this.clock.scenarioNow()), periodMs).finally(() => (running = false));
            };
            this.scheduleTimers.add(setInterval(tick, this.clock.scaled(periodMs)));
        }
    }

    private stopRecurringSchedules(): void {
        for (const timer of this.scheduleTimers) clearInterval(timer);
        this.scheduleTimers.clear();
    }

    /** Delivers the timeline's EC2 events, and injects the scenario's faults, each at its scenario time. */
    private async playTimeline(timeline: ReturnType<typeof deliveries>): Promise<void> {
        const faults = (this.scenario.faults ?? []).map((fault) => ({ at: scenarioSeconds(fault.at), fault }));
        const attempts = (this.scenario.attempts ?? []).map((attempt): { at: number; attempt: Attempt } => ({ at: scenarioSeconds(attempt.at), attempt }));
        // Faults first at equal times, so a fault "at" an event affects it.
        const steps = [...faults, ...attempts, ...timeline.map((delivery, index) => ({ at: delivery.at, delivery, index }))].sort((a, b) => a.at - b.at || ("fault" in a ? -1 : 0) - ("fault" in b ? -1 : 0));
        for (const step of steps) {
            await this.sleepReal(this.clock.realDelayUntil(step.at));
            if ("attempt" in step) {
                this.noteLag(step.at);
                await this.attempts.play(step.attempt, step.at).catch((err: Error) =>
                    this.hub.emit({ at: this.clock.scenarioNow(), kind: "harness-error", message: `attempt at ${step.at} s failed in the sandbox: ${err.message}` }),
                );
                continue;
            }
            if ("fault" in step) {
                // An EC2 fault is for the account's next calls: no earlier delivery of the account may consume it.
                const account = step.fault.account;
                if (step.fault.target === "ec2") await this.holdFor(this.story.pending((t) => t.accountKey === account), `fault ${step.fault.target} ${account ?? ""}`);
                this.noteLag(step.at);
                await this.injectFault(step.fault);
                continue;
            }
            const { delivery } = step;
            const instance = this.scenario.instances[delivery.instance];
            const instanceId = instanceIdOf(this.scenario, delivery.instance);
            const accountId = this.scenario.accounts[instance.account].accountId;
            if (delivery.removeTags) this.services!.accounts.get(accountId)!.ec2.instances.set(instanceId, this.withoutWorkbenchTags(delivery.instance));
            if (delivery.lost) {
                this.noteLag(step.at);
                this.story.openHeal(`t=${formatScenarioTime(delivery.at)} ${delivery.instance} ${delivery.state} (event lost)`, accountId, instanceId, delivery.note, delivery.expect);
                this.hub.emit({ at: this.clock.scenarioNow(), kind: "info", message: `EC2 ${delivery.instance} (${instanceId}) ${delivery.state}: its event is lost, never delivered${delivery.note ? `  -- ${delivery.note}` : ""}` });
                continue;
            }
            // The timeline's order for one instance is the order the hub sees: the earlier delivery is processed first.
            await this.holdFor(this.story.pending((t) => t.delivery.instance === delivery.instance), `${delivery.instance} ${delivery.state}`);
            this.noteLag(step.at);
            const trace = this.story.openDelivery(delivery, instance.account, instanceIdOf(this.scenario, delivery.instance), delivery.expect);
            void trace.finished.then(() => this.ec2Truth.finished(step.index));
            this.emitEc2Event({
                accountKey: instance.account,
                accountId: this.scenario.accounts[instance.account].accountId,
                instance: delivery.instance,
                instanceId: instanceIdOf(this.scenario, delivery.instance),
                state: delivery.state,
                time: this.clock.timeAt(delivery.occurredAt),
                occurredAt: delivery.occurredAt,
                late: delivery.occurredAt < delivery.at,
                eventId: delivery.eventId,
                redelivery: delivery.redelivery,
                manual: false,
                note: delivery.note,
            });
        }
    }

    /**
     * Waits until the given earlier steps were processed, so the step after them keeps the order the timeline
     * promises even when the handlers run slower than the scenario clock. A hold that never ends fails the run.
     */
    private async holdFor(earlier: Array<{ label: string; finished: Promise<void> }>, step: string): Promise<void> {
        if (earlier.length === 0) return;
        let timer: NodeJS.Timeout | undefined;
        const limitMs = Math.max(HOLD_MIN_REAL_MS, this.clock.scaled(HOLD_LIMIT_MS));
        const expired = new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), limitMs);
            this.timers.add(timer);
        });
        const timedOut = await Promise.race([Promise.all(earlier.map((t) => t.finished)).then(() => false), expired]);
        clearTimeout(timer);
        this.abortIfRequested();
        if (timedOut) {
            this.hub.emit({ at: this.clock.scenarioNow(), kind: "harness-error", message: `${step} could not wait for ${earlier.map((t) => t.label).join(", ")}: still not processed after ${limitMs / 1000} s` });
        }
    }

    /** Notes how far behind its scenario time a step starts; warns once when the run fell behind the clock. */
    private noteLag(at: number): void {
        const lag = this.clock.scenarioNow() - at;
        if (lag > LAG_WARNING_SECONDS && this.maxLagSeconds <= LAG_WARNING_SECONDS) {
            this.hub.emit({
                at: this.clock.scenarioNow(),
                kind: "warning",
                message: `the run fell ${lag.toFixed(0)} s behind the scenario clock (the machine is slower than ${this.speed}x; steps are held to keep their promised order)`,
            });
        }
        this.maxLagSeconds = Math.max(this.maxLagSeconds, lag);
    }

    /**
     * EC2's truth: every state change of the timeline at the time it happened, and what DescribeInstances lists in
     * each account (the truth up to when the inventory may observe it).
     */
    private recordStateChanges(): void {
        deliveries(this.scenario).forEach((delivery, index) => {
            if (delivery.redelivery) return;
            const tags = delivery.removeTags ? this.withoutWorkbenchTags(delivery.instance) : undefined;
            // A lost event never finishes a delivery: the inventory may observe its change as soon as it happened.
            this.ec2Truth.change(instanceIdOf(this.scenario, delivery.instance), delivery.occurredAt, delivery.state, tags, delivery.lost ? undefined : index);
        });
        for (const [accountId, account] of this.services!.accounts) {
            account.ec2.describeInstancesView = () => this.ec2Truth.view(accountId, this.ec2Truth.observableUntil(this.clock.scenarioNow()));
        }
    }

    /** The instance's tags without the workbench tag keys of its account's forwarder. */
    private withoutWorkbenchTags(instance: string): Record<string, string> {
        const account = this.scenario.instances[instance].account;
        const keys = workbenchTagKeys(this.stacks.find((s) => s.role === "workbench-account" && s.accountKey === account)!);
        const tags = { ...instanceTags(this.scenario, instance, this.stacks) };
        delete tags[keys.owner];
        delete tags[keys.type];
        return tags;
    }

    /** The scenario's fault injection: EC2 throttles an account's next calls, the vendor CLI fails, or the change-marker parameter is recreated. */
    private async injectFault(fault: Fault): Promise<void> {
        const trace = this.story.openFault(fault);
        let markerVersion: number | undefined;
        let accountKey = fault.account;
        if (fault.target === "ec2") {
            const ec2 = this.services!.accounts.get(this.scenario.accounts[fault.account!].accountId)!.ec2;
            // The forwarder's tag lookups are throttled; the inventory's listing (its own schedule) is left alone, so
            // who consumes the fault does not depend on when an inventory happens to run.
            ec2.failNext("RequestLimitExceeded", 503, fault.times, (resourceIds) => this.story.ec2FailureConsumed(trace, resourceIds, (id) => this.instanceName(id)), "DescribeTags");
        } else if (fault.target === "vendor-cli") {
            this.fleet.failVendorCli(fault.times);
        } else {
            for (let i = 0; i < fault.times; i++) markerVersion = await this.hubView.recreateMarkerParameter();
            accountKey = Object.keys(this.scenario.accounts).find((key) => this.scenario.accounts[key].accountId === this.hubView.sync.accountId);
        }
        this.hub.emit({ at: this.clock.scenarioNow(), kind: "fault", target: fault.target, accountKey, times: fault.times, markerVersion, note: fault.note });
    }

    /** EC2 reports a state change: the event goes on the instance's account's default bus. */
    private emitEc2Event(e: Ec2StateChangeRecord & { time: Date }): void {
        const partition = this.router.defaultBus(e.accountId).arn.split(":")[1];
        const event: EventBridgeEvent = {
            version: "0",
            id: e.eventId,
            "detail-type": "EC2 Instance State-change Notification",
            source: "aws.ec2",
            account: e.accountId,
            time: eventTime(e.time),
            region: this.scenario.region,
            resources: [`arn:${partition}:ec2:${this.scenario.region}:${e.accountId}:instance/${e.instanceId}`],
            detail: { "instance-id": e.instanceId, state: e.state },
        };
        const { time: _time, ...record } = e;
        this.hub.emit({ at: this.clock.scenarioNow(), kind: "ec2-event", ...record });
        this.router.serviceEvent(e.accountId, event);
    }

    /** Notes which scheduled ticks succeeded, and the marker version the last successful sync read, for `settle`. */
    private watchSyncs(): void {
        this.hub.on((event) => {
            if (event.kind === "schedule" && event.periodMs !== undefined) this.settlingTicks.get(event.rule.arn)?.add(event.event.id);
            if (event.kind === "invocation" && event.result.ok) {
                const typed = outcomeOf(event.fn.handler, event.result.result);
                if (typed.handler === "hub-sync" && typed.outcome.outcome !== "busy") this.lastSyncedMarker = typed.outcome.markerVersion;
            }
            if (event.kind === "invocation" && event.trigger === "event" && event.result.ok) {
                const id = (event.event as { id?: string })?.id;
                for (const { rule } of this.recurring) {
                    if (id && this.settlingTicks.get(rule.arn)?.has(id)) this.syncSettled?.(rule.arn);
                }
            }
        });
    }

    /**
     * Waits until nothing is in flight and every recurring schedule's targets succeeded on a tick that fired after
     * that, and until the last successful sync read the current change marker (a sync can itself reveal a change
     * whose marker it did not read: then the next tick must sync again). Gives up after MAX_SETTLING_TICKS periods.
     */
    private async settle(): Promise<boolean> {
        const longest = Math.max(0, ...this.recurring.map((r) => r.periodMs));
        let settled = true;
        for (let round = 0; ; round++) {
            await this.work.idle();
            if (this.recurring.length === 0) break;
            // Each round has its own budget, counted once nothing else is in flight (a slow machine's backlog, e.g.
            // Lambda's retry delays, does not eat into it); the rounds are bounded too.
            if (round === MAX_SETTLING_TICKS || !(await this.ticksSucceed(Date.now() + this.clock.scaled(longest * MAX_SETTLING_TICKS)))) {
                settled = false;
                break;
            }
            await this.work.idle();
            if (!this.work.busy && this.hubView.markerVersion() === this.lastSyncedMarker) break;
        }
        const unchanged = this.reporter?.takeUnchangedSyncs() ?? 0;
        this.reporter?.line(this.clock.scenarioNow(), "", settled ? `settled: nothing in flight, the last sync saw every change${unchanged ? ` (${unchanged} unchanged syncs not shown)` : ""}` : "NOT SETTLED: the syncs did not succeed after the last change");
        this.abortIfRequested();
        return settled;
    }

    /** Resolves true once every recurring schedule's targets succeeded on a tick fired from now on; false at the deadline. */
    private async ticksSucceed(deadline: number): Promise<boolean> {
        const pending = new Set(this.recurring.map((r) => r.rule.arn));
        for (const arn of pending) this.settlingTicks.set(arn, new Set());
        let timer: NodeJS.Timeout | undefined;
        const succeeded = await new Promise<boolean>((resolve) => {
            this.syncSettled = (ruleArn) => {
                pending.delete(ruleArn);
                if (pending.size === 0) resolve(true);
            };
            timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
            this.timers.add(timer);
            this.options.signal?.addEventListener("abort", () => resolve(false), { once: true });
        });
        clearTimeout(timer);
        this.syncSettled = undefined;
        return succeeded;
    }

    /** After each sync that changed a license server: the seats per product (who holds, who was denied). */
    private watchSeats(): void {
        this.hub.on((event) => {
            if (event.kind === "stream-batch") this.hubView.recordMarkedChanges(event.records, event.markerVersion);
            if (event.kind !== "invocation" || !event.result.ok) return;
            const typed = outcomeOf(event.fn.handler, event.result.result);
            if (typed.handler !== "hub-sync" || typed.outcome.outcome === "unchanged" || typed.outcome.outcome === "busy") return;
            const { markerVersion } = typed.outcome;
            void this.work.track(
                this.hubView
                    .seatRows(this.fleet.lists(), markerVersion)
                    .then((rows) => this.hub.emit({ at: this.clock.scenarioNow(), kind: "seats", rows, syncNumber: this.tally.counts.syncs }))
                    .catch((err: Error) => {
                        if (!this.runtime?.closed) this.hub.emit({ at: this.clock.scenarioNow(), kind: "harness-error", message: `reading the seats after a sync: ${err.message}` });
                    }),
            );
        });
    }

    private async collect(settled: boolean, licenseManager: SeededConfiguration[]): Promise<SandboxResult> {
        const lists = this.fleet.lists();
        const expected = Object.fromEntries(Object.entries(this.scenario.expected).map(([p, users]) => [p, [...users].sort()]));
        const products = [...new Set([...Object.keys(expected), ...Object.keys(lists)])].sort();
        const mismatches = products
            .map((product) => ({ product, expected: expected[product] ?? [], actual: lists[product] ?? [] }))
            .filter((m) => JSON.stringify(m.expected) !== JSON.stringify(m.actual));
        const rows = await this.hubView.seatRows(lists);
        const denials = Object.fromEntries(rows.filter((r) => r.denied.length > 0).map((r) => [r.product, r.denied]));

        const report = this.deployment.functions.find((f) => f.handler === "license-usage-report");
        const reports = report
            ? await readReportFiles(this.services!.s3, report.environment[TRACKER_ENV.bucket], report.environment[TRACKER_ENV.prefix] ?? "")
            : { bucket: "", prefix: "", files: {}, manifestKeys: [] };
        const reportProblems = reports.manifestKeys.flatMap((key) => manifestProblems(reports, key));
        const expectations = this.story.checks();
        if (report && reports.manifestKeys.length === 0) reportProblems.push("the usage report wrote no manifest");
        return {
            description: this.scenario.description,
            speed: this.speed,
            outDir: this.outDir,
            lists,
            expected,
            mismatches,
            denials,
            refused: this.tally.refused,
            onFailure: this.tally.onFailure,
            reports,
            reportProblems,
            licenseManager,
            alerts: [...this.services!.sns.published],
            raisedAlarms: raisedAlarms(this.stacks, path.join(this.outDir, "logs")),
            counts: { ...this.tally.counts },
            settled,
            expectations,
            attempts: this.story.attempts().map((t) => ({ label: t.label, outcome: t.observation.outcome })),
            harnessErrors: [...this.tally.harnessErrors],
            warnings: [...this.tally.warnings],
            maxLagSeconds: Math.max(0, this.maxLagSeconds),
            logFile: this.lock!.logFile,
            ok: settled && mismatches.length === 0 && expectations.every((e) => e.ok) && this.tally.harnessErrors.length === 0,
        };
    }

    private async keepRunning(): Promise<void> {
        this.control = await startControlServer(this.options.controlPort ?? 0, (request) => this.fire(request));
        const endpoints = {
            control: this.control.endpoint,
            dynamodb: this.services!.dynamo.endpoint,
            s3: this.services!.s3.endpoint,
            licenseManager: this.services!.licenseManager.endpoint,
            sns: this.services!.sns.endpoint,
            accounts: Object.fromEntries(
                [...this.services!.accounts].map(([accountId, a]) => [
                    Object.entries(this.scenario.accounts).find(([, s]) => s.accountId === accountId)?.[0] ?? accountId,
                    { accountId, eventBridge: a.eventBridge.endpoint, ssm: a.ssm.endpoint, ec2: a.ec2.endpoint },
                ]),
            ),
        };
        fs.writeFileSync(path.join(this.outDir, "endpoints.json"), `${JSON.stringify(endpoints, null, 2)}\n`);
        this.startRecurringSchedules();
        this.out("");
        this.out(`Still running (--keep-running). Control endpoint ${this.control.endpoint}; every endpoint is in ${path.join(this.outDir, "endpoints.json")}.`);
        this.out("Fire an EC2 state change by hand, e.g.:");
        this.out("  npm run sandbox:fire -- --account engineering --instance bob-cae --state stopped");
        this.out("  npm run sandbox:fire -- --account research --instance i-0123456789abcdef0 --owner judy --type cad --state running");
        this.out("Press Ctrl-C to stop.");
        this.hub.emit({ at: this.clock.scenarioNow(), kind: "control-ready", endpoint: this.control.endpoint });
        await new Promise<void>((resolve) => {
            if (this.options.signal?.aborted) return resolve();
            this.options.signal?.addEventListener("abort", () => resolve(), { once: true });
        });
    }

    /** A hand-fired EC2 state change (control endpoint). */
    private fire(request: FireRequest): FireResponse {
        const accountEntry = Object.entries(this.scenario.accounts).find(([key, a]) => key === request.account || a.accountId === request.account);
        if (!accountEntry || accountEntry[1].role !== "workbench-account") throw new Error(`account ${JSON.stringify(request.account)} is not a workbench account of the scenario`);
        const [accountKey, account] = accountEntry;
        if (!(EC2_STATES as readonly string[]).includes(request.state)) throw new Error(`state must be one of ${EC2_STATES.join(", ")}`);
        const known = Object.keys(this.scenario.instances).find((key) => key === request.instance || instanceIdOf(this.scenario, key) === request.instance);
        if (known && this.scenario.instances[known].account !== accountKey) throw new Error(`instance ${request.instance} runs in account ${this.scenario.instances[known].account}`);
        const instanceId = known ? instanceIdOf(this.scenario, known) : request.instance;
        if (!/^i-[0-9a-f]{8,17}$/.test(instanceId)) throw new Error(`${JSON.stringify(request.instance)} is neither an instance of the scenario nor an EC2 instance id`);
        const ec2 = this.services!.accounts.get(account.accountId)!.ec2;
        if (request.owner !== undefined || request.type !== undefined) {
            const keys = workbenchTagKeys(this.stacks.find((s) => s.role === "workbench-account" && s.accountKey === accountKey)!);
            ec2.instances.set(instanceId, { ...(ec2.instances.get(instanceId) ?? {}), ...(request.owner !== undefined ? { [keys.owner]: request.owner } : {}), ...(request.type !== undefined ? { [keys.type]: request.type } : {}) });
        }
        if (!this.ec2Truth.has(instanceId)) this.ec2Truth.seed(account.accountId, instanceId, "stopped", ec2.instances.get(instanceId) ?? {});
        this.ec2Truth.change(instanceId, this.clock.scenarioNow(), request.state as Ec2StateName, ec2.instances.get(instanceId));
        // Hand-fired events happen now: later than every scenario event, whose times lie in the past.
        const now = new Date();
        const eventId = randomUUID();
        this.emitEc2Event({
            accountKey,
            accountId: account.accountId,
            instance: known ?? instanceId,
            instanceId,
            state: request.state as Ec2StateName,
            time: now,
            occurredAt: this.clock.scenarioNow(),
            late: false,
            eventId,
            redelivery: false,
            manual: true,
        });
        return { accountId: account.accountId, instanceId, eventId, time: eventTime(now) };
    }

    private instanceName(instanceId: string | undefined): string | undefined {
        return Object.keys(this.scenario.instances).find((key) => instanceIdOf(this.scenario, key) === instanceId);
    }

    private sleepReal(ms: number): Promise<void> {
        this.abortIfRequested();
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.timers.delete(timer);
                this.options.signal?.removeEventListener("abort", onAbort);
                resolve();
            }, ms);
            this.timers.add(timer);
            const onAbort = () => {
                clearTimeout(timer);
                reject(new SandboxAborted());
            };
            this.options.signal?.addEventListener("abort", onAbort, { once: true });
        });
    }

    private abortIfRequested(): void {
        if (this.options.signal?.aborted) throw new SandboxAborted();
    }
}

function validScenario(scenario: Scenario): Scenario {
    const problems = scenarioProblems(scenario);
    if (problems.length > 0) throw new Error(`the scenario is not valid:\n  - ${problems.join("\n  - ")}`);
    return scenario;
}

/** Thrown when the run is aborted (Ctrl-C) before it finished. */
export class SandboxAborted extends Error {
    constructor() {
        super("the sandbox run was aborted");
        this.name = "SandboxAborted";
    }
}
