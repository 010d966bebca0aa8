/**
 * The authorisation decisions the sandbox needs, made by the same policy evaluator the trust-model tests use
 * (sandbox/aws/iamEvaluator.ts, i.e. `@cloud-copilot/iam-simulate`): may this principal put this event on that bus
 * (its identity policies and the bus's resource policy), may this rule invoke that function (its Lambda permissions).
 */
import type { LocalBus, LocalDeployment, LocalFunction, LocalRule } from "../world/deployment";
import { OrganizationOf, PolicyDocumentJson, PrincipalOrganization, accountOfArn, evaluate, organizationContext } from "../aws/iamEvaluator";

/** The event as PutEvents carries it: what `events:source` / `events:detail-type` conditions test. */
export interface PutEventFacts {
    source: string;
    detailType: string;
}

/**
 * Why `principalArn` may not put the event on `bus`, or undefined when it may. Same account: the identity policies
 * allow unless the bus policy explicitly denies; across accounts both must allow (the simulator applies those rules).
 */
export async function putEventsDenial(
    bus: LocalBus,
    principalArn: string,
    identityPolicies: PolicyDocumentJson[] | undefined,
    event: PutEventFacts,
    organizationOf: OrganizationOf,
): Promise<string | undefined> {
    const decision = await evaluate(
        {
            principalArn,
            ...organizationContext(organizationOf(accountOfArn(principalArn))),
            action: "events:PutEvents",
            resourceArn: bus.arn,
            resourceAccountId: bus.accountId,
            context: { "events:source": [event.source], "events:detail-type": [event.detailType] },
        },
        { identityPolicies: identityPolicies ?? [], resourcePolicy: bus.policy },
    );
    return decision === "Allowed" ? undefined : `${principalArn} may not put ${event.source} / ${event.detailType} on bus ${bus.name} (${decision})`;
}

/**
 * Why EventBridge may not put an event on `busArn` for `rule`'s target, or undefined when it may: EventBridge
 * calls PutEvents as the target's role, so that role's policies and the bus's policy decide.
 */
export async function busTargetDenial(
    deployment: LocalDeployment,
    rule: LocalRule,
    roleArn: string | undefined,
    busArn: string,
    event: PutEventFacts,
    organizationOf: OrganizationOf,
): Promise<string | undefined> {
    if (!roleArn) return `target of rule ${rule.name} has no role to put events on another bus`;
    const bus = deployment.buses.find((b) => b.arn === busArn);
    if (!bus) return `event bus ${busArn} does not exist`;
    return putEventsDenial(bus, roleArn, deployment.rolePolicies.get(roleArn), event, organizationOf);
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

/** A principal of a workbench account acting there, as the sandbox plays it (a scenario principal or a deployed role). */
export interface AccountChange {
    accountId: string;
    region: string;
    principalArn: string;
    identityPolicies: PolicyDocumentJson[] | undefined;
}

/**
 * The service control policies reaching an account: those attached to it, and to the root and every OU on its
 * organisation path now; without a path (a scenario with no organisation model), those attached to any root.
 */
export function serviceControlPoliciesOf(deployment: LocalDeployment, accountId: string, organization: PrincipalOrganization | undefined): PolicyDocumentJson[] {
    const path = organization?.paths?.[0];
    const above = path ? path.split("/").filter((part) => part.startsWith("r-") || part.startsWith("ou-")) : [...deployment.serviceControlPolicies.keys()].filter((target) => target.startsWith("r-"));
    return [accountId, ...above].flatMap((target) => deployment.serviceControlPolicies.get(target) ?? []);
}

/** The decision on `action` on `resourceArn` by the principal's identity policies and the account's SCPs. */
async function guardedDecision(
    deployment: LocalDeployment,
    change: AccountChange,
    action: string,
    resourceArn: string,
    context: Record<string, string | string[]>,
    organizationOf: OrganizationOf,
) {
    const organization = organizationOf(change.accountId);
    return evaluate(
        { principalArn: change.principalArn, ...organizationContext(organization), action, resourceArn, resourceAccountId: change.accountId, context },
        {
            identityPolicies: change.identityPolicies ?? deployment.rolePolicies.get(change.principalArn) ?? [],
            serviceControlPolicies: serviceControlPoliciesOf(deployment, change.accountId, organization),
        },
    );
}

/** The partition of an account's resources (from its buses). */
function partitionOf(deployment: LocalDeployment, accountId: string): string {
    return deployment.buses.find((b) => b.accountId === accountId)?.arn.split(":")[1] ?? "aws";
}

/**
 * Why `principalArn` may not change a rule of its account (`events:PutTargets`, `events:DisableRule`), or undefined
 * when it may: its identity policies and the account's SCPs (the guardrails name the forwarder's rules) decide.
 */
export async function ruleChangeDenial(
    deployment: LocalDeployment,
    change: AccountChange,
    action: "PutTargets" | "DisableRule",
    rule: { name: string; eventBusName: string },
    organizationOf: OrganizationOf,
): Promise<string | undefined> {
    // A default-bus rule's ARN is rule/<name>; a custom bus's rule/<bus>/<name>.
    const path = rule.eventBusName === "default" ? rule.name : `${rule.eventBusName}/${rule.name}`;
    const ruleArn = `arn:${partitionOf(deployment, change.accountId)}:events:${change.region}:${change.accountId}:rule/${path}`;
    const decision = await guardedDecision(deployment, change, `events:${action}`, ruleArn, {}, organizationOf);
    return decision === "Allowed" ? undefined : `${change.principalArn} may not ${action} on ${ruleArn} (${decision})`;
}

/**
 * Why `principalArn` may not change these tags of an instance in `accountId`, or undefined when it may: its identity
 * policies, and the service control policies attached to the account (the guardrails), decide `ec2:CreateTags` /
 * `ec2:DeleteTags` with the request's tag keys as `aws:TagKeys` (absent when the request names none: DeleteTags of
 * every tag) and the instance's current tags as `aws:ResourceTag/<key>`.
 */
export async function tagChangeDenial(
    deployment: LocalDeployment,
    change: AccountChange,
    action: "CreateTags" | "DeleteTags",
    instance: { id: string; tags: Record<string, string> },
    tagKeys: string[],
    organizationOf: OrganizationOf,
): Promise<string | undefined> {
    const instanceId = instance.id;
    const resourceTags = Object.fromEntries(Object.entries(instance.tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
    const resourceArn = `arn:${partitionOf(deployment, change.accountId)}:ec2:${change.region}:${change.accountId}:instance/${instanceId}`;
    const context = { ...resourceTags, ...(tagKeys.length > 0 ? { "aws:TagKeys": tagKeys } : {}) };
    const decision = await guardedDecision(deployment, change, `ec2:${action}`, resourceArn, context, organizationOf);
    const what = tagKeys.length > 0 ? tagKeys.join(", ") : "every tag";
    return decision === "Allowed" ? undefined : `${change.principalArn} may not ${action} ${what} on ${instanceId} (${decision})`;
}

/**
 * Why `callerArn` may not assume `roleArn` (STS AssumeRole), or undefined when it may: the caller's identity
 * policies and the role's trust policy (across accounts both must allow).
 */
export async function assumeRoleDenial(deployment: LocalDeployment, callerArn: string, roleArn: string): Promise<string | undefined> {
    const trust = deployment.roleTrustPolicies.get(roleArn);
    if (!trust) return `role ${roleArn} does not exist`;
    const decision = await evaluate(
        { principalArn: callerArn, action: "sts:AssumeRole", resourceArn: roleArn, resourceAccountId: accountOfArn(roleArn) },
        { identityPolicies: deployment.rolePolicies.get(callerArn) ?? [], resourcePolicy: trust },
    );
    return decision === "Allowed" ? undefined : `${callerArn} may not assume ${roleArn} (${decision})`;
}

/** Why a role may not make an `organizations:` call on `resourceArn` (an OU or root), or undefined: its identity policies decide. */
export async function organizationsDenial(deployment: LocalDeployment, roleArn: string, action: string, resourceArn: string): Promise<string | undefined> {
    const decision = await evaluate({ principalArn: roleArn, action, resourceArn, resourceAccountId: accountOfArn(roleArn) }, { identityPolicies: deployment.rolePolicies.get(roleArn) ?? [] });
    return decision === "Allowed" ? undefined : `${roleArn} may not ${action} on ${resourceArn} (${decision})`;
}
