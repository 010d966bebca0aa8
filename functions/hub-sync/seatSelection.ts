import { isValidUserId } from "../shared/workbenchEvent";

/** One (product, user) seat row as the sync reads it. */
export interface SeatHolder {
    userId: string;
    firstAssignedAt: string;
}

export interface SeatSelection {
    /** Users who get a seat, sorted by user id. */
    assigned: string[];
    /** Users left out because the organisation owns fewer seats, longest-waiting first. */
    denied: string[];
    /** Rows skipped because their user id is not valid (they never reach a license server). */
    invalid: number;
}

/**
 * Decides who holds a product's seats. Without a seat limit, everyone with a row. With one, the users who have
 * held their seat longest (by firstAssignedAt, then user id, so the choice is stable from one sync to the next)
 * up to the limit; a user who is left out keeps waiting and gets the next seat that frees up.
 */
export function selectSeatHolders(holders: readonly SeatHolder[], seats?: number): SeatSelection {
    const valid = holders.filter((h) => isValidUserId(h.userId));
    const bySeniority = [...valid].sort(
        (a, b) => compare(a.firstAssignedAt ?? "", b.firstAssignedAt ?? "") || compare(a.userId, b.userId),
    );
    const limit = seats === undefined ? bySeniority.length : Math.min(seats, bySeniority.length);
    return {
        assigned: bySeniority.slice(0, limit).map((h) => h.userId).sort(),
        denied: bySeniority.slice(limit).map((h) => h.userId),
        invalid: holders.length - valid.length,
    };
}

function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
