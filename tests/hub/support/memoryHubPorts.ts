/**
 * The assignment's and the reconciliation's ports over in-memory maps, with the semantics of the DynamoDB ports
 * (awsPorts.ts, snapshotPorts.ts): every operation is atomic on one item, as a conditional single-item write is,
 * and yields to the event loop before it runs, so concurrent deliveries interleave between operations as Lambda
 * invocations do. bench/reconciliation-convergence.ts uses it to run the convergence property thousands of times;
 * the test runs the same property against dynalite (the real ports) a few hundred times.
 */
import type { AssignmentPorts, InstanceState } from "../../../functions/hub-assignment/assignment";
import type { HeldState, SnapshotPorts } from "../../../functions/hub-assignment/snapshot";
import { accountRegionPrefix, parseSeatRef, seatRef } from "../../../functions/hub-shared/tableKeys";
import type { InventorySnapshotDetail } from "../../../functions/shared/inventorySnapshot";

export interface MemoryHub {
    ports: AssignmentPorts & SnapshotPorts;
    /** Seat rows keyed `product/user`: holder count and holders. */
    seatRows(): Map<string, { workbenchCount: number; instances: string[] }>;
}

/** Lets other pending operations run first (a macrotask, so that whole promise chains interleave). */
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function memoryHub(): MemoryHub {
    const instances = new Map<string, InstanceState>();
    const seats = new Map<string, { count: number; holders: Set<string> }>();
    const chunks = new Map<string, Map<number, InventorySnapshotDetail>>();
    const seatKey = (product: string, userId: string) => seatRef(product, userId);
    const copy = (s: InstanceState): InstanceState => ({ ...s, products: [...s.products], seatRefs: [...s.seatRefs] });

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
        async addSeatHolder(product, userId, ref) {
            await yieldTurn();
            const key = seatKey(product, userId);
            const row = seats.get(key) ?? { count: 0, holders: new Set<string>() };
            if (row.holders.has(ref)) return false;
            row.holders.add(ref);
            row.count += 1;
            seats.set(key, row);
            return true;
        },
        async removeSeatHolder(product, userId, ref) {
            await yieldTurn();
            const key = seatKey(product, userId);
            const row = seats.get(key);
            if (!row || !row.holders.has(ref)) return false;
            row.holders.delete(ref);
            row.count -= 1;
            if (row.count === 0) seats.delete(key);
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
            for (const [key, row] of seats) {
                for (const ref of row.holders) {
                    if (ref.startsWith(prefix)) held.seatHoldings.set(ref, [...(held.seatHoldings.get(ref) ?? []), key]);
                }
            }
            return held;
        },
    };

    return {
        ports,
        seatRows: () =>
            new Map(
                [...seats].map(([key, row]) => {
                    const { product, userId } = parseSeatRef(key);
                    return [`${product}/${userId}`, { workbenchCount: row.count, instances: [...row.holders].sort() }];
                }),
            ),
    };
}
