/**
 * EventBridge and Lambda's asynchronous invocation, as the sandbox plays them. An event on a bus goes to every rule
 * of that bus whose pattern matches (the pattern the component declared, matched by sandbox/aws/eventPattern.ts);
 * each target of the rule receives it: a Lambda ARN is invoked asynchronously (if a Lambda permission lets the rule
 * invoke it), an event-bus ARN receives the event unchanged (if the policy evaluator lets the target's role put it
 * there: the role's policies and the bus's policy), in whatever region that bus is, the envelope unchanged (its
 * `region` stays the region the event was put in, as a cross-region bus target keeps it). What cannot be delivered goes to the target's dead-letter
 * queue. Asynchronous invocations are retried as Lambda does (after 1 and 2 minutes of scenario time, up to the
 * function's maximumRetryAttempts) and then sent to its on-failure destination.
 */
import { randomUUID } from "node:crypto";
import { matchesPattern } from "../aws/eventPattern";
import type { PutEventEntry } from "../aws/eventBridgeStandin";
import { DEFAULT_BUS, LocalBus, LocalDeployment, LocalFunction, LocalRule, LocalTarget, busIn, functionByArn } from "../world/deployment";
import type { OrganizationOf, PolicyDocumentJson } from "../aws/iamEvaluator";
import type { LocalLambdaRuntime } from "./lambdaRuntime";
import { ScaledClock, WorkTracker, eventTime } from "./clock";
import type { Emit, EventBridgeEvent } from "./events";
import { busTargetDenial, invokeDenial, putEventsDenial } from "./policies";

export interface EventRouterDeps {
    deployment: LocalDeployment;
    runtime: LocalLambdaRuntime;
    clock: ScaledClock;
    work: WorkTracker;
    emit: Emit;
    /** The organisation an account belongs to and its OU path now, for `aws:PrincipalOrgID` / `aws:PrincipalOrgPaths` conditions. */
    organizationOf: OrganizationOf;
    /** Runs after every invocation, before it counts as finished (the stream taps of tables it may have written). */
    afterInvocation(fn: LocalFunction): Promise<void>;
    /** Rules switched off, as `aws events disable-rule` would (by ARN). */
    disabledRules?: ReadonlySet<string>;
}

/** An invocation the runtime could not start (e.g. it is shutting down), reported like a failed one. */
function failedInvocation(err: Error) {
    return { requestId: "-", ok: false, error: { type: "Sandbox.RuntimeUnavailable", message: err.message }, durationMs: 0, coldStart: false };
}

/**
 * EventBridge delivers put events asynchronously, usually well within a second; the sandbox delivers them half a
 * second (of scenario time) after PutEvents returned, which also keeps the timeline in cause-and-effect order.
 */
const DELIVERY_LATENCY_MS = 500;

/** Lambda's waits before its first and second retry of a failed asynchronous invocation. */
const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];

export class EventRouter {
    constructor(private readonly deps: EventRouterDeps) {}

    /** The default bus of an account in a region. */
    defaultBus(accountId: string, region: string): LocalBus {
        const bus = busIn(this.deps.deployment, accountId, region, DEFAULT_BUS);
        if (!bus) throw new Error(`account ${accountId} has no stack in ${region} in the sandbox`);
        return bus;
    }

    /** An AWS service (EC2) of a region puts an event on the account's default bus there. */
    serviceEvent(accountId: string, region: string, event: EventBridgeEvent): void {
        this.deliverToBus(this.defaultBus(accountId, region), event);
    }

    /** The bus a PutEvents entry names in the caller's account-region: by ARN (any account or region), else by name there. */
    private putEventsBus(accountId: string, region: string, entry: PutEventEntry): LocalBus | undefined {
        const name = entry.EventBusName ?? DEFAULT_BUS;
        return this.deps.deployment.buses.find((b) => b.arn === name) ?? busIn(this.deps.deployment, accountId, region, name);
    }

    /**
     * Why `principalArn` may not put this entry (undefined when it may), as EventBridge decides before accepting
     * it: the caller's identity policies (deployed role policies, or `identityPolicies` for a principal the scenario
     * plays) and the bus's policy.
     */
    async putEventsDenial(accountId: string, region: string, principalArn: string, entry: PutEventEntry, identityPolicies?: PolicyDocumentJson[]): Promise<string | undefined> {
        const bus = this.putEventsBus(accountId, region, entry);
        if (!bus) return undefined; // dropped (and reported) on delivery
        const policies = identityPolicies ?? this.deps.deployment.rolePolicies.get(principalArn);
        return putEventsDenial(bus, principalArn, policies, { source: entry.Source, detailType: entry.DetailType }, this.deps.organizationOf);
    }

    /**
     * PutEvents called by a principal of `accountId` in `region` (what the EventBridge stand-in of that account-region
     * received): EventBridge stamps the envelope with the caller's account and the region the call was made in.
     */
    putEvents(accountId: string, region: string, entry: PutEventEntry & { EventId: string }): void {
        const name = entry.EventBusName ?? DEFAULT_BUS;
        const bus = this.putEventsBus(accountId, region, entry);
        let detail: Record<string, unknown>;
        try {
            detail = JSON.parse(entry.Detail);
        } catch {
            this.deps.emit({ at: this.deps.clock.scenarioNow(), kind: "info", message: `account ${accountId}: PutEvents entry with a Detail that is not JSON dropped` });
            return;
        }
        const event: EventBridgeEvent = {
            version: "0",
            id: entry.EventId,
            "detail-type": entry.DetailType,
            source: entry.Source,
            account: accountId,
            time: entry.Time === undefined ? eventTime(new Date()) : eventTime(new Date(typeof entry.Time === "number" ? entry.Time * 1000 : entry.Time)),
            region,
            resources: entry.Resources ?? [],
            detail,
        };
        if (!bus) {
            this.deps.emit({ at: this.deps.clock.scenarioNow(), kind: "info", message: `account ${accountId}: PutEvents on unknown bus ${name} dropped` });
            return;
        }
        this.deliverLater(bus, event);
    }

    /** A scheduled rule fires: EventBridge sends its targets a "Scheduled Event". Resolves once the targets ran. */
    fireSchedule(rule: LocalRule, time: Date, periodMs?: number): Promise<void> {
        const event: EventBridgeEvent = {
            version: "0",
            id: randomUUID(),
            "detail-type": "Scheduled Event",
            source: "aws.events",
            account: rule.accountId,
            time: eventTime(time),
            region: rule.region,
            resources: [rule.arn],
            detail: {},
        };
        this.deps.emit({ at: this.deps.clock.scenarioNow(), kind: "schedule", rule, event, periodMs });
        return Promise.all(rule.targets.map((target) => this.deliverToTarget(rule, target, event))).then(() => undefined);
    }

    /** Rules on a bus with an event pattern (schedules are not matched against events). */
    private rulesOf(bus: LocalBus): LocalRule[] {
        return this.deps.deployment.rules.filter(
            (r) => r.accountId === bus.accountId && r.region === bus.region && r.busName === bus.name && r.eventPattern !== undefined && !this.deps.disabledRules?.has(r.arn),
        );
    }

    private deliverLater(bus: LocalBus, event: EventBridgeEvent): void {
        const done = this.deps.work.begin();
        setTimeout(() => {
            try {
                this.deliverToBus(bus, event);
            } finally {
                done();
            }
        }, this.deps.clock.scaled(DELIVERY_LATENCY_MS));
    }

    private deliverToBus(bus: LocalBus, event: EventBridgeEvent): void {
        this.deps.emit({ at: this.deps.clock.scenarioNow(), kind: "bus-event", accountId: bus.accountId, region: bus.region, busName: bus.name, event });
        const matched = this.rulesOf(bus).filter((rule) => matchesPattern(rule.eventPattern!, event));
        if (matched.length === 0) {
            this.deps.emit({ at: this.deps.clock.scenarioNow(), kind: "no-rule", accountId: bus.accountId, region: bus.region, busName: bus.name, event });
            return;
        }
        for (const rule of matched) for (const target of rule.targets) this.deliverToTarget(rule, target, event);
    }

    /** Delivers to one target; resolves once a Lambda target's invocation (with its retries) is over. */
    private deliverToTarget(rule: LocalRule, target: LocalTarget, event: EventBridgeEvent): Promise<void> {
        const { deployment, emit, clock } = this.deps;
        const fail = (reason: string) => {
            emit({ at: clock.scenarioNow(), kind: "delivery-failed", rule, target, event, reason, deadLetter: target.deadLetterArn });
            return Promise.resolve();
        };
        const fn = functionByArn(deployment, target.arn);
        if (fn) {
            const denied = invokeDenial(deployment, rule, fn);
            if (denied) return fail(denied);
            return this.invokeAsync(fn, event);
        }
        const bus = deployment.buses.find((b) => b.arn === target.arn);
        if (bus || /:event-bus\//.test(target.arn)) {
            const facts = { source: event.source, detailType: event["detail-type"] };
            return this.deps.work.track(
                busTargetDenial(deployment, rule, target.roleArn, target.arn, facts, this.deps.organizationOf).then((denied) => {
                    if (denied) {
                        void fail(denied);
                        return;
                    }
                    emit({ at: clock.scenarioNow(), kind: "cross-account", rule, target, event });
                    this.deliverLater(bus!, event);
                }),
            );
        }
        return fail(`target ${target.arn} is neither a Lambda function nor an event bus of the sandbox`);
    }

    /** A synchronous (RequestResponse) invocation, as a deployment's `aws.lambda.Invocation` makes it: no retries. */
    async invokeDirectly(fn: LocalFunction, input: unknown): Promise<boolean> {
        const { runtime, clock, emit, work } = this.deps;
        return work.track(
            (async () => {
                const result = await runtime.invoke(fn.arn, input).catch(failedInvocation);
                await this.deps.afterInvocation(fn);
                emit({ at: clock.scenarioNow(), kind: "invocation", fn, event: input, result, attempt: 0, trigger: "deployment" });
                return result.ok;
            })(),
        );
    }

    /**
     * An asynchronous invocation (Lambda's event queue): the function runs; on an error Lambda retries after its
     * delays, up to the function's maximumRetryAttempts, then sends the event to the on-failure destination.
     */
    invokeAsync(fn: LocalFunction, event: unknown): Promise<void> {
        const { runtime, clock, emit, work } = this.deps;
        return work.track(
            (async () => {
                let lastError = "";
                for (let attempt = 0; attempt <= fn.async.maximumRetryAttempts; attempt++) {
                    if (attempt > 0) {
                        const delayMs = ASYNC_RETRY_DELAYS_MS[Math.min(attempt - 1, ASYNC_RETRY_DELAYS_MS.length - 1)];
                        emit({ at: clock.scenarioNow(), kind: "async-retry", fn, event, attempt, delayMs, error: lastError });
                        await clock.sleep(delayMs);
                    }
                    if (runtime.closed) return;
                    const result = await runtime.invoke(fn.arn, event).catch(failedInvocation);
                    await this.deps.afterInvocation(fn);
                    emit({ at: clock.scenarioNow(), kind: "invocation", fn, event, result, attempt, trigger: "event" });
                    if (result.ok) return;
                    lastError = `${result.error?.type}: ${result.error?.message}`;
                }
                emit({ at: clock.scenarioNow(), kind: "async-failure", fn, event, error: lastError, destination: fn.async.onFailure });
            })().catch((err: Error) => {
                // Only the sandbox's own machinery throws here (e.g. a stand-in closed during shutdown).
                if (!runtime.closed) emit({ at: clock.scenarioNow(), kind: "harness-error", message: `sandbox error while invoking ${fn.name}: ${err.message}` });
            }),
        );
    }
}
