/**
 * What the deployed handlers return, typed by the handler that returned it (their own result types): the
 * invocation results come back from the Lambda containers as plain JSON.
 */
import type { ForwardOutcome } from "../../functions/workbench-forwarder/forwarder";
import type { AssignmentOutcome } from "../../functions/hub-assignment/assignment";
import type { SnapshotOutcome } from "../../functions/hub-assignment/snapshot";
import type { InventoryOutcome } from "../../functions/workbench-inventory/inventory";
import type { SyncOutcome } from "../../functions/hub-sync/sync";
import type { ReportRunResult } from "../../functions/license-usage-report/tracker";
import type { CheckResult } from "../../functions/license-utilisation-checker/checker";
import type { WatchOutcome } from "../../functions/hub-inventory-watch/watch";
import { WORKBENCH_SNAPSHOT_DETAIL_TYPE, WorkbenchEventDetail } from "../../functions/shared/workbenchEvent";

export type HandlerOutcome =
    | { handler: "workbench-forwarder"; outcome: ForwardOutcome }
    | { handler: "hub-assignment"; outcome: AssignmentOutcome }
    /** The assignment Lambda reconciling an inventory snapshot chunk (told apart by the event's detail-type). */
    | { handler: "hub-snapshot"; outcome: SnapshotOutcome }
    | { handler: "workbench-inventory"; outcome: InventoryOutcome }
    | { handler: "hub-sync"; outcome: SyncOutcome }
    | { handler: "license-usage-report"; outcome: ReportRunResult }
    | { handler: "license-utilisation-checker"; outcome: CheckResult }
    | { handler: "hub-inventory-watch"; outcome: WatchOutcome }
    | { handler: "other"; outcome: unknown };

const KNOWN = ["workbench-forwarder", "workbench-inventory", "hub-assignment", "hub-sync", "license-usage-report", "license-utilisation-checker", "hub-inventory-watch"];

/** A handler's result typed by its handler and, for the assignment Lambda, by what it was invoked with. */
export function outcomeOf(handler: string, result: unknown, event?: unknown): HandlerOutcome {
    if (handler === "hub-assignment" && (event as { "detail-type"?: unknown } | null)?.["detail-type"] === WORKBENCH_SNAPSHOT_DETAIL_TYPE) {
        return { handler: "hub-snapshot", outcome: result as SnapshotOutcome };
    }
    return (KNOWN.includes(handler) ? { handler, outcome: result } : { handler: "other", outcome: result }) as HandlerOutcome;
}

/** The `detail` of an event a handler was invoked with (workbench events for the hub, EC2 events for the forwarder). */
export function detailOf(event: unknown): Partial<WorkbenchEventDetail> & Record<string, unknown> {
    const detail = (event as { detail?: unknown } | null)?.detail;
    return typeof detail === "object" && detail !== null ? (detail as Partial<WorkbenchEventDetail> & Record<string, unknown>) : {};
}

/** Seat holders the hub's silence watch released per departed account, as its invocations report them. */
export function departedSeats(event: { kind: string; fn?: { handler: string }; result?: { ok: boolean; result?: unknown } }): Array<{ account: string; seatsReleased: number }> {
    if (event.kind !== "invocation" || !event.result?.ok || event.fn?.handler !== "hub-inventory-watch") return [];
    const typed = outcomeOf(event.fn.handler, event.result.result);
    return typed.handler === "hub-inventory-watch" ? typed.outcome.departed.map((d) => ({ account: d.account, seatsReleased: d.seatsReleased })) : [];
}
