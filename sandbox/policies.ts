/**
 * Just enough IAM evaluation for the routes the sandbox delivers on: may this account put events on that bus (the
 * bus's resource policy), may this role put events on that bus (its inline policies), may this rule invoke that
 * function (its Lambda permissions). Explicit denies win; a condition the sandbox cannot evaluate throws, so an
 * unsupported policy is reported rather than silently treated as allowing or denying.
 */
import type { LocalDeployment, LocalFunction, LocalRule, PolicyDocumentJson, PolicyStatementJson } from "./deployment";

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** IAM's wildcard matching: `*` any run of characters, `?` one character. */
export function wildcardMatches(pattern: string, value: string): boolean {
    const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    return regex.test(value);
}

/** Facts about the caller a condition may test. */
export interface CallerContext {
    accountId: string;
    organizationId?: string;
}

function conditionHolds(condition: PolicyStatementJson["Condition"], caller: CallerContext): boolean {
    for (const [operator, entries] of Object.entries(condition ?? {})) {
        for (const [key, expected] of Object.entries(entries)) {
            if (operator === "StringEquals" && key === "aws:PrincipalOrgID") {
                if (!caller.organizationId || !list(expected).includes(caller.organizationId)) return false;
            } else if (operator === "StringEquals" && key === "aws:PrincipalAccount") {
                if (!list(expected).includes(caller.accountId)) return false;
            } else {
                throw new Error(`the sandbox cannot evaluate the policy condition ${operator} ${key}`);
            }
        }
    }
    return true;
}

function principalMatches(principal: PolicyStatementJson["Principal"], caller: CallerContext): boolean {
    if (principal === "*") return true;
    return list(principal?.AWS).some((p) => p === "*" || p === caller.accountId || new RegExp(`^arn:[^:]+:iam::${caller.accountId}:root$`).test(p));
}

function statementApplies(statement: PolicyStatementJson, action: string, resource: string): boolean {
    return list(statement.Action).some((a) => wildcardMatches(a, action)) && (statement.Resource === undefined || list(statement.Resource).some((r) => wildcardMatches(r, resource)));
}

/** Whether a resource policy lets `caller` perform `action` on `resource`. */
export function resourcePolicyAllows(policy: PolicyDocumentJson | undefined, caller: CallerContext, action: string, resource: string): boolean {
    const matching = (policy?.Statement ?? []).filter((s) => statementApplies(s, action, resource) && principalMatches(s.Principal, caller) && conditionHolds(s.Condition, caller));
    return !matching.some((s) => s.Effect === "Deny") && matching.some((s) => s.Effect === "Allow");
}

/** Whether an identity's policies allow `action` on `resource`. */
export function identityPoliciesAllow(policies: PolicyDocumentJson[] | undefined, caller: CallerContext, action: string, resource: string): boolean {
    const matching = (policies ?? []).flatMap((p) => p.Statement).filter((s) => statementApplies(s, action, resource) && conditionHolds(s.Condition, caller));
    return !matching.some((s) => s.Effect === "Deny") && matching.some((s) => s.Effect === "Allow");
}

/**
 * Why EventBridge may not put an event on `busArn` for `rule` (a cross-account target), or undefined when it may:
 * the target's role must allow events:PutEvents on the bus, and the bus's policy must admit the rule's account.
 */
export function crossAccountDenial(deployment: LocalDeployment, rule: LocalRule, roleArn: string | undefined, busArn: string, organizationOf: (accountId: string) => string | undefined): string | undefined {
    const caller = { accountId: rule.accountId, organizationId: organizationOf(rule.accountId) };
    if (!roleArn) return `target of rule ${rule.name} has no role to put events on another account's bus`;
    if (!identityPoliciesAllow(deployment.rolePolicies.get(roleArn), caller, "events:PutEvents", busArn)) {
        return `role ${roleArn} is not allowed events:PutEvents on ${busArn}`;
    }
    const bus = deployment.buses.find((b) => b.arn === busArn);
    if (!bus) return `event bus ${busArn} does not exist`;
    if (bus.accountId === rule.accountId) return undefined;
    if (!resourcePolicyAllows(bus.policy, caller, "events:PutEvents", busArn)) {
        return `the policy of bus ${bus.name} does not admit account ${rule.accountId}`;
    }
    return undefined;
}

/** Why EventBridge may not invoke `fn` for `rule`, or undefined when a Lambda permission allows it. */
export function invokeDenial(deployment: LocalDeployment, rule: LocalRule, fn: LocalFunction): string | undefined {
    const allowed = deployment.permissions.some(
        (p) =>
            p.accountId === fn.accountId &&
            (p.functionName === fn.name || p.functionName === fn.arn) &&
            p.action === "lambda:InvokeFunction" &&
            p.principal === "events.amazonaws.com" &&
            (p.sourceArn === undefined || p.sourceArn === rule.arn),
    );
    return allowed ? undefined : `no Lambda permission lets rule ${rule.name} invoke ${fn.name}`;
}
