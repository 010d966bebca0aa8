/**
 * The fleet's plan, as a pure function: which account-regions should have the forwarder (active accounts of the
 * workbench OUs, in every configured region), which have it and in what state, and so what to create, update,
 * remove or leave alone. No AWS calls: adapters list, this decides, the executor acts.
 */
import { Action, OrganizationAccount, Plan, PlanRow, StackInstance, accountRegionKey } from "./model";

export interface PlanInput {
    /** Every account of the workbench OUs (nested OUs included), as listed. */
    accounts: readonly OrganizationAccount[];
    /** The regions the forwarder must run in. */
    regions: readonly string[];
    /** Every stack instance of the StackSet. */
    instances: readonly StackInstance[];
}

export function planFleet(input: PlanInput): Plan {
    const wanted = new Map<string, OrganizationAccount>();
    for (const account of input.accounts) {
        if (account.status !== "ACTIVE") continue;
        for (const region of input.regions) wanted.set(accountRegionKey({ accountId: account.accountId, region }), account);
    }
    const names = new Map(input.accounts.map((a) => [a.accountId, a.name]));
    const existing = new Map(input.instances.map((i) => [accountRegionKey(i), i]));
    const rows: PlanRow[] = [];

    for (const [key, account] of wanted) {
        const region = key.slice(key.indexOf("/") + 1);
        const instance = existing.get(key);
        const row = (action: Action, reason: string): PlanRow => ({ accountId: account.accountId, accountName: account.name, region, action, reason });
        if (!instance) rows.push(row("create", "no forwarder yet (an account new to the workbench OUs, or a new region)"));
        else if (instance.status === "INOPERABLE") rows.push(row("update", `inoperable${instance.statusReason ? `: ${instance.statusReason}` : ""}`));
        else if (instance.detailedStatus === "FAILED" || instance.detailedStatus === "CANCELLED") {
            rows.push(row("update", `last operation ${instance.detailedStatus.toLowerCase()}${instance.statusReason ? `: ${instance.statusReason}` : ""}`));
        } else if (instance.status === "OUTDATED") rows.push(row("update", "runs an older template or parameters"));
        else if (instance.driftStatus === "DRIFTED") rows.push(row("update", "drifted from the template"));
        else rows.push(row("unchanged", instance.driftStatus === "IN_SYNC" ? "current, in sync" : "current"));
    }
    for (const instance of input.instances) {
        const key = accountRegionKey(instance);
        if (wanted.has(key)) continue;
        const account = input.accounts.find((a) => a.accountId === instance.accountId);
        const reason = !account
            ? "the account left the workbench OUs"
            : account.status !== "ACTIVE"
              ? `the account is ${account.status.toLowerCase().replace("_", " ")}`
              : "the region is no longer configured";
        rows.push({ accountId: instance.accountId, accountName: names.get(instance.accountId), region: instance.region, action: "remove", reason });
    }
    rows.sort((a, b) => a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region));
    const summary = { create: 0, update: 0, remove: 0, unchanged: 0, accounts: new Set(rows.map((r) => r.accountId)).size, accountRegions: rows.length };
    for (const row of rows) summary[row.action]++;
    return { rows, summary };
}

/** The plan's changes grouped for the StackSets API: per action and region, at most `batch` accounts each. */
export function batches(plan: Plan, batch: number): Array<{ action: Exclude<Action, "unchanged">; region: string; rows: PlanRow[] }> {
    const groups = new Map<string, PlanRow[]>();
    for (const row of plan.rows) {
        if (row.action === "unchanged") continue;
        const key = `${row.action} ${row.region}`;
        groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    const result: Array<{ action: Exclude<Action, "unchanged">; region: string; rows: PlanRow[] }> = [];
    for (const [key, rows] of groups) {
        const [action, region] = key.split(" ") as [Exclude<Action, "unchanged">, string];
        for (let i = 0; i < rows.length; i += batch) result.push({ action, region, rows: rows.slice(i, i + batch) });
    }
    return result;
}
