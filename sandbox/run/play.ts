/**
 * Phase 3, play the scenario: the deployment's own invocations, then the timeline's EC2 events, faults and attacks,
 * each at its scenario time, in the order the timeline promises.
 */
import { eventTime } from "../runtime/clock";
import type { EventRouter } from "../runtime/eventRouter";
import type { Ec2StateChangeRecord, EventBridgeEvent } from "../runtime/events";
import type { Attempt } from "../world/attempts";
import { Fault, accountRegions, deliveries, formatScenarioTime, instanceIdOf, instanceRegion, scenarioSeconds } from "../world/scenario";
import { withoutWorkbenchTags } from "../world/seed";
import { RunContext, instanceName } from "./context";
import type { LocalSystem } from "./start";
import type { HubDepartures } from "./departures";
import type { Departure } from "../world/departures";
import type { AccountMove } from "../world/organization";
import type { StackSetsStandin } from "./stackSets";

/** How long (scenario ms, at least HOLD_MIN_REAL_MS real) a step is held for the earlier steps it must follow. */
const HOLD_LIMIT_MS = 20 * 60_000;
const HOLD_MIN_REAL_MS = 30_000;

/** EC2 reports a state change: the event goes on the default bus of the instance's account-region. */
export function emitEc2Event(run: RunContext, router: EventRouter, e: Ec2StateChangeRecord & { time: Date }): void {
    const { clock, hub } = run;
    const partition = router.defaultBus(e.accountId, e.region).arn.split(":")[1];
    // A forged event may claim another region; the forwarder must take its own.
    const region = e.forged?.region ?? e.region;
    const event: EventBridgeEvent = {
        version: "0",
        id: e.eventId,
        "detail-type": "EC2 Instance State-change Notification",
        source: "aws.ec2",
        account: e.accountId,
        time: eventTime(e.time),
        region,
        resources: [`arn:${partition}:ec2:${region}:${e.accountId}:instance/${e.instanceId}`],
        detail: { "instance-id": e.instanceId, state: e.state },
    };
    const { time: _time, ...record } = e;
    hub.emit({ at: clock.scenarioNow(), kind: "ec2-event", ...record });
    router.serviceEvent(e.accountId, e.region, event);
}

export class ScenarioPlayer {
    constructor(
        private readonly run: RunContext,
        private readonly system: LocalSystem,
        /** The scenario's departures: hub redeploys planned at deployment, applied at their times. */
        private readonly departures?: HubDepartures,
        /** StackSets' automatic deployment, reacting to the scenario's moves between OUs. */
        private readonly stackSets?: StackSetsStandin,
    ) {}

    /**
     * The deployment's own invocations (`aws.lambda.Invocation`, e.g. each workbench account's first inventory),
     * synchronous as `pulumi up` makes them, at scenario second 0 before the timeline starts; one that fails fails
     * the deployment. Whatever they set off (the snapshot's way to the hub, a sync) settles before the timeline.
     */
    async runDeploymentInvocations(): Promise<void> {
        const { scenario, story, out, work } = this.run;
        const { deployment, router, runtime } = this.system;
        for (const [key, instance] of Object.entries(scenario.instances)) {
            if (instance.stateAtDeployment === undefined || instance.expect === undefined) continue;
            const label = `before deployment: ${key} ${instance.stateAtDeployment}`;
            story.openHeal(label, scenario.accounts[instance.account].accountId, instanceIdOf(scenario, key), undefined, instance.expect);
        }
        if (deployment.invocations.length === 0) return;
        out("");
        out("Invocations at deployment (aws.lambda.Invocation):");
        for (const invocation of deployment.invocations) {
            const fn = deployment.functions.find((f) => f.accountId === invocation.accountId && f.region === invocation.region && f.name === invocation.functionName);
            if (!fn) throw new Error(`stack ${invocation.stack}: Invocation ${invocation.name} names unknown function ${invocation.functionName}`);
            const ok = await router.invokeDirectly(fn, invocation.input);
            if (!ok) throw new Error(`stack ${invocation.stack}: Invocation ${invocation.name} of ${fn.name} failed, so the deployment fails (see ${runtime.logFileOf(fn.arn)})`);
        }
        await work.idle();
    }

    /** Delivers the timeline's EC2 events, and injects the scenario's faults and attempts, each at its scenario time. */
    async play(): Promise<void> {
        const { scenario, clock, hub, story, ec2Truth, timers } = this.run;
        const { services, stacks, attempts } = this.system;
        const faults = (scenario.faults ?? []).map((fault) => ({ at: scenarioSeconds(fault.at), fault }));
        const attemptSteps = (scenario.attempts ?? []).map((attempt): { at: number; attempt: Attempt } => ({ at: scenarioSeconds(attempt.at), attempt }));
        const departureSteps = (scenario.departures ?? []).map((departure): { at: number; departure: Departure } => ({ at: scenarioSeconds(departure.at), departure }));
        const moveSteps = (scenario.moves ?? []).map((move): { at: number; move: AccountMove } => ({ at: scenarioSeconds(move.at), move }));
        // Faults first at equal times, so a fault "at" an event affects it.
        const steps = [...faults, ...attemptSteps, ...departureSteps, ...moveSteps, ...deliveries(scenario).map((delivery, index) => ({ at: delivery.at, delivery, index }))].sort(
            (a, b) => a.at - b.at || ("fault" in a ? -1 : 0) - ("fault" in b ? -1 : 0),
        );
        for (const step of steps) {
            // The clock stops at the step's time until the step has started: a slow machine slows the scenario.
            clock.holdAt(step.at);
            await timers.sleep(clock.realDelayUntil(step.at));
            if ("attempt" in step) {
                await attempts.play(step.attempt, step.at).catch((err: Error) =>
                    hub.emit({ at: clock.scenarioNow(), kind: "harness-error", message: `attempt at ${step.at} s failed in the sandbox: ${err.message}` }),
                );
                continue;
            }
            if ("departure" in step) {
                await (this.departures?.apply(step.departure, this.system) ?? Promise.reject(new Error("no redeploys were planned"))).catch((err: Error) =>
                    hub.emit({ at: clock.scenarioNow(), kind: "harness-error", message: `departure of ${step.departure.account} at ${step.at} s failed in the sandbox: ${err.message}` }),
                );
                continue;
            }
            if ("move" in step) {
                await (this.stackSets?.onMove(step.move) ?? Promise.reject(new Error("no StackSets stand-in runs"))).catch((err: Error) =>
                    hub.emit({ at: clock.scenarioNow(), kind: "harness-error", message: `move of ${step.move.account} at ${step.at} s failed in the sandbox: ${err.message}` }),
                );
                continue;
            }
            if ("fault" in step) {
                // An EC2 fault is for the account's next calls: no earlier delivery of the account may consume it.
                const account = step.fault.account;
                if (step.fault.target === "ec2") await this.holdFor(story.pending((t) => t.accountKey === account), `fault ${step.fault.target} ${account ?? ""}`);
                await this.injectFault(step.fault);
                continue;
            }
            const { delivery } = step;
            const instance = scenario.instances[delivery.instance];
            const instanceId = instanceIdOf(scenario, delivery.instance);
            const accountId = scenario.accounts[instance.account].accountId;
            const region = instanceRegion(scenario, delivery.instance);
            if (delivery.removeTags) services.in(accountId, region).ec2.instances.set(instanceId, withoutWorkbenchTags(scenario, stacks, delivery.instance));
            if (delivery.lost) {
                story.openHeal(`t=${formatScenarioTime(delivery.at)} ${delivery.instance} ${delivery.state} (event lost)`, accountId, instanceId, delivery.note, delivery.expect);
                hub.emit({ at: clock.scenarioNow(), kind: "info", message: `EC2 ${delivery.instance} (${instanceId}) ${delivery.state}: its event is lost, never delivered${delivery.note ? `  -- ${delivery.note}` : ""}` });
                continue;
            }
            // The timeline's order for one instance is the order the hub sees: the earlier delivery is processed first.
            // So is an `after` label's, whatever its instance (a causal order between workbenches).
            const after = new Set(delivery.after ?? []);
            await this.holdFor(
                story.pending((t) => t.delivery.instance === delivery.instance || (t.delivery.label !== undefined && after.has(t.delivery.label))),
                `${delivery.instance} ${delivery.state}`,
            );
            const trace = story.openDelivery(delivery, instance.account, instanceId, delivery.expect);
            void trace.finished.then(() => ec2Truth.finished(step.index));
            ec2Truth.delivered(instanceId, delivery.at);
            emitEc2Event(this.run, this.system.router, {
                accountKey: instance.account,
                accountId,
                region,
                instance: delivery.instance,
                instanceId,
                state: delivery.state,
                time: clock.timeAt(delivery.occurredAt),
                occurredAt: delivery.occurredAt,
                late: delivery.occurredAt < delivery.at,
                eventId: delivery.eventId,
                redelivery: delivery.redelivery,
                manual: false,
                forged: delivery.forged,
                note: delivery.note,
            });
        }
        clock.release();
    }

    /**
     * Waits until the given earlier steps were processed, so the step after them keeps the order the timeline
     * promises even when the handlers run slower than the scenario clock. A hold that never ends fails the run.
     */
    private async holdFor(earlier: Array<{ label: string; finished: Promise<void> }>, step: string): Promise<void> {
        if (earlier.length === 0) return;
        const { clock, hub, timers } = this.run;
        let timer: NodeJS.Timeout | undefined;
        const limitMs = Math.max(HOLD_MIN_REAL_MS, clock.scaled(HOLD_LIMIT_MS));
        const expired = new Promise<boolean>((resolve) => {
            timer = timers.setTimeout(() => resolve(true), limitMs);
        });
        const timedOut = await Promise.race([Promise.all(earlier.map((t) => t.finished)).then(() => false), expired]);
        clearTimeout(timer);
        timers.abortIfRequested();
        if (timedOut) {
            hub.emit({ at: clock.scenarioNow(), kind: "harness-error", message: `${step} could not wait for ${earlier.map((t) => t.label).join(", ")}: still not processed after ${limitMs / 1000} s` });
        }
    }

    /** The scenario's fault injection: EC2 throttles an account's next calls, the vendor CLI fails, or the change marks are lost. */
    private async injectFault(fault: Fault): Promise<void> {
        const { scenario, clock, hub, story } = this.run;
        const { services, fleet, hubView } = this.system;
        const trace = story.openFault(fault);
        let marksDeleted: number | undefined;
        let accountKey = fault.account;
        if (fault.target === "ec2") {
            // The account's home region: the first of its regions.
            const ec2 = services.in(scenario.accounts[fault.account!].accountId, accountRegions(scenario, fault.account!)[0]).ec2;
            // The forwarder's lookups (one instance by id) are throttled; the inventory's listing (its own schedule) is
            // left alone, so who consumes the fault does not depend on when an inventory happens to run.
            const forwarderLookup = (action: string, filters: ReadonlyMap<string, string[]>) => action === "DescribeInstances" && filters.has("instance-id");
            ec2.failNext("RequestLimitExceeded", 503, fault.times, (resourceIds) => story.ec2FailureConsumed(trace, resourceIds, (id) => instanceName(scenario, id)), forwarderLookup);
        } else if (fault.target === "vendor-cli") {
            fleet.failVendorCli(fault.times);
        } else {
            marksDeleted = 0;
            for (let i = 0; i < fault.times; i++) marksDeleted += await hubView.deleteChangeMarks();
            accountKey = Object.keys(scenario.accounts).find((key) => scenario.accounts[key].accountId === hubView.sync.accountId);
        }
        hub.emit({ at: clock.scenarioNow(), kind: "fault", target: fault.target, accountKey, times: fault.times, marksDeleted, note: fault.note });
    }
}
