/**
 * What the deployed handlers return, typed by the handler that returned it (their own result types): the
 * invocation results come back from the Lambda containers as plain JSON.
 */
import type { ForwardOutcome } from "../functions/workbench-forwarder/forwarder";
import type { AssignmentOutcome } from "../functions/hub-assignment/assignment";
import type { SyncOutcome } from "../functions/hub-sync/sync";
import type { ReportRunResult } from "../functions/license-usage-report/tracker";
import type { CheckResult } from "../functions/license-utilisation-checker/checker";
import type { WorkbenchEventDetail } from "../functions/shared/workbenchEvent";

export type HandlerOutcome =
    | { handler: "workbench-forwarder"; outcome: ForwardOutcome }
    | { handler: "hub-assignment"; outcome: AssignmentOutcome }
    | { handler: "hub-sync"; outcome: SyncOutcome }
    | { handler: "license-usage-report"; outcome: ReportRunResult }
    | { handler: "license-utilisation-checker"; outcome: CheckResult }
    | { handler: "other"; outcome: unknown };

const KNOWN = ["workbench-forwarder", "hub-assignment", "hub-sync", "license-usage-report", "license-utilisation-checker"];

export function outcomeOf(handler: string, result: unknown): HandlerOutcome {
    return (KNOWN.includes(handler) ? { handler, outcome: result } : { handler: "other", outcome: result }) as HandlerOutcome;
}

/** The `detail` of an event a handler was invoked with (workbench events for the hub, EC2 events for the forwarder). */
export function detailOf(event: unknown): Partial<WorkbenchEventDetail> & Record<string, unknown> {
    const detail = (event as { detail?: unknown } | null)?.detail;
    return typeof detail === "object" && detail !== null ? (detail as Partial<WorkbenchEventDetail> & Record<string, unknown>) : {};
}
