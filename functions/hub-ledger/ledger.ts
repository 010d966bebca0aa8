import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { Telemetry } from "../shared/telemetry";
import { parseSeatRowKey } from "../hub-shared/tableKeys";
import type { ProductTarget } from "../hub-shared/config";
import { selectSeatHolders } from "../hub-sync/seatSelection";
import { LedgerRecord, ledgerLinesByDay, ledgerRecord } from "./ledgerRecord";

/** What the ledger reads of an instance item (the workbench behind a seat). */
export interface LedgerInstance {
    state: "started" | "stopped";
    workbenchType?: string;
    ec2EventTime?: string;
}

/** One (product, user) claim: a seat row, whether or not the user got one of the owned seats. */
export interface SeatClaim {
    userId: string;
    firstAssignedAt: string;
    instances: string[];
}

/** AWS calls of the ledger; each throws on AWS errors, failing the batch so that Lambda retries it. */
export interface LedgerPorts {
    readInstance(ref: string): Promise<LedgerInstance | undefined>;
    /** Every seat row of a product (all pages). */
    seatClaims(product: string): Promise<SeatClaim[]>;
    /** Stores one day's JSON lines (the port compresses and names the object). */
    writeDay(day: string, jsonLines: string): Promise<string>;
}

/**
 * Stream handler: turns seat rows created (grant) and deleted (release) into ledger records, with the workbench
 * behind each (account, region, instance, workbench type) read from its instance item. Denials are not rows: after
 * a grant on a product with a seat limit, the product's claims are ranked exactly as the sync ranks them
 * (`selectSeatHolders`), and each user left waiting is recorded as a denial (one per waiting spell, see
 * `ledgerRecordId`). The whole batch's records are written before the batch succeeds; on an error Lambda retries
 * the batch and the content-named objects make the rewrite harmless.
 */
export async function recordSeatChanges(
    event: DynamoDBStreamEvent,
    products: Record<string, ProductTarget>,
    ports: LedgerPorts,
    telemetry: Telemetry,
    now: () => Date = () => new Date(),
): Promise<LedgerRecord[]> {
    const changes = (Array.isArray(event?.Records) ? event.Records : []).flatMap((record) => {
        const seat = seatChange(record);
        return seat ? [{ record, ...seat }] : [];
    });
    const instances = new Map<string, Promise<LedgerInstance | undefined>>();
    const instance = (ref: string | null) => {
        if (!ref) return Promise.resolve(undefined);
        if (!instances.has(ref)) instances.set(ref, ports.readInstance(ref));
        return instances.get(ref)!;
    };
    const seatsOwned = (product: string) => products[product]?.seats ?? null;

    const records: LedgerRecord[] = [];
    const shortfallSeenAt = new Map<string, string>();
    for (const change of changes) {
        const recorded = recordedTime(change.record, now);
        const image = change.granted ? change.record.dynamodb?.NewImage : change.record.dynamodb?.OldImage;
        const ref = firstString(image?.instances) ?? null;
        const workbench = await instance(ref);
        let eventTime: string;
        let reason: string;
        if (change.granted) {
            eventTime = image?.firstAssignedAt?.S ?? recorded;
            reason = "workbench started";
            if (seatsOwned(change.product) !== null) shortfallSeenAt.set(change.product, recorded);
        } else if (workbench === undefined) {
            eventTime = recorded;
            reason = "workbench no longer known";
        } else {
            eventTime = workbench.ec2EventTime ?? recorded;
            reason = workbench.state === "stopped" ? "workbench stopped" : "workbench no longer entitles the user (owner or type changed)";
        }
        records.push(
            ledgerRecord({
                kind: change.granted ? "grant" : "release",
                product: change.product,
                userId: change.userId,
                instanceRef: ref,
                workbenchType: workbench?.workbenchType ?? null,
                eventTime,
                recordedTime: recorded,
                reason,
                seatsOwned: seatsOwned(change.product),
                annualCostPerSeat: products[change.product]?.annualCostPerSeat,
            }),
        );
    }

    for (const [product, seenAt] of shortfallSeenAt) {
        const seats = seatsOwned(product)!;
        const claims = await ports.seatClaims(product);
        const selection = selectSeatHolders(claims, seats);
        for (const userId of selection.denied) {
            const claim = claims.find((c) => c.userId === userId)!;
            const ref = [...claim.instances].sort()[0] ?? null;
            const workbench = await instance(ref);
            records.push(
                ledgerRecord({
                    kind: "denial",
                    product,
                    userId,
                    instanceRef: ref,
                    workbenchType: workbench?.workbenchType ?? null,
                    eventTime: seenAt,
                    recordedTime: seenAt,
                    reason: `all ${seats} owned seats taken (${selection.denied.length} users waiting)`,
                    seatsOwned: seats,
                    annualCostPerSeat: products[product]?.annualCostPerSeat,
                    identifyingTime: claim.firstAssignedAt,
                }),
            );
        }
    }

    for (const [day, lines] of ledgerLinesByDay(records)) {
        const key = await ports.writeDay(day, lines);
        telemetry.info("ledger records written", { key, records: lines.split("\n").length - 1 });
    }
    for (const kind of ["grant", "release", "denial"] as const) {
        const count = records.filter((r) => r.kind === kind).length;
        if (count > 0) telemetry.metric(kind === "grant" ? "LedgerGrants" : kind === "release" ? "LedgerReleases" : "LedgerDenials", count);
    }
    const skipped = (event?.Records?.length ?? 0) - changes.length;
    if (skipped > 0) telemetry.metric("LedgerRecordsSkipped", skipped);
    return records;
}

function seatChange(record: DynamoDBRecord): { granted: boolean; product: string; userId: string } | undefined {
    if (record?.eventName !== "INSERT" && record?.eventName !== "REMOVE") return undefined;
    const seat = parseSeatRowKey(record.dynamodb?.Keys?.pk?.S, record.dynamodb?.Keys?.sk?.S);
    return seat ? { granted: record.eventName === "INSERT", ...seat } : undefined;
}

function recordedTime(record: DynamoDBRecord, now: () => Date): string {
    const seconds = record.dynamodb?.ApproximateCreationDateTime;
    return typeof seconds === "number" && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : now().toISOString();
}

function firstString(value: AttributeValue | undefined): string | undefined {
    const set = value?.SS ?? value?.L?.map((v) => v.S).filter((s): s is string => typeof s === "string");
    return set && set.length > 0 ? [...set].sort()[0] : undefined;
}
