/** What the fleet command reasons about: the organisation's workbench accounts, the forwarder's stack instances, a plan. */

/** An account as Organizations lists it, with the OU it sits in. */
export interface OrganizationAccount {
    accountId: string;
    name: string;
    /** ACTIVE, SUSPENDED or PENDING_CLOSURE (Organizations' account status). */
    status: string;
    /** The OU the account sits in directly. */
    ouId: string;
}

/** A stack instance of the forwarder's StackSet, as CloudFormation lists it. */
export interface StackInstance {
    accountId: string;
    region: string;
    /** CURRENT, OUTDATED or INOPERABLE. */
    status: string;
    /** PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED, INOPERABLE, SKIPPED_SUSPENDED_ACCOUNT, FAILED_IMPORT. */
    detailedStatus?: string;
    /** DRIFTED, IN_SYNC, UNKNOWN or NOT_CHECKED. */
    driftStatus?: string;
    statusReason?: string;
}

export type Action = "create" | "update" | "remove" | "unchanged";

export interface PlanRow {
    accountId: string;
    accountName?: string;
    region: string;
    action: Action;
    /** Why: "new account in a workbench OU", "drifted", "outdated", "left the workbench OUs", ... */
    reason: string;
}

export interface Plan {
    rows: PlanRow[];
    summary: Record<Action, number> & { accounts: number; accountRegions: number };
}

export type Outcome = "changed" | "unchanged" | "failed";

export interface RowResult {
    row: PlanRow;
    outcome: Outcome;
    /** The failure's reason (CloudFormation's status reason), or what was done. */
    detail: string;
}

export const accountRegionKey = (row: { accountId: string; region: string }) => `${row.accountId}/${row.region}`;
