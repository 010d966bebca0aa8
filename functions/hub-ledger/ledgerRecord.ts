/**
 * The seat ledger's record and object layout, stated once: the ledger Lambda writes it, the Glue table
 * (components/analytics) describes it, and the local DuckDB views read it.
 *
 *   s3://<ledger bucket>/seat-ledger/dt=<YYYY-MM-DD of recorded_time>/<batch sha256>.json.gz
 *   one JSON object per line (gzip), field names below, every time an ISO 8601 UTC string.
 *
 * Records are immutable and written at least once: a stream batch retried whole writes the same object again (its
 * key is the hash of its content), a bisected or replayed batch writes some records twice under another key. Queries
 * therefore keep one row per `record_id`, which is derived from what the record says, never from when or how often
 * it was written.
 */
import { createHash } from "node:crypto";

export type LedgerKind = "grant" | "release" | "denial";

export interface LedgerRecord {
    record_id: string;
    kind: LedgerKind;
    product: string;
    user_id: string;
    account: string | null;
    region: string | null;
    instance_ref: string | null;
    workbench_type: string | null;
    /** When it happened: the EC2 start (grant) or stop (release), or when the shortfall was seen (denial). */
    event_time: string;
    /** When the hub's table recorded the change (the stream record's creation time). */
    recorded_time: string;
    reason: string;
    /** Seats the organisation owns for the product at that time; null without a seat limit. */
    seats_owned: number | null;
    /** What one seat of the product cost a year at that time (the catalog's annualCostPerSeat); null when not stated. */
    annual_cost_per_seat: number | null;
}

export const LEDGER_PREFIX = "seat-ledger/";
export const LEDGER_PARTITION_KEY = "dt";

/** The Glue/Athena column types of a ledger record, in file order. */
export const LEDGER_COLUMNS: ReadonlyArray<{ name: keyof LedgerRecord; type: "string" | "int" | "double" }> = [
    { name: "record_id", type: "string" },
    { name: "kind", type: "string" },
    { name: "product", type: "string" },
    { name: "user_id", type: "string" },
    { name: "account", type: "string" },
    { name: "region", type: "string" },
    { name: "instance_ref", type: "string" },
    { name: "workbench_type", type: "string" },
    { name: "event_time", type: "string" },
    { name: "recorded_time", type: "string" },
    { name: "reason", type: "string" },
    { name: "seats_owned", type: "int" },
    { name: "annual_cost_per_seat", type: "double" },
];

/**
 * A record's id: SHA-256 of what identifies the fact. Grants and releases: kind, product, user, instance and event
 * time, so a stream record read twice (retry, replay, a re-created mapping) yields the same id. Denials: product,
 * user and the start of the user's wait (their claim's firstAssignedAt), so one waiting spell is one denial however
 * many times the shortfall is observed.
 */
export function ledgerRecordId(kind: LedgerKind, product: string, userId: string, instanceRef: string | null, identifyingTime: string): string {
    return createHash("sha256").update(JSON.stringify([kind, product, userId, instanceRef, identifyingTime])).digest("hex");
}

/** What a ledger record states; its id, account and region follow from it. */
export interface LedgerFact {
    kind: LedgerKind;
    product: string;
    userId: string;
    /** The workbench behind the seat (`<account>/<region>/<instance-id>`), null when unknown. */
    instanceRef: string | null;
    workbenchType: string | null;
    eventTime: string;
    recordedTime: string;
    reason: string;
    seatsOwned: number | null;
    /** The catalog's yearly cost per seat; default none. */
    annualCostPerSeat?: number | null;
    /** The time identifying the fact (ledgerRecordId). Default: the event time; a denial's is the start of the wait. */
    identifyingTime?: string;
}

/** The ledger record of a fact, with its id (a denial's names no instance: one waiting spell is one denial). */
export function ledgerRecord(fact: LedgerFact): LedgerRecord {
    const { kind, product, userId, instanceRef } = fact;
    return {
        record_id: ledgerRecordId(kind, product, userId, kind === "denial" ? null : instanceRef, fact.identifyingTime ?? fact.eventTime),
        kind,
        product,
        user_id: userId,
        ...instanceRefParts(instanceRef),
        instance_ref: instanceRef,
        workbench_type: fact.workbenchType,
        event_time: fact.eventTime,
        recorded_time: fact.recordedTime,
        reason: fact.reason,
        seats_owned: fact.seatsOwned,
        annual_cost_per_seat: fact.annualCostPerSeat ?? null,
    };
}

/** `<account>/<region>/<instance-id>` split back into its parts (see tableKeys.instanceRef). */
export function instanceRefParts(ref: string | null): { account: string | null; region: string | null } {
    const parts = ref?.split("/") ?? [];
    return parts.length === 3 ? { account: parts[0], region: parts[1] } : { account: null, region: null };
}

/** The object a group of records recorded on one UTC day goes to: named by its content, so a retried write lands on itself. */
export function ledgerObjectKey(day: string, body: Buffer | string): string {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`ledger day ${JSON.stringify(day)} is not YYYY-MM-DD`);
    const digest = createHash("sha256").update(body).digest("hex");
    return `${LEDGER_PREFIX}${LEDGER_PARTITION_KEY}=${day}/${digest}.json.gz`;
}

/** Records grouped by the UTC day of their recorded time, as JSON lines. */
export function ledgerLinesByDay(records: readonly LedgerRecord[]): Map<string, string> {
    const days = new Map<string, string[]>();
    for (const record of records) {
        const day = record.recorded_time.slice(0, 10);
        days.set(day, [...(days.get(day) ?? []), JSON.stringify(record)]);
    }
    return new Map([...days].map(([day, lines]) => [day, `${lines.join("\n")}\n`]));
}
