/**
 * Expectations: what a scenario step promises (its `expect`), checked against what the sandbox observed for that
 * step (its Observation, gathered by story.ts). Each key of an `expect` object has one checker here; a step's
 * expectation holds when every key it gives holds. To let a new kind of step promise something new: add the fact
 * to `Observation`, have story.ts record it, and add a checker for the new key (see docs/sandbox.md).
 */

/** Where the journey of an EC2 state change ended. */
export const DELIVERY_OUTCOMES = [
    /** No rule of the workbench account's bus (or of the hub bus) matched the event. */
    "no-rule",
    /** The forwarder ignored it (not a workbench). */
    "ignored",
    /** The forwarder refused it (bad tags). */
    "rejected-by-forwarder",
    /** The hub bus refused the forwarded event (bus policy, permissions). */
    "refused-by-hub-bus",
    /** The hub's assignment refused it (unknown type, invalid detail). */
    "rejected-by-hub",
    /** The hub's assignment recorded it. */
    "applied",
    /** The hub's assignment kept a later state of the instance. */
    "superseded",
    /** Lambda gave up after its retries (on-failure destination), or EventBridge could not deliver the EC2 event. */
    "gave-up",
    /** The event never reached the hub (lost, or before deployment): an inventory snapshot corrected the instance. */
    "healed-by-inventory",
] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/** What a timeline step may promise about its delivery. Every key is optional; the ones given must all hold. */
export interface DeliveryExpectation {
    /** A delivery's outcome, or an attempt's (attempts.ts ATTEMPT_OUTCOMES). */
    outcome?: string;
    /** Lambda's retries of the forwarder's invocation for this delivery (0: the first attempt went through). */
    forwarderRetries?: number;
    /** What the forwarder forwarded: what EC2 said about the instance, whatever the event claimed. */
    forwarded?: "started" | "stopped";
    /** Seat holders the hub's assignment added / released for this delivery. */
    seatsAdded?: number;
    seatsReleased?: number;
}

/** What a fault step may promise. */
export interface FaultExpectation {
    /** How many of the injected failures were consumed by the end of the run. */
    consumed?: number;
    /** Who consumed them: instance keys (target ec2, through the forwarder's EC2 calls) or products (vendor-cli). */
    consumedBy?: string[];
    /** change-marks: products whose license server installed a new list after the step (at least these). */
    installedAfter?: string[];
    /** change-marks: lists a license server refused after the step (it held a newer generation). */
    refusedAfter?: number;
}

/** What a disable-rule attempt may promise besides its outcome. */
export interface SilenceExpectation {
    /**
     * The account-regions (`<account key>/<region>`) the hub's silence alarm names at the end of the run, exactly
     * these: the alarm's contributors over the silence watch's last run (sandbox/story/alarms.ts).
     */
    silenceNamed?: string[];
}

/** What an account's move into a workbench OU may promise (world/organization.ts). */
export interface MoveExpectation {
    /** The regions the StackSets stand-in deployed the forwarder to for the move, exactly these. */
    forwarderRegions?: string[];
}

export type StepExpectation = DeliveryExpectation & FaultExpectation & SilenceExpectation & MoveExpectation;

/** The facts the sandbox observed for one step (a field is undefined when the step has no such fact). */
export interface Observation {
    outcome?: string;
    /** Forwarder invocations for the delivery (attempts); retries are attempts - 1. */
    forwarderAttempts?: number;
    /** The workbench state the forwarder put on the workbench bus. */
    forwarded?: string;
    seatsAdded?: number;
    seatsReleased?: number;
    /** Failures of a fault consumed, in order, each by whom (instance key or product) and, for EC2, in which attempt. */
    consumed?: Array<{ by: string; attempt?: number }>;
    /** Products whose license server installed a new list after the step, in order of the first install. */
    installedAfter?: string[];
    /** Commands a license server refused after the step (an older generation than it holds, or ignored). */
    refusedAfter?: number;
    /** The account-regions (`<account key>/<region>`) the silence alarm names at the end of the run. */
    silenceNamed?: string[];
    /** The regions the StackSets stand-in deployed the forwarder to for a move. */
    forwarderRegions?: string[];
}

export interface ExpectationCheck {
    /** The step, as the timeline shows it (e.g. `t=02:10 erin-cad running`). */
    step: string;
    note?: string;
    /** The expectation, as written. */
    expected: string;
    ok: boolean;
    /** What happened, key by key. */
    observed: string;
    /** Who consumed a fault's failures, in order (e.g. `ivan-cae attempt 1 x3, ivan-cae attempt 2 x3`). */
    consumers?: string;
}

type Checker = (expected: any, observed: Observation) => { ok: boolean; observed: string };

const exact = (name: string, read: (o: Observation) => unknown): Checker => (expected, o) => {
    const value = read(o);
    return { ok: value === expected, observed: `${name} ${value === undefined ? "(none)" : String(value)}` };
};

/** Exactly these names, in any order. */
function sameNames(name: string, read: (o: Observation) => string[] | undefined): Checker {
    return (expected: string[], o) => {
        const names = read(o) ?? [];
        return { ok: JSON.stringify([...names].sort()) === JSON.stringify([...expected].sort()), observed: `${name} ${names.length ? names.join(", ") : "(none)"}` };
    };
}

/** One checker per `expect` key. */
export const CHECKERS: Record<keyof StepExpectation, Checker> = {
    outcome: exact("outcome", (o) => o.outcome),
    forwarderRetries: exact("forwarderRetries", (o) => (o.forwarderAttempts === undefined ? undefined : o.forwarderAttempts - 1)),
    forwarded: exact("forwarded", (o) => o.forwarded),
    seatsAdded: exact("seatsAdded", (o) => o.seatsAdded),
    seatsReleased: exact("seatsReleased", (o) => o.seatsReleased),
    consumed: exact("consumed", (o) => o.consumed?.length ?? 0),
    consumedBy: (expected: string[], o) => {
        const by = [...new Set((o.consumed ?? []).map((c) => c.by))];
        return { ok: JSON.stringify([...by].sort()) === JSON.stringify([...expected].sort()), observed: `consumedBy ${by.length ? by.join(", ") : "(nobody)"}` };
    },
    installedAfter: (expected: string[], o) => {
        const installed = o.installedAfter ?? [];
        return { ok: expected.every((p) => installed.includes(p)), observed: `installedAfter ${installed.length ? installed.join(", ") : "(nothing)"}` };
    },
    refusedAfter: exact("refusedAfter", (o) => o.refusedAfter ?? 0),
    silenceNamed: sameNames("silenceNamed", (o) => o.silenceNamed),
    forwarderRegions: sameNames("forwarderRegions", (o) => o.forwarderRegions),
};

const NUMBER_KEYS = ["forwarderRetries", "seatsAdded", "seatsReleased", "consumed", "refusedAfter"] as const;
const NAME_LIST_KEYS = ["consumedBy", "installedAfter", "silenceNamed", "forwarderRegions"] as const;

/**
 * Problems of an `expect` value, naming `where` (e.g. `timeline[3].expect`); `keys` are the keys the step kind
 * allows, `outcomes` the outcomes it can have.
 */
export function expectationProblems(
    where: string,
    value: unknown,
    keys: ReadonlyArray<keyof StepExpectation>,
    outcomes: readonly string[] = DELIVERY_OUTCOMES,
): string[] {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${where} must be an object with some of: ${keys.join(", ")}`];
    const problems: string[] = [];
    const entries = Object.entries(value);
    if (entries.length === 0) problems.push(`${where} is empty: give some of ${keys.join(", ")}`);
    for (const [key, v] of entries) {
        if (!(keys as readonly string[]).includes(key)) {
            problems.push(`${where}.${key} is not an expectation of this kind of step (use ${keys.join(", ")})`);
        } else if (key === "outcome" && !(outcomes as readonly unknown[]).includes(v)) {
            problems.push(`${where}.outcome must be one of ${outcomes.join(", ")}`);
        } else if (key === "forwarded" && v !== "started" && v !== "stopped") {
            problems.push(`${where}.forwarded must be started or stopped`);
        } else if ((NUMBER_KEYS as readonly string[]).includes(key) && !(Number.isInteger(v) && (v as number) >= 0)) {
            problems.push(`${where}.${key} must be a whole number >= 0`);
        } else if ((NAME_LIST_KEYS as readonly string[]).includes(key) && !(Array.isArray(v) && v.every((s) => typeof s === "string"))) {
            problems.push(`${where}.${key} must be a list of names`);
        }
    }
    return problems;
}

/** Checks a step's expectation against what was observed: ok when every key holds. */
export function checkExpectation(step: string, note: string | undefined, expected: StepExpectation, observed: Observation): ExpectationCheck {
    const results = Object.entries(expected).map(([key, value]) => CHECKERS[key as keyof StepExpectation](value, observed));
    const ok = results.every((r) => r.ok);
    const shown = Object.entries(expected).map(([key, value]) => `${key} ${Array.isArray(value) ? value.join(", ") : String(value)}`);
    const consumers = (observed.consumed ?? []).map((c) => `${c.by}${c.attempt === undefined ? "" : ` attempt ${c.attempt}`}`);
    return {
        step,
        note,
        expected: shown.join(", "),
        ok,
        observed: results.map((r) => r.observed).join(", "),
        ...(consumers.length > 0 ? { consumers: summariseRuns(consumers) } : {}),
    };
}

/** "a, a, b" -> "a x2, b": who consumed a fault, in order. */
function summariseRuns(items: string[]): string {
    const runs: Array<[string, number]> = [];
    for (const item of items) {
        const last = runs[runs.length - 1];
        if (last && last[0] === item) last[1]++;
        else runs.push([item, 1]);
    }
    return runs.map(([item, n]) => (n > 1 ? `${item} x${n}` : item)).join(", ");
}
