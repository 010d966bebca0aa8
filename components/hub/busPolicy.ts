/**
 * Resource policy of the hub bus: who may put workbench events on it (docs/decisions/0001-names-and-admission.md).
 * Plain data, no Pulumi.
 */
import { WORKBENCH_DETAIL_TYPES, WORKBENCH_EVENT_SOURCE } from "../../functions/shared/workbenchEvent";

export interface BusAccess {
    /** Workbench account ids allowed to put events. */
    accountIds: readonly string[];
    /** Organisation whose accounts may put events (checked with aws:PrincipalOrgID). */
    organizationId?: string;
    /** OU paths (`o-.../r-.../ou-.../`) of the workbench accounts in the organisation; nested OUs included. */
    organizationalUnitPaths: readonly string[];
    /** Organisation mode admits every account of the organisation (the guardrail SCP is attached at its root). */
    admitWholeOrganization: boolean;
    /** IAM name pattern of the workbench accounts' forwarding roles (reservedNamePatterns().forwardRolePattern). */
    forwardRolePattern: string;
}

export const ACCOUNT_ID = /^\d{12}$/;
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
/** `o-<org>/r-<root>/ou-<...>/` (nested OUs allowed), as `aws:PrincipalOrgPaths` spells it; a trailing `*` is optional. */
const OU_PATH = /^(o-[a-z0-9]{10,32})\/r-[0-9a-z]{4,32}(\/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})+\/?\*?$/;
/** AWS limits an EventBridge event bus resource policy to 10,240 characters. */
export const MAX_BUS_POLICY_CHARS = 10_240;

/** The names of the settings as the caller spells them (component arguments or stack settings). */
export interface BusAccessFields {
    accountIds: string;
    organizationId: string;
    organizationalUnitPaths: string;
    admitWholeOrganization: string;
}

export const HUB_ACCESS_FIELDS: BusAccessFields = {
    accountIds: "workbenchAccountIds",
    organizationId: "organizationId",
    organizationalUnitPaths: "workbenchOrganizationalUnitPaths",
    admitWholeOrganization: "admitWholeOrganization",
};

/**
 * Every reason the access is not an explicit, well-formed admitted set, one line each naming the field: listed
 * accounts and/or an organisation narrowed to OU paths, or the whole organisation only when said so (#21: the
 * fixed role name can be created by anyone in an account the guardrail SCP does not cover).
 */
export function busAccessProblems(access: Omit<BusAccess, "forwardRolePattern">, fields: BusAccessFields = HUB_ACCESS_FIELDS): string[] {
    const problems: string[] = [];
    const { accountIds, organizationId, organizationalUnitPaths: paths, admitWholeOrganization } = access;
    if (accountIds.length === 0 && !organizationId) {
        problems.push(`name the workbench accounts (${fields.accountIds}) and/or the organisation (${fields.organizationId}) allowed to send events; the hub bus is never open to everyone`);
    }
    for (const id of accountIds) {
        if (!ACCOUNT_ID.test(id)) problems.push(`${fields.accountIds}: ${JSON.stringify(id)} is not a 12-digit account id`);
    }
    const duplicates = [...new Set(accountIds.filter((id, i) => accountIds.indexOf(id) !== i))];
    if (duplicates.length > 0) problems.push(`${fields.accountIds} lists ${duplicates.join(", ")} more than once`);
    if (organizationId !== undefined && !ORGANIZATION_ID.test(organizationId)) {
        problems.push(`${fields.organizationId}: ${JSON.stringify(organizationId)} is not an AWS Organizations id (o-...)`);
    }
    paths.forEach((path, i) => {
        const match = OU_PATH.exec(path);
        if (!match) {
            problems.push(`${fields.organizationalUnitPaths}[${i}]: ${JSON.stringify(path)} is not an OU path (o-.../r-.../ou-.../, as the Organizations console shows it)`);
        } else if (organizationId !== undefined && match[1] !== organizationId) {
            problems.push(`${fields.organizationalUnitPaths}[${i}]: ${JSON.stringify(path)} is not in ${fields.organizationId} ${organizationId}`);
        }
    });
    if (paths.length > 0 && organizationId === undefined) problems.push(`${fields.organizationalUnitPaths} needs ${fields.organizationId}`);
    if (admitWholeOrganization && organizationId === undefined) problems.push(`${fields.admitWholeOrganization} needs ${fields.organizationId}`);
    if (admitWholeOrganization && paths.length > 0) {
        problems.push(`${fields.admitWholeOrganization} and ${fields.organizationalUnitPaths} contradict each other: admit the whole organisation or the OUs, not both`);
    }
    if (organizationId !== undefined && accountIds.length === 0 && paths.length === 0 && !admitWholeOrganization) {
        problems.push(
            `${fields.organizationId} alone admits every account of the organisation, where anyone outside the guardrail SCP's targets can create the forwarding role: ` +
                `name the workbench OUs (${fields.organizationalUnitPaths}, the OUs the SCP is attached to) or accounts (${fields.accountIds}), ` +
                `or set ${fields.admitWholeOrganization}: true once the SCP is attached at the organisation root`,
        );
    }
    return problems;
}

/** `o-x/r-y/ou-z` -> `o-x/r-y/ou-z/*`: the OU and every OU below it. */
function ouPathPattern(path: string): string {
    return `${path.replace(/\/?\*?$/, "")}/*`;
}

/**
 * The policy document: events:PutEvents on this bus only, for the workbench accounts' forwarding roles only, and
 * only workbench events (source and detail-types). Roles are named in `aws:PrincipalArn` conditions, not as
 * principals, because a role principal must exist when the policy is saved and the hub is deployed first.
 *  - Listed mode (no organisation): one role pattern per listed account; grows with the list (see
 *    busPolicyProblem).
 *  - Organisation mode: one statement of constant size, the role pattern in any account of the organisation,
 *    narrowed to the OU paths when given. Listed accounts are then enforced by the assignment Lambda.
 * Same-account callers (the hub's own change marker) are authorised by their identity policies, not by this.
 */
export function hubBusPolicy(busArn: string, partition: string, access: BusAccess): Record<string, unknown> {
    const eventConditions = {
        "ForAllValues:StringEquals": { "events:source": [WORKBENCH_EVENT_SOURCE], "events:detail-type": [...WORKBENCH_DETAIL_TYPES] },
    };
    const statement = access.organizationId
        ? {
              Sid: "OrganizationForwardersPutEvents",
              Condition: {
                  ArnLike: { "aws:PrincipalArn": `arn:${partition}:iam::*:role/${access.forwardRolePattern}` },
                  StringEquals: { "aws:PrincipalOrgID": access.organizationId },
                  ...(access.organizationalUnitPaths.length > 0
                      ? { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": access.organizationalUnitPaths.map(ouPathPattern) } }
                      : {}),
                  ...eventConditions,
              },
          }
        : {
              Sid: "WorkbenchForwardersPutEvents",
              Condition: {
                  ArnLike: { "aws:PrincipalArn": access.accountIds.map((id) => `arn:${partition}:iam::${id}:role/${access.forwardRolePattern}`) },
                  ...eventConditions,
              },
          };
    return {
        Version: "2012-10-17",
        Statement: [{ Sid: statement.Sid, Effect: "Allow", Principal: "*", Action: "events:PutEvents", Resource: busArn, Condition: statement.Condition }],
    };
}

/** Why the rendered policy does not fit EventBridge's quota (listed mode grows with the list), or undefined. */
export function busPolicyProblem(policy: Record<string, unknown>, fields: BusAccessFields = HUB_ACCESS_FIELDS): string | undefined {
    const size = JSON.stringify(policy).length;
    if (size <= MAX_BUS_POLICY_CHARS) return undefined;
    return (
        `${fields.accountIds}: the hub bus policy would take ${size} characters; EventBridge allows ${MAX_BUS_POLICY_CHARS}. ` +
        `Use organisation mode (${fields.organizationId} with ${fields.organizationalUnitPaths}), whose policy has the same size for any number of accounts`
    );
}
