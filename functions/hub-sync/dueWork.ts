import { createHash } from "node:crypto";
import type { Telemetry } from "../shared/telemetry";
import { renderUserList } from "../hub-shared/userList";
import { selectSeatHolders } from "./seatSelection";
import type { ChangeMark, DeliveredList, ProductTarget, SyncPorts } from "./ports";

/** What one invocation found to do before it claims anything. */
export interface DueWork {
    marks: Map<string, number>;
    deliveries: Map<string, DeliveredList>;
    /** Products the safety net compared this tick. */
    checked: number;
}

export interface DueOptions {
    products: Record<string, ProductTarget>;
    /** The document's fingerprint: a new document resends every list. */
    configurationFingerprint: string;
    scheduled: boolean;
    force: boolean;
    fullCheckEveryTicks: number;
}

/**
 * A product's target: everything besides its users that decides what its server must hold (server, seats, vendor
 * command, document). A delivery made under another target is delivered again.
 */
export function targetFingerprint(product: string, target: ProductTarget, configurationFingerprint: string): string {
    const fields = [product, target.instanceId, target.seats ?? null, target.command ?? null, configurationFingerprint];
    return createHash("sha256").update(JSON.stringify(fields)).digest("hex");
}

/** The whole deployment's fingerprint: changes whenever any product's target does (or a product comes or goes). */
export function deploymentFingerprint(options: Pick<DueOptions, "products" | "configurationFingerprint">): string {
    const targets = Object.keys(options.products)
        .sort()
        .map((p) => targetFingerprint(p, options.products[p], options.configurationFingerprint));
    return createHash("sha256").update(targets.join("\n")).digest("hex");
}

/**
 * Finds the products to deliver, without a claim: the change marks the change marker wrote (and the sync itself,
 * for lists it still owes), plus, when the deployment changed, every product delivered under another target, plus,
 * on a scheduled tick, the safety net's slice: every `fullCheckEveryTicks` scheduled ticks each product's list is
 * recomputed (eventually consistent reads) and compared with what its server confirmed, a slice of the products per
 * tick, so a change the marker never recorded waits at most that many ticks and no tick reads every seat row. What
 * the deployment or the safety net find is written as change marks, so a sync that dies loses nothing.
 */
export async function findDueWork(ports: SyncPorts, options: DueOptions, telemetry: Telemetry): Promise<DueWork> {
    let marks = await ports.changeMarks();
    const checks = await ports.readChecks();
    const fingerprint = deploymentFingerprint(options);
    const deploymentChanged = checks.fingerprint !== fingerprint;
    const products = Object.keys(options.products).sort();
    if (marks.length === 0 && !options.scheduled && !options.force && !deploymentChanged) return { marks: new Map(), deliveries: new Map(), checked: 0 };

    const deliveries = await ports.readDeliveries();
    if (options.scheduled) {
        for (const product of products) emitSeatMetrics(telemetry, product, deliveries.get(product)?.users, options.products[product].seats);
    }
    const marked = new Set(marks.map((m) => m.product));
    const owed = new Set<string>();
    if (deploymentChanged) {
        for (const product of products) {
            const target = targetFingerprint(product, options.products[product], options.configurationFingerprint);
            if (deliveries.get(product)?.target !== target && !marked.has(product)) owed.add(product);
        }
    }
    let checked = 0;
    let cursor = checks.cursor;
    if (options.scheduled && products.length > 0) {
        const slice = Math.ceil(products.length / Math.max(1, options.fullCheckEveryTicks));
        const start = cursor % products.length;
        const due = Array.from({ length: Math.min(slice, products.length) }, (_, i) => products[(start + i) % products.length]);
        cursor = (start + due.length) % products.length;
        const corrections: string[] = [];
        for (const product of due.filter((p) => !marked.has(p) && !owed.has(p))) {
            checked++;
            const selection = selectSeatHolders(await ports.seatHolders(product, true), options.products[product].seats);
            if (deliveries.get(product)?.sha256 !== renderUserList(selection.assigned).sha256) corrections.push(product);
        }
        if (corrections.length > 0) {
            telemetry.metric("SafetyNetCorrections", corrections.length);
            // A change still on its way through the stream looks the same; repeated corrections mean a broken change marker.
            telemetry.warn("user lists differ from what was delivered although no change was marked; check the change marker if this repeats", { products: corrections });
            corrections.forEach((p) => owed.add(p));
        }
    }
    // Marks of products no longer in the catalog would wait forever.
    for (const mark of marks.filter((m) => !(m.product in options.products))) await ports.clearChangeMark(mark);
    if (owed.size > 0) {
        await ports.markChanged([...owed].sort());
        marks = await ports.changeMarks();
    }
    if (deploymentChanged || cursor !== checks.cursor) await ports.writeChecks({ fingerprint, cursor });
    return { marks: new Map(marks.filter((m) => m.product in options.products).map((m: ChangeMark) => [m.product, m.changes])), deliveries, checked };
}

export function emitSeatMetrics(telemetry: Telemetry, product: string, users: number | undefined, seats: number | undefined): void {
    if (users === undefined) return;
    telemetry.metric("UsersAssigned", users, "Count", { Product: product });
    if (seats !== undefined) telemetry.metric("SeatsFree", Math.max(0, seats - users), "Count", { Product: product });
}
