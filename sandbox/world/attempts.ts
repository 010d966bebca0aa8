/**
 * Attacks a scenario plays from inside a workbench account (docs/trust-model.md): a principal that is not the
 * forwarder, holding `events:PutEvents` and `ec2:CreateTags` on everything, tries to move a seat by forging a
 * workbench or EC2 event on one of the buses, or by re-tagging someone's workbench. What stops each attempt (a bus
 * policy, EventBridge itself, the guardrail SCP) is what the step's `expect` promises, checked like every other step.
 */
import { isValidUserId } from "../../functions/shared/workbenchEvent";
import { expectationProblems } from "../story/expectations";
import type { PolicyDocumentJson } from "../aws/iamEvaluator";

export const ATTEMPT_KINDS = ["put-events", "create-tags", "delete-tags", "put-targets", "disable-rule"] as const;
/** The bus a forged event is put on: the account's workbench bus, its default bus, or the hub bus (by ARN). */
export const ATTEMPT_BUSES = ["workbench", "default", "hub"] as const;
/** Sources an attempt may forge: the forwarder's, or EC2's (which EventBridge reserves for AWS). */
export const ATTEMPT_SOURCES = ["licensing.workbench", "aws.ec2"] as const;

export interface Attempt {
    /** Scenario time of the attempt: seconds, or "m:ss". */
    at: number | string;
    kind: (typeof ATTEMPT_KINDS)[number];
    /** Key of the workbench account the attacker works in. */
    account: string;
    /** The attacker's IAM role name in that account. */
    principal: string;
    /**
     * Instance key of the scenario (put-events: the instance the forged event names; create-tags: the one re-tagged;
     * delete-tags: the one whose tags are all deleted, by a DeleteTags naming no tag key; put-targets: the one the
     * forged Input names). Not for disable-rule.
     */
    instance?: string;
    /** put-events: the bus. */
    bus?: (typeof ATTEMPT_BUSES)[number];
    /** put-events: the forged event's source. Default `licensing.workbench`. */
    source?: (typeof ATTEMPT_SOURCES)[number];
    /** put-events: the EC2 state the forged event claims. */
    state?: "running" | "stopped";
    /** put-events: the owner and workbench type a forged start claims. */
    owner?: string;
    type?: string;
    /** put-events: how many seconds ahead of the scenario clock the forged event is stamped. Default 0. */
    stampedAheadSeconds?: number;
    /** create-tags: the tags to set. */
    tags?: Record<string, string>;
    /**
     * put-targets, disable-rule: the default-bus rule (its name). put-targets points it at the forwarder with a
     * constant `Input`: a forged EC2 event of `state` for `instance`.
     */
    rule?: string;
    note?: string;
    expect?: AttemptExpectation;
}

/** How far an attempt got. */
export const ATTEMPT_OUTCOMES = [
    /** The account's workbench bus policy refused the PutEvents. */
    "refused-by-workbench-bus",
    /** The account's default bus refused it (no bus policy does by default: a same-account caller is allowed). */
    "refused-by-default-bus",
    /** The hub bus policy refused the PutEvents. */
    "refused-by-hub-bus",
    /** EventBridge refused the source (`aws.*` sources are reserved for AWS services). */
    "refused-by-eventbridge",
    /** EC2 refused the tag change or deletion (the guardrail SCP or the caller's own policies). */
    "refused-by-guardrails",
    /** The event was accepted, and no rule matched it: it went nowhere. */
    "no-rule",
    /** The event was accepted and reached the hub, which recorded it: a forgery got through. */
    "applied",
    "superseded",
    /** The event reached the hub, which refused it. */
    "rejected-by-hub",
    /** The event was accepted and its journey did not end where the sandbox can see (e.g. a Lambda gave up). */
    "accepted",
    /** EC2 changed the tags: a re-tag or a deletion got through. */
    "tags-changed",
    /** EventBridge changed the rule: a retarget or a disabling got through. */
    "rule-changed",
] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export interface AttemptExpectation {
    outcome: AttemptOutcome;
    /** disable-rule: the account-regions (`<account key>/<region>`) the hub's silence alarm names at the end of the run. */
    silenceNamed?: string[];
}

/** Outcomes that count as stopped in the summary. */
export function isRefusal(outcome: AttemptOutcome | undefined): boolean {
    return outcome !== undefined && (outcome.startsWith("refused-") || outcome === "no-rule" || outcome === "rejected-by-hub");
}

/** The role ARN an attempt's principal has in its account. */
export function attackerArn(accountId: string, principal: string): string {
    return `arn:aws:iam::${accountId}:role/${principal}`;
}

/** What the sandbox lets an attacker do by its own policies: everything the trust model must stop anyway. */
export const ATTACKER_POLICIES: PolicyDocumentJson[] = [
    {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["events:PutEvents", "events:PutTargets", "events:DisableRule", "ec2:CreateTags", "ec2:DeleteTags"], Resource: "*" }],
    },
];

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const TAG_KEY = /^[\w .:/=+@-]{1,128}$/;
const RULE_NAME = /^[\w.-]{1,64}$/;

/** Every problem of a scenario's `attempts`, each naming the entry. */
export function attemptProblems(
    value: unknown,
    accounts: Record<string, { role?: unknown }>,
    instances: Record<string, unknown>,
    seconds: (at: number | string) => number,
): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) return ["attempts must be an array"];
    const problems: string[] = [];
    value.forEach((raw, i) => {
        const where = `attempts[${i}]`;
        if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
            problems.push(`${where} must be an object`);
            return;
        }
        const a = raw as Partial<Attempt> & Record<string, unknown>;
        const known = new Set(["at", "kind", "account", "principal", "instance", "bus", "source", "state", "owner", "type", "stampedAheadSeconds", "tags", "rule", "note", "expect"]);
        for (const key of Object.keys(a)) if (!known.has(key)) problems.push(`${where}.${key} is not a field of an attempt (use ${[...known].join(", ")})`);
        const at = seconds(a.at as number | string);
        if (!Number.isFinite(at) || at < 0) problems.push(`${where}.at must be seconds >= 0 or "m:ss"`);
        if (!(ATTEMPT_KINDS as readonly unknown[]).includes(a.kind)) problems.push(`${where}.kind must be one of ${ATTEMPT_KINDS.join(", ")}`);
        if (accounts[String(a.account)]?.role !== "workbench-account") problems.push(`${where}.account must be a workbench account of the scenario`);
        if (typeof a.principal !== "string" || !ROLE_NAME.test(a.principal)) problems.push(`${where}.principal must be an IAM role name`);
        if (a.kind === "disable-rule") {
            if (a.instance !== undefined) problems.push(`${where}.instance does not belong to a disable-rule attempt (the rule carries every instance's events)`);
        } else if (typeof a.instance !== "string" || !(a.instance in instances)) problems.push(`${where}.instance ${JSON.stringify(a.instance)} is not in instances`);
        if (a.kind === "put-events") {
            if (!(ATTEMPT_BUSES as readonly unknown[]).includes(a.bus)) problems.push(`${where}.bus must be one of ${ATTEMPT_BUSES.join(", ")}`);
            if (a.source !== undefined && !(ATTEMPT_SOURCES as readonly unknown[]).includes(a.source)) problems.push(`${where}.source must be one of ${ATTEMPT_SOURCES.join(", ")}`);
            if (a.state !== "running" && a.state !== "stopped") problems.push(`${where}.state must be running or stopped`);
            if (a.owner !== undefined && !isValidUserId(a.owner)) problems.push(`${where}.owner is not a valid user id`);
            if (a.stampedAheadSeconds !== undefined && !(Number.isInteger(a.stampedAheadSeconds) && a.stampedAheadSeconds >= 0)) {
                problems.push(`${where}.stampedAheadSeconds must be a whole number >= 0`);
            }
            if (a.tags !== undefined) problems.push(`${where}.tags belongs to create-tags attempts`);
            if (a.rule !== undefined) problems.push(`${where}.rule belongs to put-targets and disable-rule attempts`);
        } else if (a.kind === "create-tags") {
            const tags = a.tags;
            if (typeof tags !== "object" || tags === null || Object.keys(tags).length === 0) problems.push(`${where}.tags must map at least one tag key to a value`);
            else for (const [key, v] of Object.entries(tags)) if (!TAG_KEY.test(key) || typeof v !== "string") problems.push(`${where}.tags.${key} must be a tag key with a string value`);
            for (const field of ["bus", "source", "state", "owner", "type", "stampedAheadSeconds", "rule"] as const) {
                if (a[field] !== undefined) problems.push(`${where}.${field} belongs to ${field === "rule" ? "put-targets and disable-rule" : "put-events"} attempts`);
            }
        } else if (a.kind === "put-targets" || a.kind === "disable-rule") {
            if (typeof a.rule !== "string" || !RULE_NAME.test(a.rule)) problems.push(`${where}.rule must name a rule of the account's default bus`);
            if (a.kind === "put-targets" && a.state !== "running" && a.state !== "stopped") problems.push(`${where}.state must be running or stopped (what the forged Input claims)`);
            for (const field of ["bus", "source", "owner", "type", "stampedAheadSeconds", "tags", ...(a.kind === "disable-rule" ? (["state"] as const) : [])] as const) {
                if (a[field] !== undefined) problems.push(`${where}.${field} does not belong to a ${a.kind} attempt`);
            }
        } else if (a.kind === "delete-tags") {
            for (const field of ["bus", "source", "state", "owner", "type", "stampedAheadSeconds", "tags", "rule"] as const) {
                if (a[field] !== undefined) problems.push(`${where}.${field} does not belong to a delete-tags attempt (it names no tag: every tag goes)`);
            }
        }
        if (a.expect !== undefined) {
            problems.push(...expectationProblems(`${where}.expect`, a.expect, a.kind === "disable-rule" ? ["outcome", "silenceNamed"] : ["outcome"], ATTEMPT_OUTCOMES));
            for (const named of Array.isArray(a.expect.silenceNamed) ? a.expect.silenceNamed : []) {
                if (accounts[String(named).split("/")[0]]?.role !== "workbench-account" || !/^[^/]+\/[a-z]{2}(-[a-z]+)+-\d$/.test(String(named))) {
                    problems.push(`${where}.expect.silenceNamed: ${JSON.stringify(named)} must be <workbench account key>/<region>, e.g. research/eu-central-1`);
                }
            }
        }
    });
    return problems;
}
