/**
 * The event the change marker puts on the hub bus after marking the changed products, when the hub syncs on change:
 * the hub's rule for it invokes the sync at once instead of at the next scheduled tick. It carries no user data; the
 * sync reads the change marks and the seat rows as on every tick.
 *
 *   source       "licensing.hub"
 *   detail-type  "Seat Table Changed"
 *   detail       { "products": <products marked as changed>, "seat-changes": <seat rows created or deleted> }
 */
export const SEAT_CHANGE_EVENT = { source: "licensing.hub", detailType: "Seat Table Changed" } as const;

export interface SeatChangeDetail {
    products: number;
    "seat-changes": number;
}
