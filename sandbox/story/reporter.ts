/**
 * The sandbox's console output: one timeline line per step of the story (`t=mm:ss  <account>  <what>`), a table of
 * seats per product after each sync that changed a license server, and the end-of-run sections. Routine lines (a
 * forwarded event the hub's line then shows, change-marker writes, installed lists the sync line names, inventories
 * that corrected nothing, refused inventory snapshots) are counted instead of printed unless `verbose`.
 */
import { SEAT_DENIED, SEAT_EVENT_DETAIL_TYPES, SEAT_EVENT_SOURCE, SeatEventDetail } from "../../functions/hub-seat-events/seatEventContract";
import type { DynamoDBRecord } from "aws-lambda";
import { parseSeatRowKey } from "../../functions/hub-shared/tableKeys";
import type { WorkbenchEventDetail } from "../../functions/shared/workbenchEvent";
import { SEAT_CHANGE_EVENT } from "../../functions/hub-change-marker/seatChangeEvent";
import type { LocalFunction } from "../world/deployment";
import type { SandboxEvent, SeatRow } from "../runtime/events";
import { detailOf, outcomeOf } from "./outcomes";
import { formatScenarioTime } from "../world/scenario";

export type Output = (line: string) => void;

export interface ReporterContext {
    /** Scenario account key of an account id; with a region other than the account's home region, `<key>/<region>`. */
    accountName(accountId: string, region?: string): string;
    /** Scenario instance key of an instance id (undefined for instances the scenario does not know). */
    instanceName(instanceId: string): string | undefined;
    /** Print the routine lines too (otherwise counted). */
    verbose: boolean;
}

const WHERE_WIDTH = 13;

export class TimelineReporter {
    private unchangedSyncs = 0;
    private routineLines = 0;
    /** Users each product's license server was last given. */
    private readonly installed = new Map<string, number>();

    constructor(
        private readonly out: Output,
        private readonly context: ReporterContext,
    ) {}

    line(at: number | undefined, where: string, text: string): void {
        const time = at === undefined ? "       " : `t=${formatScenarioTime(at)}`;
        this.out(`${time}  ${where.padEnd(WHERE_WIDTH)} ${text}`);
    }

    /** A routine line: printed when verbose, else counted (takeRoutineLines). */
    private routine(at: number, where: string, text: string): void {
        if (this.context.verbose) this.line(at, where, text);
        else this.routineLines++;
    }

    readonly onEvent = (event: SandboxEvent): void => {
        const where = (accountId: string, region?: string) => this.context.accountName(accountId, region);
        const instance = (id: unknown) => {
            const name = typeof id === "string" ? this.context.instanceName(id) : undefined;
            return name ? `${name} (${id})` : String(id);
        };
        switch (event.kind) {
            case "ec2-event": {
                const flags = [
                    event.redelivery ? "redelivered" : "",
                    event.manual ? "fired by hand" : "",
                    event.late ? `happened at t=${formatScenarioTime(event.occurredAt)}` : "",
                    event.forged?.region ? `claims region ${event.forged.region}` : "",
                ].filter(Boolean);
                const name = event.instance === event.instanceId ? event.instanceId : `${event.instance} (${event.instanceId})`;
                const who = event.forged ? "FORGED (a retargeted rule's Input, not EC2):" : "EC2";
                this.line(event.at, where(event.accountId, event.region), `${who} ${name} ${event.state}${flags.length ? ` [${flags.join(", ")}]` : ""}${event.note ? `  -- ${event.note}` : ""}`);
                return;
            }
            case "fault": {
                const what =
                    event.target === "change-marks"
                        ? `the change marks were deleted${event.times > 1 ? ` ${event.times} times` : ""} (${event.marksDeleted ?? 0} products were marked): lost writes of the change marker`
                        : `the next ${event.times} ${event.target === "ec2" ? "EC2 API calls fail (RequestLimitExceeded)" : "vendor CLI calls fail (license server busy)"}`;
                this.line(event.at, event.accountKey ?? "lic-server", `FAULT: ${what}${event.note ? `  -- ${event.note}` : ""}`);
                return;
            }
            case "attempt":
                this.line(
                    event.at,
                    event.accountKey,
                    `ATTACK: ${event.description} -> ${event.outcome}${event.reason && this.context.verbose ? ` (${event.reason})` : ""}${event.note ? `  -- ${event.note}` : ""}`,
                );
                return;
            case "bus-event":
                if (isSeatEvent(event.event)) {
                    const d = event.event.detail as unknown as SeatEventDetail;
                    const queue = event.event["detail-type"] === SEAT_DENIED ? `queue position ${d["queue-position"]} of ${d["queue-length"]}` : `waited at position ${d["queue-position"]}`;
                    this.line(event.at, where(event.accountId, event.region), `people: ${event.event["detail-type"]} for ${d["user-id"]} on ${d.product} (${d.seats} seats; ${queue})`);
                }
                return;
            case "no-rule":
                // Seat events are for the platform's own rules (chat, e-mail): the sandbox has none, and says so once above.
                if (isSeatEvent(event.event)) return;
                this.line(
                    event.at,
                    where(event.accountId, event.region),
                    `no rule on bus ${event.busName} matches ${event.event.source === "aws.ec2" ? `EC2 state ${event.event.detail.state}` : `${event.event.source} / ${event.event["detail-type"]}`}: nothing happens`,
                );
                return;
            case "delivery-failed":
                (event.event.detail["snapshot-id"] !== undefined ? this.routine.bind(this) : this.line.bind(this))(
                    event.at,
                    where(event.rule.accountId, event.rule.region),
                    `DROPPED ${describeEvent(event.event, instance)} at rule ${event.rule.name}: ${event.reason}${event.deadLetter ? ` -> dead-letter queue ${queueName(event.deadLetter)}` : ""}`,
                );
                return;
            case "cross-account":
                return; // the hub's assignment line shows the arrival
            case "schedule":
                if (event.periodMs === undefined) this.line(event.at, where(event.rule.accountId, event.rule.region), `schedule ${event.rule.name} (${event.rule.scheduleExpression}) fires`);
                return;
            case "invocation":
                this.invocation(event.at, event.fn, event.event, event.result.ok ? event.result.result : undefined, event.result.error, event.attempt, event.trigger);
                return;
            case "async-retry":
                this.line(event.at, where(event.fn.accountId, event.fn.region), `${event.fn.name} failed (${event.error}); Lambda retries in ${event.delayMs / 60_000} min (attempt ${event.attempt + 1})`);
                return;
            case "async-failure":
                this.line(
                    event.at,
                    where(event.fn.accountId, event.fn.region),
                    `${event.fn.name}: Lambda gives up on this event after ${event.fn.async.maximumRetryAttempts + 1} attempt${event.fn.async.maximumRetryAttempts ? "s" : ""} -> on-failure destination ${event.destination ? queueName(event.destination) : "(none)"}`,
                );
                return;
            case "stream-batch": {
                const changes = event.records.map(describeSeatRecord).join(" ");
                const products = [...new Set(event.records.map((r) => parseSeatRowKey(r.dynamodb?.Keys?.pk?.S, r.dynamodb?.Keys?.sk?.S)?.product).filter(Boolean))].sort();
                this.routine(event.at, where(event.fn.accountId), `change marker: ${products.join(", ") || "nothing"} marked <- ${changes}`);
                return;
            }
            case "stream-failure":
                this.line(event.at, "", `stream batch of ${event.records.length} records GAVE UP (${event.error}) -> ${event.destination ? queueName(event.destination) : "(none)"}`);
                return;
            case "license-server":
                if (event.ok && event.users) this.installed.set(event.product, event.users.length);
                (event.ok ? this.routine.bind(this) : this.line.bind(this))(
                    event.at,
                    "lic-server",
                    event.ok
                        ? `${event.instanceId}: ${event.product} generation ${event.generation} installed -> ${event.product}.users = ${event.users?.length ? event.users.join(", ") : "(empty)"}`
                        : `${event.instanceId}: ${event.product} generation ${event.generation} FAILED: ${event.detail}`,
                );
                return;
            case "seats":
                this.seatTable(event.rows);
                return;
            case "alert":
                this.line(event.at, "", `SNS ${event.topicArn.split(":").pop()}: "${event.subject ?? ""}"`);
                return;
            case "info":
                this.line(event.at, "", event.message);
                return;
            case "harness-error":
                this.line(event.at, "", `SANDBOX ERROR (the run fails): ${event.message}`);
                return;
            case "warning":
                this.line(event.at, "", `WARNING: ${event.message}`);
                return;
        }
    };

    /** How many routine lines were not printed (and resets the count). */
    takeRoutineLines(): number {
        const count = this.routineLines;
        this.routineLines = 0;
        return count;
    }

    /** How many unchanged syncs were not printed (and resets the count). */
    takeUnchangedSyncs(): number {
        const count = this.unchangedSyncs;
        this.unchangedSyncs = 0;
        return count;
    }

    private invocation(at: number, fn: LocalFunction, event: unknown, result: unknown, error: { type: string; message: string } | undefined, attempt: number, trigger: string): void {
        const where = this.context.accountName(fn.accountId, fn.region);
        const retry = attempt > 0 ? ` (retry ${attempt})` : "";
        if (error) {
            this.line(at, where, `${fn.name} ERROR${retry}: ${error.type}: ${error.message}`);
            return;
        }
        if (trigger === "stream") return; // the stream-batch line says what the batch did
        const instance = (id: unknown) => (typeof id === "string" ? this.context.instanceName(id) : undefined) ?? String(id);
        const d = detailOf(event);
        const typed = outcomeOf(fn.handler, result, event);
        switch (typed.handler) {
            case "workbench-forwarder": {
                const o = typed.outcome;
                if (o.outcome === "forwarded") this.routine(at, where, `forwarder: forwarded ${describeForwarded(o.detail, instance)} -> hub bus`);
                else this.line(at, where, `forwarder: ${o.outcome === "rejected" ? "REJECTED" : "ignored"} ${instance(d["instance-id"])}: ${o.reason}`);
                return;
            }
            case "hub-assignment": {
                const o = typed.outcome;
                // A stop may come without its owner (contract version 2: tags removed or gone).
                const who = `${d["user-id"] ?? "(no owner)"} ${d["workbench-state"]} ${instance(d["instance-id"])} (${this.context.accountName(String(d.account), String(d.region))})`;
                if (o.outcome === "rejected") this.line(at, where, `assignment: REJECTED ${JSON.stringify(d["user-id"])} ${d["workbench-type"]} ${d["workbench-state"]} from ${d.account}: ${o.reason}`);
                else if (o.outcome === "superseded") this.line(at, where, `assignment: ${who}: superseded by a later event, instance stays ${o.state}${seatDelta(o)}`);
                else this.line(at, where, `assignment: ${who}${seatDelta(o) || ": no seat change"}`);
                return;
            }
            case "workbench-inventory": {
                const o = typed.outcome;
                this.routine(at, where, `inventory: ${o.instances} workbench instance${o.instances === 1 ? "" : "s"} in ${o.chunks} snapshot chunk${o.chunks === 1 ? "" : "s"} -> hub bus`);
                return;
            }
            case "hub-snapshot": {
                const o = typed.outcome;
                const of = this.context.accountName(String(d.account), String(d.region));
                if (o.outcome === "reconciled") (o.corrected + o.repaired > 0 ? this.line.bind(this) : this.routine.bind(this))(at, where, `inventory of ${of}: ${o.observed} instances, ${o.corrected} corrected, ${o.superseded} superseded by later events, ${o.repaired} seat repairs`);
                else if (o.outcome === "partial") this.routine(at, where, `inventory of ${of}: chunk held, ${o.chunksHeld} of ${o.chunkCount}`);
                else if (o.outcome === "stale") this.routine(at, where, `inventory of ${of}: chunk stale (${o.reason})`);
                else this.line(at, where, `inventory of ${of}: REJECTED: ${o.reason}`);
                return;
            }
            case "hub-sync": {
                const o = typed.outcome;
                const e = event as { source?: string; "detail-type"?: string } | null;
                const cause = e?.source === "aws.events" ? "on schedule" : e?.["detail-type"] === SEAT_CHANGE_EVENT.detailType ? "on seat change" : "invoked";
                if (o.outcome === "busy") {
                    this.line(at, where, `sync ${cause}: busy (another sync holds the generation claim)`);
                    return;
                }
                if (o.outcome === "unchanged") {
                    this.unchangedSyncs++;
                    if (this.context.verbose) this.line(at, where, `sync ${cause}: unchanged (no product marked${o.checked ? `; safety net compared ${o.checked}` : ""})`);
                    return;
                }
                const users = (n: number | undefined) => (n === undefined ? "?" : `${n} user${n === 1 ? "" : "s"}`);
                const sent = o.sent.map((p) => `${p} (${users(this.installed.get(p))})`);
                const failed = o.failed.map((f) => `${f.product} (${f.reason})`);
                const how = `${o.commands} command${o.commands === 1 ? "" : "s"}${o.checked ? `, safety net compared ${o.checked}` : ""}`;
                this.line(at, where, `sync ${cause} (generation ${o.generation}, ${how}): sent ${sent.join(", ") || "nothing, every list is current"}${failed.length ? `; FAILED ${failed.join(", ")}` : ""}${o.deferred.length ? `; left to the next sync: ${o.deferred.join(", ")}` : ""}`);
                return;
            }
            case "license-usage-report": {
                const o = typed.outcome;
                this.line(at, where, `usage report: ${o.configurations.total} configurations (${o.configurations.failed} failed), ${o.usageRows} usage rows, ${o.filesWritten} files -> ${o.manifestKey}`);
                return;
            }
            case "hub-inventory-watch": {
                const o = typed.outcome;
                const silent = o.silent.map((s) => `${this.context.accountName(s.account)} ${s.region} (${s.silentPeriods} periods)`);
                for (const d of o.departed) this.line(at, where, `${this.context.accountName(d.account)} ${d.region} no longer admitted: ${d.instancesStopped} workbenches stopped, ${d.seatsReleased} seat holders released`);
                if (silent.length > 0) this.line(at, where, `silence watch: ${o.expected} account-regions expected, SILENT: ${silent.join(", ")}`);
                else this.routine(at, where, `silence watch: ${o.expected} account-regions expected, none silent`);
                return;
            }
            case "license-utilisation-checker": {
                const o = typed.outcome;
                const alerting = o.alerting.map((a) => `${a.name} at ${a.percent}%`);
                this.line(at, where, `utilisation check: ${o.outcome}${alerting.length ? ` (${alerting.join(", ")})` : ""}`);
                return;
            }
            default:
                this.line(at, where, `${fn.name}: ${JSON.stringify(result).slice(0, 200)}`);
        }
    }

    private seatTable(rows: SeatRow[]): void {
        const withPending = rows.some((r) => r.pending.length > 0);
        const header = ["product", "on the license server", "seats", "free", "denied", ...(withPending ? ["not synced yet"] : [])];
        const table = rows.map((r) => [
            r.product,
            r.holding.length ? r.holding.join(", ") : "-",
            r.seats === undefined ? "unlimited" : String(r.seats),
            r.seats === undefined ? "-" : String(Math.max(0, r.seats - r.holding.length)),
            r.denied.length ? r.denied.join(", ") : "-",
            ...(withPending ? [r.pending.length ? r.pending.join(", ") : "-"] : []),
        ]);
        const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
        const render = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
        this.out(`${" ".repeat(9 + WHERE_WIDTH)}${render(header)}`);
        for (const row of table) this.out(`${" ".repeat(9 + WHERE_WIDTH)}${render(row)}`);
    }
}

/**
 * A forwarded workbench event: a start names its owner and type; a stop names neither (contract version 2: the hub
 * releases whatever the instance holds), so its instance is named instead.
 */
export function describeForwarded(detail: WorkbenchEventDetail, instance: (id: unknown) => string): string {
    const state = detail["workbench-state"];
    if (detail["user-id"] !== undefined) return `${detail["user-id"]}${detail["workbench-type"] !== undefined ? ` / ${detail["workbench-type"]}` : ""} ${state}`;
    return `${instance(detail["instance-id"])} ${state}`;
}

function seatDelta(result: { seatsAdded?: number; seatsReleased?: number }): string {
    const parts = [result?.seatsAdded ? `+${result.seatsAdded} seat holder${result.seatsAdded > 1 ? "s" : ""}` : "", result?.seatsReleased ? `-${result.seatsReleased} seat holder${result.seatsReleased > 1 ? "s" : ""}` : ""].filter(Boolean);
    return parts.length ? `: ${parts.join(", ")}` : "";
}

function describeEvent(event: { source: string; detail: Record<string, unknown> }, instance: (id: unknown) => string): string {
    const d = event.detail ?? {};
    if (event.source === "aws.ec2") return `EC2 event of ${instance(d["instance-id"])}`;
    if (d["snapshot-id"] !== undefined) return `inventory snapshot of ${d.account}`;
    return `${d["user-id"] ?? "?"} ${d["workbench-state"] ?? ""} ${instance(d["instance-id"])}`.trim();
}

function describeSeatRecord(record: DynamoDBRecord): string {
    const seat = parseSeatRowKey(record.dynamodb?.Keys?.pk?.S, record.dynamodb?.Keys?.sk?.S);
    const what = seat ? `${seat.product}/${seat.userId}` : JSON.stringify(record.dynamodb?.Keys);
    return `${record.eventName === "INSERT" ? "+" : record.eventName === "REMOVE" ? "-" : "~"}${what}`;
}

function queueName(arn: string): string {
    return arn.split(":").pop() ?? arn;
}

function isSeatEvent(event: { source: string; "detail-type": string }): boolean {
    return event.source === SEAT_EVENT_SOURCE && (SEAT_EVENT_DETAIL_TYPES as readonly string[]).includes(event["detail-type"]);
}
