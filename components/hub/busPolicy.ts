/** Resource policy of the hub bus: who may put workbench events on it. Plain data, no Pulumi. */
import { WORKBENCH_DETAIL_TYPES, WORKBENCH_EVENT_SOURCE } from "../../functions/shared/workbenchEvent";

export interface BusAccess {
    /** Workbench account ids allowed to put events. */
    accountIds: readonly string[];
    /** Organisation whose accounts may put events (checked with aws:PrincipalOrgID). */
    organizationId?: string;
    /** Name of the workbench accounts' forwarding role (trustNames().forwardRoleName): the only role admitted. */
    forwardRoleName: string;
}

export const ACCOUNT_ID = /^\d{12}$/;
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** Throws, naming the component, unless the access is scoped to named accounts and/or one organisation. */
export function validateBusAccess(component: string, access: Omit<BusAccess, "forwardRoleName">): void {
    if (access.accountIds.length === 0 && !access.organizationId) {
        throw new Error(`${component}: name the workbench accounts (workbenchAccountIds) and/or the organisation (organizationId) allowed to send events; the hub bus is never open to everyone.`);
    }
    for (const id of access.accountIds) {
        if (!ACCOUNT_ID.test(id)) throw new Error(`${component}: workbench account id ${JSON.stringify(id)} is not a 12-digit account id.`);
    }
    if (new Set(access.accountIds).size !== access.accountIds.length) throw new Error(`${component}: workbenchAccountIds lists an account twice.`);
    if (access.organizationId !== undefined && !ORGANIZATION_ID.test(access.organizationId)) {
        throw new Error(`${component}: organizationId ${JSON.stringify(access.organizationId)} is not an AWS Organizations id (o-...).`);
    }
}

/**
 * The policy document: events:PutEvents on this bus only, for the workbench accounts' forwarding role only, and
 * only workbench events (source and detail-types). Roles are named in `aws:PrincipalArn` conditions, not as
 * principals, because a role principal must exist when the policy is saved and the hub is deployed first.
 * With listed accounts, exactly those accounts' roles (and, given an organisation too, only while in it: the
 * narrower grant wins); with an organisation alone, that role name in any account of the organisation.
 * Same-account callers (the hub's own change marker) are authorised by their identity policies, not by this.
 */
export function hubBusPolicy(busArn: string, partition: string, access: BusAccess): Record<string, unknown> {
    const eventConditions = {
        "ForAllValues:StringEquals": { "events:source": [WORKBENCH_EVENT_SOURCE], "events:detail-type": [...WORKBENCH_DETAIL_TYPES] },
    };
    const orgCondition = access.organizationId ? { StringEquals: { "aws:PrincipalOrgID": access.organizationId } } : {};
    const statement =
        access.accountIds.length > 0
            ? {
                  Sid: "WorkbenchForwardersPutEvents",
                  Condition: {
                      ArnEquals: { "aws:PrincipalArn": access.accountIds.map((id) => `arn:${partition}:iam::${id}:role/${access.forwardRoleName}`) },
                      ...orgCondition,
                      ...eventConditions,
                  },
              }
            : {
                  Sid: "OrganizationForwardersPutEvents",
                  Condition: { ArnLike: { "aws:PrincipalArn": `arn:${partition}:iam::*:role/${access.forwardRoleName}` }, ...orgCondition, ...eventConditions },
              };
    return {
        Version: "2012-10-17",
        Statement: [{ Sid: statement.Sid, Effect: "Allow", Principal: "*", Action: "events:PutEvents", Resource: busArn, Condition: statement.Condition }],
    };
}
