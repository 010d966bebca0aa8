/** Resource policy of the hub bus: who may put workbench events on it. Plain data, no Pulumi. */
export interface BusAccess {
    /** Workbench account ids allowed to put events. */
    accountIds: readonly string[];
    /** Organisation whose accounts may put events (checked with aws:PrincipalOrgID). */
    organizationId?: string;
}

export const ACCOUNT_ID = /^\d{12}$/;
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** Throws, naming the component, unless the access is scoped to named accounts and/or one organisation. */
export function validateBusAccess(component: string, access: BusAccess): void {
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

/** The policy document: events:PutEvents on this bus only, for the named accounts and/or the organisation. */
export function hubBusPolicy(busArn: string, partition: string, access: BusAccess): Record<string, unknown> {
    const statements: Record<string, unknown>[] = [];
    if (access.accountIds.length > 0) {
        statements.push({
            Sid: "WorkbenchAccountsPutEvents",
            Effect: "Allow",
            Principal: { AWS: access.accountIds.map((id) => `arn:${partition}:iam::${id}:root`) },
            Action: "events:PutEvents",
            Resource: busArn,
        });
    }
    if (access.organizationId) {
        statements.push({
            Sid: "OrganizationPutEvents",
            Effect: "Allow",
            Principal: "*",
            Action: "events:PutEvents",
            Resource: busArn,
            Condition: { StringEquals: { "aws:PrincipalOrgID": access.organizationId } },
        });
    }
    return { Version: "2012-10-17", Statement: statements };
}
