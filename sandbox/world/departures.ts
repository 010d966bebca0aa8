/**
 * Accounts removed from the hub's admitted set during a scenario: each departure is a redeploy of the license-server
 * stack with the account left out of `workbenchAccountIds`, exactly as `pulumi up` would make it (a new
 * content-addressed hub configuration object, the hub functions' environment pointing at its key, the hub bus policy
 * without the account). The silence watch's next run releases the account's seats (functions/hub-assignment/departures.ts).
 */
import { expectationProblems } from "../story/expectations";

export interface Departure {
    /** Scenario time of the redeploy: seconds, or "m:ss". */
    at: number | string;
    /** Key of the workbench account removed from the admitted set (it must be admitted before). */
    account: string;
    note?: string;
    /** `seatsReleased`: the seat holders the silence watch released for the account after the redeploy. */
    expect?: { seatsReleased?: number };
}

/** Every problem of a scenario's `departures`, each naming the entry. */
export function departureProblems(value: unknown, accounts: Record<string, { role?: unknown; allowedOnHub?: unknown }>, seconds: (at: number | string) => number): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) return ["departures must be an array"];
    const problems: string[] = [];
    const seen = new Set<string>();
    value.forEach((raw, i) => {
        const where = `departures[${i}]`;
        if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
            problems.push(`${where} must be an object`);
            return;
        }
        const d = raw as Partial<Departure> & Record<string, unknown>;
        for (const key of Object.keys(d)) if (!["at", "account", "note", "expect"].includes(key)) problems.push(`${where}.${key} is not a field of a departure (use at, account, note, expect)`);
        const at = seconds(d.at as number | string);
        if (!Number.isFinite(at) || at < 0) problems.push(`${where}.at must be seconds >= 0 or "m:ss"`);
        const account = accounts[String(d.account)];
        if (account?.role !== "workbench-account" || account.allowedOnHub !== true) problems.push(`${where}.account must be a workbench account the hub admits (allowedOnHub: true)`);
        else if (seen.has(String(d.account))) problems.push(`${where}.account ${d.account} departs twice`);
        seen.add(String(d.account));
        if (d.expect !== undefined) problems.push(...expectationProblems(`${where}.expect`, d.expect, ["seatsReleased"]));
    });
    return problems;
}
