/**
 * The run's story, step by step: each timeline delivery and each fault of the scenario gets a trace, and every
 * sandbox event that belongs to it (the forwarder's attempts for that EC2 event, the hub bus refusing it, the hub's
 * assignment of it, the injected failures it consumed) is recorded there. The sandbox uses the traces to keep the
 * order the timeline promises (a delivery waits until the same instance's earlier deliveries were processed) and,
 * at the end, checks each step's `expect` against its trace (expectations.ts).
 *
 * Events are tied to a step by the EC2 event id: the forwarder is invoked with the EC2 event itself, and the
 * workbench event it forwards carries the id as `ec2-event-id`. A redelivery carries its original's id; it is
 * delivered only once the original's trace is done, so the id names one open trace at a time.
 */
import type { Delivery, Fault } from "../world/scenario";
import type { Attempt, AttemptOutcome } from "../world/attempts";
import { formatScenarioTime, scenarioSeconds } from "../world/scenario";
import type { EventBridgeEvent, SandboxEvent } from "../runtime/events";
import { ExpectationCheck, Observation, StepExpectation, checkExpectation } from "./expectations";
import { detailOf, outcomeOf } from "./outcomes";

interface TraceBase {
    /** The step as the timeline shows it. */
    label: string;
    note?: string;
    expect?: StepExpectation;
    observation: Observation;
}

export interface DeliveryTrace extends TraceBase {
    kind: "delivery";
    delivery: Delivery;
    accountKey: string;
    instanceId: string;
    /** The forwarder put the workbench event on its way to the hub: the journey goes on there. */
    forwarded: boolean;
    done: boolean;
    finished: Promise<void>;
    finish: () => void;
}

export interface FaultTrace extends TraceBase {
    kind: "fault";
    fault: Fault;
}

/** A state change whose event never reaches the hub: only an inventory snapshot can correct the instance. */
export interface HealTrace extends TraceBase {
    kind: "heal";
    accountId: string;
    instanceId: string;
    healed: boolean;
    /** The state the first correction set (a racing snapshot's correction to the same state adds to its seats). */
    healedTo?: "started" | "stopped";
}

/** A forgery or re-tag attempt: its outcome is what stopped it (or how far a forged event got). */
export interface AttemptTrace extends TraceBase {
    kind: "attempt";
    attempt: Attempt;
}

export type StepTrace = DeliveryTrace | FaultTrace | HealTrace | AttemptTrace;

/** The vendor CLI's exit status for an injected "license server busy" (see licenseServers.ts). */
const VENDOR_FAULT_STATUS = /status 75\b/;
/** What the hub's document prints when it installed a new list, and when it refused or ignored one (licenseServerDocument.ts). */
const LIST_APPLIED = /generation \d+ applied/;
const LIST_REFUSED = /\b(refused|superseded|ignored)\b/;

export class Story {
    readonly traces: StepTrace[] = [];
    /** Open delivery traces by EC2 event id. */
    private readonly open = new Map<string, DeliveryTrace>();
    /** Attempts whose forged event was accepted, by the ids its journey can be recognised by. */
    private readonly openAttempts = new Map<string, AttemptTrace>();

    /** A delivery about to be sent. */
    openDelivery(delivery: Delivery, accountKey: string, instanceId: string, expect?: StepExpectation): DeliveryTrace {
        let finish!: () => void;
        const finished = new Promise<void>((resolve) => (finish = resolve));
        const trace: DeliveryTrace = {
            kind: "delivery",
            label: `t=${formatScenarioTime(delivery.at)} ${delivery.instance} ${delivery.state}${delivery.redelivery ? " (redelivered)" : ""}${delivery.forged ? " (forged, not EC2's)" : ""}`,
            note: delivery.note,
            expect,
            observation: {},
            delivery,
            accountKey,
            instanceId,
            forwarded: false,
            done: false,
            finished,
            finish,
        };
        this.traces.push(trace);
        this.open.set(delivery.eventId, trace);
        return trace;
    }

    /**
     * A state change whose event is lost (or happened before deployment): the first reconciled inventory snapshot
     * that corrects the instance from now on is what happened to it.
     */
    openHeal(label: string, accountId: string, instanceId: string, note?: string, expect?: StepExpectation): HealTrace {
        const trace: HealTrace = { kind: "heal", label, note, expect, observation: {}, accountId, instanceId, healed: false };
        this.traces.push(trace);
        return trace;
    }

    /** A fault being injected. */
    openFault(fault: Fault): FaultTrace {
        const where = fault.target === "ec2" ? `ec2 ${fault.account}` : fault.target;
        const observation: Observation = fault.target === "change-marks" ? { installedAfter: [], refusedAfter: 0 } : { consumed: [] };
        const trace: FaultTrace = { kind: "fault", label: `t=${formatScenarioTime(scenarioSeconds(fault.at))} fault ${where} x${fault.times}`, note: fault.note, expect: fault.expect, observation, fault };
        this.traces.push(trace);
        return trace;
    }

    /** An attempt about to be made. */
    openAttempt(attempt: Attempt, at: number, description: string): AttemptTrace {
        const trace: AttemptTrace = { kind: "attempt", label: `t=${formatScenarioTime(at)} attempt: ${description}`, note: attempt.note, expect: attempt.expect, observation: {}, attempt };
        this.traces.push(trace);
        return trace;
    }

    /**
     * Follows the attempt's forged event by these ids. Called before the event is sent: EventBridge may route it
     * (and end its journey) before the API's answer reaches the attacker.
     */
    followAttempt(trace: AttemptTrace, ids: string[]): void {
        for (const id of ids) this.openAttempts.set(id, trace);
    }

    /**
     * What the API answered the attempt. A refusal is final (nothing was routed); "accepted" only stands while the
     * journey has not ended elsewhere (e.g. no rule matched), and the event is further followed by `followIds`.
     */
    attemptAnswered(trace: AttemptTrace, outcome: AttemptOutcome, followIds: string[] = []): void {
        if (outcome !== "accepted") {
            trace.observation.outcome = outcome;
            for (const [id, t] of this.openAttempts) if (t === trace) this.openAttempts.delete(id);
            return;
        }
        const journeyEnded = trace.observation.outcome !== undefined;
        if (journeyEnded) return;
        trace.observation.outcome = outcome;
        for (const id of followIds) this.openAttempts.set(id, trace);
    }

    /** The attempts made so far. */
    attempts(): AttemptTrace[] {
        return this.traces.filter((t): t is AttemptTrace => t.kind === "attempt");
    }

    /** The open delivery traces (not yet done) that match. */
    pending(match: (trace: DeliveryTrace) => boolean): DeliveryTrace[] {
        return [...this.open.values()].filter(match);
    }

    /**
     * An injected EC2 failure was consumed by a request for these instances: recorded against the open delivery of
     * that instance, in the forwarder attempt that is running.
     */
    ec2FailureConsumed(fault: FaultTrace, resourceIds: string[], nameOf: (instanceId: string) => string | undefined): void {
        const trace = [...this.open.values()].find((t) => resourceIds.includes(t.instanceId));
        const by = trace?.delivery.instance ?? resourceIds.map((id) => nameOf(id) ?? id).join("+") ?? "?";
        fault.observation.consumed!.push({ by, attempt: trace ? (trace.observation.forwarderAttempts ?? 0) + 1 : undefined });
    }

    readonly onEvent = (event: SandboxEvent): void => {
        switch (event.kind) {
            case "no-rule":
                return this.end(idOf(event.event), "no-rule");
            case "delivery-failed":
                return this.end(idOf(event.event), event.event.source === "aws.ec2" ? "gave-up" : "refused-by-hub-bus");
            case "async-failure":
                return this.end(idOf(event.event as EventBridgeEvent), "gave-up");
            case "license-server":
                if (!event.ok && VENDOR_FAULT_STATUS.test(event.detail)) this.vendorFailureConsumed(event.product);
                this.listOutcomeAfterFaults(event);
                return;
            case "invocation":
                if (event.trigger === "event") this.invocation(event);
                return;
            default:
                return;
        }
    };

    /** Each step's expectation checked against its trace, in timeline order. */
    checks(): ExpectationCheck[] {
        return this.traces.filter((t) => t.expect !== undefined).map((t) => checkExpectation(t.label, t.note, t.expect!, t.observation));
    }

    private invocation(event: Extract<SandboxEvent, { kind: "invocation" }>): void {
        const typed = outcomeOf(event.fn.handler, event.result.ok ? event.result.result : undefined, event.event);
        if (typed.handler === "workbench-forwarder") {
            const trace = this.open.get((event.event as EventBridgeEvent | null)?.id ?? "");
            if (!trace) return;
            trace.observation.forwarderAttempts = (trace.observation.forwarderAttempts ?? 0) + 1;
            if (!event.result.ok) return;
            const o = typed.outcome;
            if (o.outcome === "forwarded") {
                trace.forwarded = true;
                trace.observation.forwarded = o.detail["workbench-state"];
            }
            else this.end(trace.delivery.eventId, o.outcome === "ignored" ? "ignored" : "rejected-by-forwarder");
        } else if (typed.handler === "hub-snapshot" && event.result.ok && typed.outcome.outcome === "reconciled") {
            const account = detailOf(event.event).account;
            for (const correction of typed.outcome.corrections) {
                const heals = this.traces.filter((t): t is HealTrace => t.kind === "heal" && t.accountId === account && t.instanceId === correction.instanceId);
                const trace = heals.find((t) => !t.healed);
                if (trace) {
                    trace.healed = true;
                    trace.healedTo = correction.state;
                    trace.observation = { outcome: "healed-by-inventory", seatsAdded: correction.seatsAdded, seatsReleased: correction.seatsReleased };
                    continue;
                }
                // Two snapshots of one account-region reconciled at once (a slow hub, as in AWS) both correct the
                // instance; the seats moved once, by whichever got there first, whose invocation may end second.
                const raced = heals.findLast((t) => t.healed && t.healedTo === correction.state);
                if (!raced) continue;
                raced.observation.seatsAdded = (raced.observation.seatsAdded ?? 0) + correction.seatsAdded;
                raced.observation.seatsReleased = (raced.observation.seatsReleased ?? 0) + correction.seatsReleased;
            }
            // Seats a snapshot changed to follow a later event (it got there before the event's own invocation) are
            // that event's: they count for its delivery, whichever invocation made them.
            for (const followed of typed.outcome.followed ?? []) {
                const trace = this.lastForwarded(followed.ec2EventId);
                if (!trace) continue;
                trace.observation.seatsAdded = (trace.observation.seatsAdded ?? 0) + followed.seatsAdded;
                trace.observation.seatsReleased = (trace.observation.seatsReleased ?? 0) + followed.seatsReleased;
            }
        } else if (typed.handler === "hub-assignment" && event.result.ok) {
            const o = typed.outcome;
            const id = idOf(event.event as EventBridgeEvent);
            const trace = this.open.get(id) ?? this.openAttempts.get(id);
            if (!trace) return;
            if (o.outcome !== "rejected") {
                trace.observation.seatsAdded = (trace.observation.seatsAdded ?? 0) + o.seatsAdded;
                trace.observation.seatsReleased = (trace.observation.seatsReleased ?? 0) + o.seatsReleased;
            }
            this.end(id, o.outcome === "rejected" ? "rejected-by-hub" : o.outcome);
        }
    }

    /** The latest delivery of an EC2 event that the forwarder passed on (a redelivery is forwarded after its original). */
    private lastForwarded(eventId: string | undefined): DeliveryTrace | undefined {
        return this.traces.findLast((t): t is DeliveryTrace => t.kind === "delivery" && t.delivery.eventId === eventId && t.forwarded);
    }

    private end(eventId: string, outcome: string): void {
        const attempt = this.openAttempts.get(eventId);
        if (attempt) {
            attempt.observation.outcome = outcome;
            for (const [id, t] of this.openAttempts) if (t === attempt) this.openAttempts.delete(id);
            return;
        }
        const trace = this.open.get(eventId);
        if (!trace) return;
        trace.observation.outcome = outcome;
        trace.done = true;
        this.open.delete(eventId);
        trace.finish();
    }

    /** A license server's outcome, for every change-marks fault injected before it: installed a list, or refused one. */
    private listOutcomeAfterFaults(event: Extract<SandboxEvent, { kind: "license-server" }>): void {
        for (const trace of this.traces) {
            if (trace.kind !== "fault" || trace.fault.target !== "change-marks") continue;
            const o = trace.observation;
            if (event.ok && LIST_APPLIED.test(event.detail) && !o.installedAfter!.includes(event.product)) o.installedAfter!.push(event.product);
            if (LIST_REFUSED.test(event.detail)) o.refusedAfter = (o.refusedAfter ?? 0) + 1;
        }
    }

    private vendorFailureConsumed(product: string): void {
        const fault = this.traces.find(
            (t): t is FaultTrace => t.kind === "fault" && t.fault.target === "vendor-cli" && t.observation.consumed!.length < t.fault.times,
        );
        fault?.observation.consumed!.push({ by: product });
    }
}

/** The EC2 event id an event belongs to: its own id (an EC2 event) or the one a workbench event carries. */
function idOf(event: EventBridgeEvent | undefined): string {
    if (!event) return "";
    if (event.source === "aws.ec2") return event.id;
    const id = detailOf(event)["ec2-event-id"];
    return typeof id === "string" ? id : "";
}
