/**
 * The sync's table items in memory, with the semantics of functions/hub-sync/tablePorts.ts (each operation atomic on
 * one item; the conditional writes refuse what DynamoDB refuses) and, for the benchmarks, a report of each request
 * the DynamoDB ports would make: operation, bytes of the items it reads or writes, and whether the read is strongly
 * consistent. The change marker's write goes through the same marks (`markFromStream`).
 */
import type { GenerationClaim } from "../../../functions/hub-sync/generation";
import { nextGeneration } from "../../../functions/hub-sync/generation";
import type { SeatHolder } from "../../../functions/hub-sync/seatSelection";
import type { DeliveredList, ServerState, SyncChecks } from "../../../functions/hub-sync/ports";
import type { SyncTablePorts } from "../../../functions/hub-sync/tablePorts";

export interface TableRequest {
    operation: "GetItem" | "PutItem" | "UpdateItem" | "DeleteItem" | "Query";
    /** Bytes of the items read (a Query: each item's size, for its pages) or written. */
    items: number[];
    consistent: boolean;
}

export interface MemorySyncTable {
    ports: SyncTablePorts;
    /** The change marker's write: adds each product's count to its mark (one UpdateItem per product), reported to `report`. */
    markFromStream(changes: ReadonlyMap<string, number>, report?: (request: TableRequest) => void): Promise<void>;
    marks(): Map<string, number>;
    deliveries(): Map<string, DeliveredList>;
    /** Every item as DynamoDB would store it, for size checks. */
    items(): Array<Record<string, unknown>>;
}

const bytesOf = (item: Record<string, unknown>) => Buffer.byteLength(JSON.stringify(item));
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * `now` is the clock the claim's lease and generation are read from, as `Date.now()` is in the DynamoDB ports: a test
 * that runs the sync on a simulated clock must pass that clock, or a lease set on one clock is compared with the other
 * (real time past the simulated start made every lease expired, so two syncs delivered at once).
 */
export function memorySyncTable(seatHolders: (product: string) => SeatHolder[], onRequest: (request: TableRequest) => void = () => undefined, now: () => number = Date.now): MemorySyncTable {
    let generation: { generation: number; holder?: string; leaseUntil?: number } | undefined;
    const marks = new Map<string, number>();
    const deliveries = new Map<string, DeliveredList>();
    const servers = new Map<string, ServerState>();
    let checks: SyncChecks | undefined;
    const request = (operation: TableRequest["operation"], items: number[], consistent = true) => onRequest({ operation, items, consistent });
    const markItem = (product: string) => ({ pk: "CHANGED", sk: product, changes: marks.get(product), firstChangeAt: "2026-12-07T08:50:00.000Z", lastChangeAt: "2026-12-07T08:50:00.000Z" });
    const add = async (changes: ReadonlyMap<string, number>, report: (request: TableRequest) => void = onRequest) => {
        for (const [product, count] of changes) {
            await yieldTurn();
            marks.set(product, (marks.get(product) ?? 0) + count);
            report({ operation: "UpdateItem", items: [bytesOf(markItem(product))], consistent: true });
        }
    };

    const ports: SyncTablePorts = {
        async claimGeneration(holder, leaseUntil): Promise<GenerationClaim | undefined> {
            await yieldTurn();
            request("GetItem", [100]);
            const at = now();
            if (generation?.holder && Number(generation.leaseUntil ?? 0) > at) return undefined;
            request("PutItem", [100]);
            const claim = { generation: nextGeneration(generation?.generation ?? 0, at), holder, leaseUntil };
            generation = claim;
            return { ...claim };
        },
        async releaseGeneration(claim, floor) {
            await yieldTurn();
            request("PutItem", [100]);
            if (generation?.generation === claim.generation && generation.holder === claim.holder) generation = { generation: Math.max(claim.generation, floor) };
        },
        async changeMarks() {
            await yieldTurn();
            request("Query", [...marks.keys()].map((p) => bytesOf(markItem(p))));
            return [...marks].map(([product, changes]) => ({ product, changes }));
        },
        markChanged: (products) => add(new Map(products.map((p) => [p, 1]))),
        async clearChangeMark(mark) {
            await yieldTurn();
            request("DeleteItem", [100]);
            if (marks.get(mark.product) !== mark.changes) return false;
            marks.delete(mark.product);
            return true;
        },
        async readDeliveries() {
            await yieldTurn();
            request("Query", [...deliveries].map(([product, d]) => bytesOf({ pk: "SYNC", sk: `PRODUCT#${product}`, ...d })));
            return new Map([...deliveries].map(([p, d]) => [p, { ...d }]));
        },
        async recordDelivery(product, delivered) {
            await yieldTurn();
            request("PutItem", [bytesOf({ pk: "SYNC", sk: `PRODUCT#${product}`, ...delivered })]);
            const held = deliveries.get(product);
            if (!held || held.generation < delivered.generation) deliveries.set(product, { ...delivered });
        },
        async readServers() {
            await yieldTurn();
            request("Query", [...servers].map(([id, s]) => bytesOf({ pk: "SYNC", sk: `SERVER#${id}`, ...s })));
            return new Map([...servers].map(([id, s]) => [id, { ...s }]));
        },
        async writeServer(instanceId, state) {
            await yieldTurn();
            request("PutItem", [bytesOf({ pk: "SYNC", sk: `SERVER#${instanceId}`, ...state })]);
            servers.set(instanceId, { ...state });
        },
        async readChecks() {
            await yieldTurn();
            request("GetItem", [checks ? bytesOf({ ...checks }) : 0]);
            return { cursor: 0, ...checks };
        },
        async writeChecks(next) {
            await yieldTurn();
            request("PutItem", [bytesOf({ pk: "SYNC", sk: "CHECKS", ...next })]);
            checks = { ...next };
        },
        async seatHolders(product, eventual = false) {
            await yieldTurn();
            const holders = seatHolders(product);
            // The Query reads whole seat rows (the projection is applied after the read, as DynamoDB bills it).
            request("Query", holders.map((h) => 120 + product.length + h.userId.length), !eventual);
            return holders;
        },
    };
    return {
        ports,
        markFromStream: add,
        marks: () => new Map(marks),
        deliveries: () => new Map(deliveries),
        items: () => [
            ...(generation ? [{ pk: "SYNC", sk: "GENERATION", ...generation }] : []),
            ...(checks ? [{ pk: "SYNC", sk: "CHECKS", ...checks }] : []),
            ...[...marks.keys()].map(markItem),
            ...[...deliveries].map(([product, d]) => ({ pk: "SYNC", sk: `PRODUCT#${product}`, ...d })),
            ...[...servers].map(([id, s]) => ({ pk: "SYNC", sk: `SERVER#${id}`, ...s })),
        ],
    };
}
