/** Seats held over time per product, and each product's totals, from the analytics queries' results. */
import type { Row } from "./duckdb";

/** One product's seats held over time (a step line) and its seat limit. */
export interface SeatSeries {
    product: string;
    seatsOwned: number | null;
    /** [ISO time, seats held from then on]. */
    points: Array<[string, number]>;
}

export interface ProductTotals {
    product: string;
    peakSeats: number;
    seatsOwned: number | null;
    seatHours: number;
    denials: number;
}

/** Step series from the sessions: +1 at each start, -1 at each end, per product, with the product's seat limit. */
export function seatSeries(sessions: Row[], concurrent: Row[]): SeatSeries[] {
    const owned = new Map(concurrent.map((r) => [String(r.product), r.seats_owned === null ? null : Number(r.seats_owned)]));
    const changes = new Map<string, Array<[string, number]>>();
    for (const s of sessions) {
        const list = changes.get(String(s.product)) ?? [];
        list.push([String(s.start_at), +1], [String(s.end_at), -1]);
        changes.set(String(s.product), list);
    }
    return [...owned.keys()].sort().map((product) => {
        // Ends before starts at the same instant: a seat handed over is not two seats.
        const sorted = (changes.get(product) ?? []).sort(([a, da], [b, db]) => (a < b ? -1 : a > b ? 1 : da - db));
        const points: Array<[string, number]> = [];
        let level = 0;
        for (const [at, delta] of sorted) {
            level += delta;
            if (points.length > 0 && points[points.length - 1][0] === at) points[points.length - 1][1] = level;
            else points.push([at, level]);
        }
        return { product, seatsOwned: owned.get(product) ?? null, points };
    });
}

/** Per product: peak concurrency, seat-hours and denials, from the named queries' results. */
export function productTotals(series: SeatSeries[], queries: Record<string, Row[]>): ProductTotals[] {
    return series.map(({ product, seatsOwned }) => {
        const months = queries.concurrent_seats.filter((r) => r.grain === "month" && r.product === product);
        const hours = queries.seat_hours.filter((r) => r.breakdown === "user" && r.product === product).reduce((sum, r) => sum + Number(r.seat_hours), 0);
        const denials = queries.denials.filter((r) => r.product === product).reduce((sum, r) => sum + Number(r.denials), 0);
        return { product, seatsOwned, peakSeats: Math.max(0, ...months.map((r) => Number(r.peak_seats))), seatHours: Math.round(hours * 1000) / 1000, denials };
    });
}
