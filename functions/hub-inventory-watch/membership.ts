/**
 * Who is in the workbench OUs now (#22: an account moved out of a workbench OU is cleaned up). In organisation mode
 * the hub admits by `aws:PrincipalOrgPaths` and keeps no list of accounts, so once an account leaves its OU (or the
 * organisation, or is suspended) its events are refused and its seats would stay held for good. The watch asks
 * AWS Organizations each period, through a read-only role in the management account, which accounts the workbench
 * OUs (nested OUs included) hold, and releases the seats of every account-region it has heard from that is not
 * among them (departures.ts).
 */

/** An account directly under an OU, as Organizations lists it. */
export interface OuAccount {
    id: string;
    name?: string;
    /** ACTIVE, SUSPENDED or PENDING_CLOSURE: only an active account holds seats. */
    status?: string;
}

/** What the membership read needs of Organizations (every page of each listing). */
export interface OrganizationsPort {
    accountsFor(parentId: string): Promise<OuAccount[]>;
    childOusOf(parentId: string): Promise<string[]>;
}

/** How many OUs one read walks at most: a cycle-proof bound far above any real organisation (AWS allows 5 levels). */
const MAX_OUS = 2_000;

/** Every account anywhere under the given OUs (nested OUs included), with the OU it sits in directly. */
export async function accountsUnder(ouIds: readonly string[], organizations: OrganizationsPort): Promise<Array<OuAccount & { ouId: string }>> {
    const accounts: Array<OuAccount & { ouId: string }> = [];
    const queue = [...ouIds];
    const seen = new Set<string>();
    while (queue.length > 0) {
        const ou = queue.shift()!;
        if (seen.has(ou)) continue;
        seen.add(ou);
        if (seen.size > MAX_OUS) throw new Error(`more than ${MAX_OUS} OUs under ${ouIds.join(", ")}: not a workbench OU tree`);
        for (const account of await organizations.accountsFor(ou)) accounts.push({ ...account, ouId: ou });
        queue.push(...(await organizations.childOusOf(ou)));
    }
    return accounts;
}

/** The active accounts anywhere under the given OUs. Throws on an AWS error (the watch then releases nothing). */
export async function workbenchMembers(ouIds: readonly string[], organizations: OrganizationsPort): Promise<Set<string>> {
    return new Set((await accountsUnder(ouIds, organizations)).filter((a) => (a.status ?? "ACTIVE") === "ACTIVE").map((a) => a.id));
}
