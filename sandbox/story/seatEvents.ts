/**
 * The hub's events for people (`Seat Denied` / `Seat Granted`, functions/hub-seat-events) as the sandbox sees them
 * arrive on the hub bus, and the scenario's `seatEvents`: each one listed must have arrived, with the queue position
 * given, after the events listed before it for the same user and product, and no other may have (a checked
 * expectation each, plus one for the unlisted).
 */
import { SEAT_EVENT_DETAIL_TYPES, SEAT_EVENT_SOURCE, SeatEventDetail } from "../../functions/hub-seat-events/seatEventContract";
import type { SandboxEvent } from "../runtime/events";
import type { ExpectationCheck } from "./expectations";
import type { ExpectedSeatEvent } from "../world/scenario";

export interface SeenSeatEvent {
    at: number;
    accountId: string;
    busName: string;
    detailType: string;
    detail: SeatEventDetail;
}

/** Problems of a scenario's `seatEvents`, each naming the entry. */
export function seatEventProblems(value: unknown, users: readonly string[], products: readonly string[]): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) return ["seatEvents must be an array"];
    return value.flatMap((entry, i) => {
        const where = `seatEvents[${i}]`;
        if (typeof entry !== "object" || entry === null) return [`${where} must be an object`];
        const e = entry as Record<string, unknown>;
        const problems: string[] = [];
        if (!(SEAT_EVENT_DETAIL_TYPES as readonly unknown[]).includes(e.detailType)) problems.push(`${where}.detailType must be one of ${SEAT_EVENT_DETAIL_TYPES.join(", ")}`);
        if (!users.includes(String(e.user))) problems.push(`${where}.user must be one of the scenario's users`);
        if (!products.includes(String(e.product))) problems.push(`${where}.product must be a product of the catalog`);
        if (e.queuePosition !== undefined && !(Number.isInteger(e.queuePosition) && Number(e.queuePosition) >= 1)) problems.push(`${where}.queuePosition must be a whole number >= 1`);
        const unknown = Object.keys(e).filter((k) => !["detailType", "user", "product", "queuePosition", "note"].includes(k));
        if (unknown.length > 0) problems.push(`${where} has unknown keys: ${unknown.join(", ")} (use detailType, user, product, queuePosition, note)`);
        return problems;
    });
}

/** Collects the seat events that buses accept. */
export class SeatEventLog {
    readonly seen: SeenSeatEvent[] = [];

    readonly onEvent = (event: SandboxEvent): void => {
        if (event.kind !== "bus-event" || event.event.source !== SEAT_EVENT_SOURCE) return;
        if (!(SEAT_EVENT_DETAIL_TYPES as readonly string[]).includes(event.event["detail-type"])) return;
        const { at, accountId, busName } = event;
        this.seen.push({ at, accountId, busName, detailType: event.event["detail-type"], detail: event.event.detail as unknown as SeatEventDetail });
    };

    /**
     * One check per expected event on the hub bus (the ARN the license-server stack exports), matched in order,
     * each seen event once; and one for the seat events nobody expected.
     */
    checks(expected: readonly ExpectedSeatEvent[], hubBusArn: string): ExpectationCheck[] {
        const [account, busName] = [hubBusArn.split(":")[4], hubBusArn.split(":event-bus/")[1]];
        const unmatched = this.seen.filter((s) => s.accountId === account && s.busName === busName);
        // A user's events on a product must arrive in the order listed (denied, then granted): each is looked for
        // after the one matched for the same user and product before it.
        const lastMatched = new Map<string, SeenSeatEvent>();
        const checks = expected.map((e): ExpectationCheck => {
            const key = JSON.stringify([e.user, e.product]);
            const after = lastMatched.get(key);
            const index = unmatched.findIndex(
                (s) => s.detailType === e.detailType && s.detail["user-id"] === e.user && s.detail.product === e.product && (after === undefined || this.seen.indexOf(s) > this.seen.indexOf(after)),
            );
            const found = index >= 0 ? unmatched.splice(index, 1)[0] : undefined;
            if (found) lastMatched.set(key, found);
            const position = (p: number | undefined) => (p === undefined ? "" : `, queue position ${p}`);
            return {
                step: `seat event ${e.detailType} ${e.user} ${e.product}`,
                note: e.note,
                expected: `on the hub bus${position(e.queuePosition)}`,
                ok: found !== undefined && (e.queuePosition === undefined || found.detail["queue-position"] === e.queuePosition),
                observed: found ? `on the hub bus${position(found.detail["queue-position"])}` : "not on the hub bus",
            };
        });
        checks.push({
            step: "seat events the scenario does not list",
            expected: "none",
            ok: unmatched.length === 0,
            observed: unmatched.length === 0 ? "none" : unmatched.map((s) => `${s.detailType} ${s.detail["user-id"]} ${s.detail.product}`).join("; "),
        });
        return checks;
    }
}
