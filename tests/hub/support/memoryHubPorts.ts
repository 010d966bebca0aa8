/**
 * The assignment's and the reconciliation's ports over in-memory maps, with the semantics of the DynamoDB ports
 * (awsPorts.ts, snapshotPorts.ts): every operation is atomic on one item, as a conditional single-item write is,
 * and yields to the event loop before it runs, so concurrent deliveries interleave between operations as Lambda
 * invocations do. bench/reconciliation-convergence.ts uses it to run the convergence property thousands of times
 * (the test runs the same property against dynalite, the real ports, a few hundred times); bench/org-scale.ts runs
 * the whole estate's login storm on it, reading the seat rows per product as the sync does.
 */
import type { AssignmentPorts, InstanceState } from "../../../functions/hub-assignment/assignment";
import type { HeldState, InventoryRecord, SnapshotPorts } from "../../../functions/hub-assignment/snapshot";
import type { SeatHolder } from "../../../functions/hub-sync/seatSelection";
import { accountRegionPrefix, parseSeatRef, seatRef } from "../../../functions/hub-shared/tableKeys";
import type { InventorySnapshotDetail } from "../../../functions/shared/inventorySnapshot";

/** A seat row appearing or disappearing: what the table's stream carries to the change marker (INSERT / REMOVE). */
export interface SeatRowChange {
    kind: "INSERT" | "REMOVE";
    product: string;
    userId: string;
}

export interface MemoryHubOptions {
    /** Called as each seat row is created or deleted, in the order of the writes. */
    onSeatRowChange?(change: SeatRowChange): void;
}

export interface MemoryHub {
    ports: AssignmentPorts & SnapshotPorts;
    /** Seat rows keyed `product/user`: holder count and holders. */
    seatRows(): Map<string, { workbenchCount: number; instances: string[] }>;
    /** One product's seat rows as the sync reads them (user id and first assignment), in sort-key order. */
    seatHolders(product: string): SeatHolder[];
    /** Instance items and seat rows held. */
    counts(): { instances: number; seatRows: number };
}

interface SeatRow {
    count: number;
    holders: Set<string>;
    firstAssignedAt: string;
}

/** Lets other pending operations run first (a macrotask, so that whole promise chains interleave). */
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function memoryHub(options: MemoryHubOptions = {}): MemoryHub {
    const instances = new Map<string, InstanceState>();
    /** product -> user -> row: the seat partitions. */
    const seats = new Map<string, Map<string, SeatRow>>();
    const chunks = new Map<string, Map<number, InventorySnapshotDetail>>();
    const records = new Map<string, InventoryRecord>();
    const copy = (s: InstanceState): InstanceState => ({ ...s, products: [...s.products], seatRefs: [...s.seatRefs] });
    const allRows = function* (): Generator<[string, string, SeatRow]> {
        for (const [product, rows] of seats) for (const [userId, row] of rows) yield [product, userId, row];
    };

    const ports: AssignmentPorts & SnapshotPorts = {
        async applyInstanceEvent(update) {
            await yieldTurn();
            const stored = instances.get(update.ref);
            if (stored && stored.orderKey > update.orderKey) return { applied: false, current: copy(stored) };
            const started = update.state === "started";
            const next: InstanceState = {
                ref: update.ref,
                orderKey: update.orderKey,
                state: update.state,
                // A stop keeps the last start's owner, type and products (as the UpdateItem's SET leaves them).
                userId: started ? update.userId : stored?.userId,
                workbenchType: started ? update.workbenchType : stored?.workbenchType,
                products: started ? [...update.products] : (stored?.products ?? []),
                ec2EventTime: update.ec2EventTime,
                ec2EventId: update.ec2EventId,
                seatRefs: [...new Set([...(stored?.seatRefs ?? []), ...(started ? update.seatRefs : [])])],
            };
            instances.set(update.ref, next);
            return { applied: true, current: copy(next) };
        },
        async readInstance(ref) {
            await yieldTurn();
            const stored = instances.get(ref);
            return stored ? copy(stored) : undefined;
        },
        async addSeatHolder(product, userId, ref, assignedAt) {
            await yieldTurn();
            const rows = seats.get(product) ?? new Map<string, SeatRow>();
            seats.set(product, rows);
            const row = rows.get(userId);
            if (row?.holders.has(ref)) return false;
            if (row) {
                row.holders.add(ref);
                row.count += 1;
                return true;
            }
            rows.set(userId, { count: 1, holders: new Set([ref]), firstAssignedAt: assignedAt });
            options.onSeatRowChange?.({ kind: "INSERT", product, userId });
            return true;
        },
        async removeSeatHolder(product, userId, ref) {
            await yieldTurn();
            const rows = seats.get(product);
            const row = rows?.get(userId);
            if (!rows || !row || !row.holders.has(ref)) return false;
            row.holders.delete(ref);
            row.count -= 1;
            if (row.count === 0) {
                rows.delete(userId);
                options.onSeatRowChange?.({ kind: "REMOVE", product, userId });
            }
            return true;
        },
        async storeChunk(chunk) {
            await yieldTurn();
            const key = `${chunk.account}/${chunk.region}/${chunk["snapshot-id"]}`;
            const held = chunks.get(key) ?? new Map<number, InventorySnapshotDetail>();
            if (!held.has(chunk["chunk-index"])) held.set(chunk["chunk-index"], structuredClone(chunk));
            chunks.set(key, held);
        },
        async readChunks(account, region, snapshotId) {
            await yieldTurn();
            return [...(chunks.get(`${account}/${region}/${snapshotId}`)?.values() ?? [])].map((c) => structuredClone(c));
        },
        async heldState(account, region): Promise<HeldState> {
            await yieldTurn();
            const prefix = accountRegionPrefix(account, region);
            const held: HeldState = { instances: new Map(), seatHoldings: new Map() };
            for (const [ref, state] of instances) if (ref.startsWith(prefix)) held.instances.set(ref, copy(state));
            // As the DynamoDB port: only the seat rows the items' seatRefs name (a point read each), never all rows.
            for (const seat of new Set([...held.instances.values()].flatMap((i) => i.seatRefs))) {
                const { product, userId } = parseSeatRef(seat);
                for (const ref of seats.get(product)?.get(userId)?.holders ?? []) {
                    if (held.instances.has(ref)) held.seatHoldings.set(ref, [...(held.seatHoldings.get(ref) ?? []), seatRef(product, userId)]);
                }
            }
            return held;
        },
        async lastSnapshot(account, region) {
            await yieldTurn();
            const record = records.get(`${account}/${region}`);
            return record ? { ...record } : undefined;
        },
        async completeSnapshot(record, chunkCount) {
            await yieldTurn();
            const key = `${record.account}/${record.region}`;
            const stored = records.get(key);
            if (!stored || stored.asOf <= record.asOf) records.set(key, { ...record });
            const held = chunks.get(`${key}/${record.snapshotId}`);
            for (let i = 0; i < chunkCount; i++) held?.delete(i);
            if (held?.size === 0) chunks.delete(`${key}/${record.snapshotId}`);
        },
        // No earlier layout in memory.
        adoptLegacyInstances: async () => 0,
    };

    return {
        ports,
        seatRows: () => new Map([...allRows()].map(([product, userId, row]) => [`${product}/${userId}`, { workbenchCount: row.count, instances: [...row.holders].sort() }])),
        seatHolders: (product) =>
            [...(seats.get(product) ?? [])]
                .map(([userId, row]) => ({ userId, firstAssignedAt: row.firstAssignedAt }))
                .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0)),
        counts: () => ({ instances: instances.size, seatRows: [...seats.values()].reduce((n, rows) => n + rows.size, 0) }),
    };
}
