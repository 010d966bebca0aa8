/**
 * Phase 2, start: the local AWS services with what the stacks declared and the world outside them (EC2 instances,
 * License Manager), then the deployed functions in local Lambda containers, wired to events, streams and Run
 * Command as the components declare.
 */
import * as path from "node:path";
import { SYNC_ENVIRONMENT } from "../../components/hub/definitions";
import { TRACKER_ENV } from "../../components/tracking/definitions";
import { syncSettings } from "../../functions/hub-shared/config";
import { HUB_BUS_ARN_OUTPUT } from "../../stacks/workbenchAccount";
import { S3RVER_CREDENTIALS } from "../aws/s3rver";
import { callerEndpoint } from "../aws/eventBridgeStandin";
import type { PolicyDocumentJson } from "../aws/iamEvaluator";
import { EventRouter } from "../runtime/eventRouter";
import { LocalLambdaRuntime } from "../runtime/lambdaRuntime";
import { assumeRoleDenial, organizationsDenial, ruleChangeDenial, tagChangeDenial } from "../runtime/policies";
import { SandboxServices, provision, startServices } from "../runtime/services";
import { TableStreams } from "../runtime/streams";
import { AttemptPlayer } from "../world/attemptPlayer";
import type { LocalFunction } from "../world/deployment";
import { LicenseServerFleet } from "../world/licenseServers";
import { accountsWithRole, deliveries, instanceIdOf } from "../world/scenario";
import { organizationListing, principalOrganizationOf } from "../world/organization";
import { SeededConfiguration, seedInstances, seedLicenseManager, seedReceivedLicenses, withoutWorkbenchTags } from "../world/seed";
import { HubView } from "../story/hubView";
import { outcomeOf } from "../story/outcomes";
import { TimelineReporter } from "../story/reporter";
import { RunContext, accountName, instanceName } from "./context";
import type { Deployed } from "./deploy";
import { disabledRuleArns } from "./schedules";

/**
 * Handlers that stamp their own clock into the order of EC2 events: the inventory's snapshot time (its `as-of`) and
 * the forwarder's observation time; and the silence watch, which compares those times with its clock. Scenario events
 * carry world times in the past (clock.ts), so these run on the world clock; the others keep the real one.
 */
const WORLD_CLOCK_HANDLERS = ["workbench-inventory", "workbench-forwarder", "hub-inventory-watch"];

/** The running system: the deployment, the local AWS it runs against and the pieces that run and route it. */
export interface LocalSystem extends Deployed {
    services: SandboxServices;
    hubView: HubView;
    /** What the License Manager stand-in was seeded with. */
    licenseManager: SeededConfiguration[];
    runtime: LocalLambdaRuntime;
    fleet: LicenseServerFleet;
    router: EventRouter;
    attempts: AttemptPlayer;
    reporter: TimelineReporter;
}

/** What the run must close even when starting fails half-way. */
export interface Started {
    services?: SandboxServices;
    runtime?: LocalLambdaRuntime;
}

export async function startSystem(run: RunContext, deployed: Deployed, listsDir: string, started: Started): Promise<LocalSystem> {
    const local = await startLocalAws(run, deployed, started);
    const system = await startFunctions(run, { ...deployed, ...local }, listsDir, started);
    // The endpoints matter to whoever calls them by hand (--keep-running) or reads the logs closely (--verbose).
    if (run.options.verbose || run.options.keepRunning) printLocalAws(run, system.services);
    return system;
}

/** Starts the local services, creates what the stacks declared and seeds the world outside them. */
async function startLocalAws(run: RunContext, { stacks, deployment, pending }: Deployed, started: Started) {
    const { scenario, clock } = run;
    // Accounts whose stack comes later have their services (their EC2, their default bus) from the start.
    const planned = [...stacks, ...pending];
    const accountRegions = [...new Map(planned.map((s) => [`${s.accountId}/${s.region}`, { accountId: s.accountId, region: s.region }])).values()];
    const services = (started.services = await startServices(accountRegions));
    await provision(services, deployment);
    seedInstances(services, run.ec2Truth, scenario, planned);
    recordStateChanges(run, planned, services);
    const hubView = new HubView(deployment, services);
    seedReceivedLicenses(services, scenario, clock.epochMs);
    const licenseManager = seedLicenseManager(services, deployment, scenario, clock.epochMs);
    return { services, hubView, licenseManager };
}

/**
 * EC2's truth: every state change of the timeline at the time it happened, and what DescribeInstances lists in
 * each account-region (the truth up to when the inventory may observe it; only that region's instances).
 */
function recordStateChanges(run: RunContext, stacks: Deployed["stacks"], services: SandboxServices): void {
    const { scenario, ec2Truth, clock } = run;
    deliveries(scenario).forEach((delivery, index) => {
        // A forged event claims a change EC2 never made.
        if (delivery.redelivery || delivery.forged) return;
        const tags = delivery.removeTags ? withoutWorkbenchTags(scenario, stacks, delivery.instance) : undefined;
        // A lost event never finishes a delivery: the inventory may observe its change as soon as it happened.
        ec2Truth.change(instanceIdOf(scenario, delivery.instance), delivery.occurredAt, delivery.state, tags, delivery.lost ? undefined : index);
    });
    for (const { accountId, region, ec2 } of services.accounts.values()) {
        // The forwarder looks one instance up: EC2 as it was when that instance's event went out (deliveries of one
        // instance are played one after the other), or now for an instance no event was sent for. The inventory lists
        // what it may observe now.
        ec2.describeInstancesView = ({ instanceIds }) =>
            ec2Truth.view(accountId, region, instanceIds.length === 1 ? (ec2Truth.lastDeliveredAt(instanceIds[0]) ?? clock.scenarioNow()) : ec2Truth.observableUntil(clock.scenarioNow()));
    }
}

type WithLocalAws = Deployed & Awaited<ReturnType<typeof startLocalAws>>;

/** Deploys the functions into local containers and wires events, streams and Run Command to them. */
async function startFunctions(run: RunContext, system: WithLocalAws, listsDir: string, started: Started): Promise<LocalSystem> {
    const { scenario, clock, hub, work } = run;
    const { deployment, services, hubView, stacks } = system;
    const forwarderOffsetMs = forwarderClock(run);
    const runtime = (started.runtime = new LocalLambdaRuntime({
        outDir: run.outDir,
        platformEnvironment: (fn) => platformEnvironment(run, services, fn),
        clockOffsetMs: (fn) => (!WORLD_CLOCK_HANDLERS.includes(fn.handler) ? undefined : fn.handler === "workbench-forwarder" ? forwarderOffsetMs() : worldClockOffsetMs(run)),
    }));
    for (const fn of deployment.functions) runtime.deploy(fn);
    await runtime.warm();

    const hubAccount = hubView.sync.accountId;
    const document = deployment.documents.find((d) => d.accountId === hubAccount);
    if (!document) throw new Error("the license-server stack created no SSM document");
    const fleet = new LicenseServerFleet({
        listsDir,
        document,
        instanceIds: [...new Set(Object.values(scenario.catalog.products).map((p) => p.licenseServerInstanceId))],
        s3: services.s3.client,
        emit: hub.emit,
        now: () => clock.scenarioNow(),
    });
    services.in(hubAccount, hubView.sync.region).ssm.executor = fleet.executor;

    const streams = new TableStreams({ deployment, dynamo: services.dynamo.client, runtime, clock, work, emit: hub.emit, region: scenario.region });
    /** The organisation and OU path of an account now, for `aws:PrincipalOrgID` / `aws:PrincipalOrgPaths` conditions. */
    const organizationOf = principalOrganizationOf(scenario.accounts, run.organization, () => clock.scenarioNow());
    wireOrganizations(run, deployment, services);
    const router = new EventRouter({
        deployment,
        runtime,
        clock,
        work,
        emit: hub.emit,
        organizationOf,
        afterInvocation: (fn) => streams.tapAfter(fn),
        disabledRules: disabledRuleArns(deployment, run.options.disabledRules),
    });
    /** Identity policies of principals the scenario plays (not deployed by a stack), by principal ARN. */
    const scenarioPrincipals = new Map<string, PolicyDocumentJson[]>();
    for (const account of services.accounts.values()) {
        const { accountId, region } = account;
        account.eventBridge.onEvent = (entry) => router.putEvents(accountId, region, entry);
        account.eventBridge.authorize = async (caller, entry) =>
            caller ? router.putEventsDenial(accountId, region, caller, entry, scenarioPrincipals.get(caller)) : "the request names no calling principal";
        account.eventBridge.authorizeRuleChange = async (caller, request) =>
            caller
                ? ruleChangeDenial(deployment, { accountId, region, principalArn: caller, identityPolicies: scenarioPrincipals.get(caller) }, request.action, { name: request.rule, eventBusName: request.eventBusName }, organizationOf)
                : "the request names no calling principal";
        account.ec2.authorizeTagChange = async (caller, request) => {
            if (!caller) return "the request names no calling principal";
            const change = { accountId, region, principalArn: caller, identityPolicies: scenarioPrincipals.get(caller) };
            for (const instanceId of request.instanceIds) {
                const instance = { id: instanceId, tags: account.ec2.instances.get(instanceId) ?? {} };
                const denial = await tagChangeDenial(deployment, change, request.action, instance, Object.keys(request.tags), organizationOf);
                if (denial) return denial;
            }
            return undefined;
        };
    }
    const attempts = new AttemptPlayer({
        scenario,
        deployment,
        endpoints: (accountId, region) => ({ eventBridge: services.in(accountId, region).eventBridge.endpoint, ec2: services.in(accountId, region).ec2.endpoint }),
        hubBusArn: String(stacks.find((s) => s.role === "license-server")!.outputs[HUB_BUS_ARN_OUTPUT]),
        registerPrincipal: (arn, policies) => scenarioPrincipals.set(arn, policies),
        story: run.story,
        emit: hub.emit,
        scenarioNow: () => clock.scenarioNow(),
        timeAt: (seconds) => clock.timeAt(seconds),
    });
    watchSeats(run, hubView, fleet, runtime);
    const reporter = new TimelineReporter(run.out, {
        accountName: (id, region) => accountName(scenario, id, region),
        instanceName: (id) => instanceName(scenario, id),
        verbose: Boolean(run.options.verbose),
    });
    hub.on(reporter.onEvent);
    return { ...system, runtime, fleet, router, attempts, reporter };
}

/**
 * STS and Organizations as the hub's silence watch meets them: AssumeRole decided by the caller's policies and the
 * role's trust policy, the listings by the assumed role's policies, the organisation as the model has it now.
 */
function wireOrganizations(run: RunContext, deployment: LocalSystem["deployment"], services: SandboxServices): void {
    const { scenario, organization, clock } = run;
    services.sts.authorize = (caller, roleArn) => assumeRoleDenial(deployment, caller, roleArn);
    services.organizations.authorize = (roleArn, action, resourceArn) => organizationsDenial(deployment, roleArn, action, resourceArn);
    const [, management] = accountsWithRole(scenario, "license-governance")[0];
    if (organization) services.organizations.listing = organizationListing(organization, scenario.accounts, management.accountId, () => clock.scenarioNow());
}

/** After each sync that changed a license server: the seats per product (who holds, who was denied). */
function watchSeats(run: RunContext, hubView: HubView, fleet: LicenseServerFleet, runtime: LocalLambdaRuntime): void {
    const { hub, clock, work, tally } = run;
    hub.on((event) => {
        if (event.kind !== "invocation" || !event.result.ok) return;
        const typed = outcomeOf(event.fn.handler, event.result.result);
        if (typed.handler !== "hub-sync" || typed.outcome.outcome === "unchanged" || typed.outcome.outcome === "busy") return;
        void work.track(
            hubView
                .seatRows(fleet.lists())
                .then((rows) => hub.emit({ at: clock.scenarioNow(), kind: "seats", rows, syncNumber: tally.counts.syncs }))
                .catch((err: Error) => {
                    if (!runtime.closed) hub.emit({ at: clock.scenarioNow(), kind: "harness-error", message: `reading the seats after a sync: ${err.message}` });
                }),
        );
    });
}

/**
 * How far the clock of a function in WORLD_CLOCK_HANDLERS is shifted: to the scenario's world time (see clock.ts)
 * up to which the inventory observes EC2 (ec2Truth.ts), and no later than the real time (the hub refuses times
 * from its future).
 */
function worldClockOffsetMs({ clock, ec2Truth }: RunContext): number {
    const worldMs = clock.timeAt(ec2Truth.observableUntil(clock.scenarioNow())).getTime();
    const now = Date.now();
    return Math.min(worldMs, now) - now;
}

/**
 * The forwarder's clock: the world time now, and never behind the clock it gave the previous invocation plus the real
 * time since, so that the observations it stamps follow the order the forwarder made them in (a delivery held for an
 * earlier one of its instance observes later), even while the scenario clock is held at a step's time. What it
 * observes is pinned to its delivery's time (see recordStateChanges), so it does not depend on the machine's speed.
 */
function forwarderClock({ clock }: RunContext): () => number {
    let last: { worldMs: number; realMs: number } | undefined;
    return () => {
        const now = Date.now();
        const worldMs = Math.max(clock.timeAt(clock.scenarioNow()).getTime(), last ? last.worldMs + (now - last.realMs) + 1 : -Infinity);
        last = { worldMs, realMs: now };
        // Never ahead of the real clock: the hub refuses times from its future.
        return Math.min(worldMs - now, 0);
    };
}

/** The environment Lambda's platform gives a function: region, credentials, and the local endpoints of its account. */
function platformEnvironment({ clock }: RunContext, services: SandboxServices, fn: LocalFunction): Record<string, string> {
    const env: Record<string, string> = {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        AWS_REGION: fn.region,
        AWS_DEFAULT_REGION: fn.region,
        // s3rver checks signatures against its fixed key pair; the other stand-ins accept any.
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        ...services.endpointsFor(fn.accountId, fn.region),
        // EventBridge and STS decide by the calling principal: the function calls as its execution role.
        AWS_ENDPOINT_URL_EVENTBRIDGE: callerEndpoint(services.in(fn.accountId, fn.region).eventBridge.endpoint, fn.roleArn),
        AWS_ENDPOINT_URL_STS: callerEndpoint(services.sts.endpoint, fn.roleArn),
        // s3rver predates the SDK's default CRC32 checksums, and serves buckets path-style only.
        AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
        AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
        [TRACKER_ENV.s3ForcePathStyle]: "true",
    };
    if (fn.handler === "hub-sync") {
        // Waiting for Run Command, and the debounce between commands, are platform time: on the scaled clock like everything else.
        const config = syncSettings(fn.environment);
        env[SYNC_ENVIRONMENT.pollIntervalMs] = String(Math.max(1, Math.round(clock.scaled(config.pollIntervalMs))));
        env[SYNC_ENVIRONMENT.minCommandIntervalMs] = String(Math.max(1, Math.round(clock.scaled(config.minCommandIntervalMs))));
    }
    return env;
}

function printLocalAws(run: RunContext, s: SandboxServices): void {
    run.out("");
    run.out("Local AWS on 127.0.0.1:");
    run.out(`  DynamoDB (dynalite) ${s.dynamo.endpoint}   S3 (s3rver) ${s.s3.endpoint}   License Manager ${s.licenseManager.endpoint}   SNS ${s.sns.endpoint}`);
    for (const { accountId, region, ...account } of s.accounts.values()) {
        run.out(`  ${`${accountName(run.scenario, accountId)} ${accountId} ${region}`.padEnd(40)} EventBridge ${account.eventBridge.endpoint}   SSM ${account.ssm.endpoint}   EC2 ${account.ec2.endpoint}`);
    }
    run.out(`  Lambda containers: one process per function container, bundles in ${path.relative(process.cwd(), path.join(run.outDir, "functions")) || "."}, logs in ${path.relative(process.cwd(), path.join(run.outDir, "logs"))}`);
}
