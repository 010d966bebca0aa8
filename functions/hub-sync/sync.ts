import { createHash } from "node:crypto";
import { Telemetry } from "../shared/telemetry";
import { mapWithConcurrency } from "../shared/concurrency";
import type { ProductTarget } from "../hub-shared/config";
import { RenderedUserList, renderUserList } from "../hub-shared/userList";
import { SeatHolder, SeatSelection, selectSeatHolders } from "./seatSelection";

export interface MarkerReading {
    /** SSM parameter version: increased by every write, never reused while the parameter exists. */
    version: number;
    value: string;
}

/** What a license server last confirmed for one product. */
export interface DeliveredList {
    sha256: string;
    instanceId: string;
    configurationFingerprint: string;
    generation: number;
    users: number;
    denied: number;
    deliveredAt: string;
}

export interface SyncState {
    /** Optimistic-locking counter of the state item (0: no state yet). */
    revision: number;
    /** Marker of the last sync that delivered every product; absent before the first complete sync. */
    marker?: MarkerReading;
    configurationFingerprint?: string;
    products: Record<string, DeliveredList>;
}

export interface LicenseCommandRequest {
    product: string;
    instanceId: string;
    sha256: string;
    generation: number;
}

export interface LicenseCommandResult {
    /** Run Command invocation status: Success, Failed, TimedOut, Cancelled, ... */
    status: string;
    commandId?: string;
    detail?: string;
}

/** AWS calls of the sync; each throws on AWS errors. */
export interface SyncPorts {
    readMarker(): Promise<MarkerReading>;
    readState(): Promise<SyncState>;
    /** Writes the state unless another writer changed it since `expectedRevision` (then throws). */
    writeState(state: SyncState, expectedRevision: number): Promise<void>;
    /** Every seat row of a product (all pages, strongly consistent). */
    seatHolders(product: string): Promise<SeatHolder[]>;
    publishUserList(product: string, list: RenderedUserList): Promise<void>;
    /** Sends the document to the product's license server and waits for the outcome until `deadline` (epoch ms). */
    runLicenseCommand(request: LicenseCommandRequest, deadline: number): Promise<LicenseCommandResult>;
}

export interface SyncOptions {
    products: Record<string, ProductTarget>;
    configurationFingerprint: string;
    /** Epoch ms by which every command must have finished (the Lambda's remaining time minus a margin). */
    deadline: number;
    /** Resend every product's list even if nothing changed (e.g. after rebuilding a license server). */
    force?: boolean;
    /** Commands in flight at once. Default 8. */
    concurrency?: number;
    now?: () => number;
}

export type SyncOutcome =
    | { outcome: "unchanged"; markerVersion: number }
    | { outcome: "synced" | "failed"; markerVersion: number; sent: string[]; failed: Array<{ product: string; reason: string }> };

/**
 * One sync tick. Reads the change marker FIRST, then the seat rows: a change that lands after the marker was read
 * raises the marker again, so the next tick sees it even if this one already included it. Only products whose
 * list (or license server, or configuration) differs from what their server last confirmed get a command. The
 * state, including the marker version, advances only for what succeeded, so a failed product is retried next tick.
 */
export async function syncUserLists(ports: SyncPorts, options: SyncOptions, telemetry: Telemetry): Promise<SyncOutcome> {
    const now = options.now ?? Date.now;
    const started = now();
    const marker = await ports.readMarker();
    const state = await ports.readState();
    const productNames = Object.keys(options.products).sort();
    const fingerprint = deploymentFingerprint(options, productNames);

    // Equal version AND value: a recreated parameter restarts its versions, but never with the same timestamp.
    const markerUnchanged = state.marker?.version === marker.version && state.marker?.value === marker.value;
    if (!options.force && markerUnchanged && state.configurationFingerprint === fingerprint) {
        for (const product of productNames) {
            const delivered = state.products[product];
            if (delivered) emitSeatMetrics(telemetry, product, delivered.users, options.products[product].seats);
        }
        telemetry.metric("SyncDuration", now() - started, "Milliseconds");
        return { outcome: "unchanged", markerVersion: marker.version };
    }

    const selections = new Map<string, { selection: SeatSelection; list: RenderedUserList }>();
    for (const product of productNames) {
        const selection = selectSeatHolders(await ports.seatHolders(product), options.products[product].seats);
        selections.set(product, { selection, list: renderUserList(selection.assigned) });
        reportSelection(telemetry, product, selection, options.products[product].seats);
    }

    const isCurrent = (product: string) => {
        const delivered = state.products[product];
        const { list } = selections.get(product)!;
        return (
            delivered !== undefined &&
            delivered.sha256 === list.sha256 &&
            delivered.instanceId === options.products[product].instanceId &&
            delivered.configurationFingerprint === options.configurationFingerprint
        );
    };
    const toSend = productNames.filter((p) => options.force || !isCurrent(p));

    const sent: string[] = [];
    const failed: Array<{ product: string; reason: string }> = [];
    const delivered: Record<string, DeliveredList> = {};
    // Each product's work catches its own failure, so one product never stops the others.
    await mapWithConcurrency(toSend, options.concurrency ?? 8, async (product) => {
        const { selection, list } = selections.get(product)!;
        const target = options.products[product];
        try {
            await ports.publishUserList(product, list);
            const result = await ports.runLicenseCommand(
                { product, instanceId: target.instanceId, sha256: list.sha256, generation: marker.version },
                options.deadline,
            );
            if (result.status !== "Success") {
                throw new Error(`command ${result.commandId ?? "?"} on ${target.instanceId} ended ${result.status}${result.detail ? `: ${result.detail}` : ""}`);
            }
            delivered[product] = {
                sha256: list.sha256,
                instanceId: target.instanceId,
                configurationFingerprint: options.configurationFingerprint,
                generation: marker.version,
                users: selection.assigned.length,
                denied: selection.denied.length,
                deliveredAt: new Date(now()).toISOString(),
            };
            sent.push(product);
            telemetry.info("user list delivered", { product, instanceId: target.instanceId, users: selection.assigned.length, sha256: list.sha256, generation: marker.version, commandId: result.commandId });
        } catch (err) {
            failed.push({ product, reason: String((err as Error)?.message ?? err) });
            telemetry.error("user list not delivered; retried next tick", { product, instanceId: target.instanceId, error: String((err as Error)?.message ?? err) });
        }
    });

    // Keep what servers confirmed, refresh the counts of products still current, forget products no longer in the catalog.
    const products: Record<string, DeliveredList> = {};
    for (const product of productNames) {
        const { selection } = selections.get(product)!;
        if (delivered[product]) products[product] = delivered[product];
        else if (state.products[product] && isCurrent(product)) {
            products[product] = { ...state.products[product], users: selection.assigned.length, denied: selection.denied.length };
        } else if (state.products[product]) products[product] = state.products[product];
    }
    const complete = failed.length === 0;
    await ports.writeState(
        {
            revision: state.revision + 1,
            marker: complete ? marker : state.marker,
            configurationFingerprint: complete ? fingerprint : state.configurationFingerprint,
            products,
        },
        state.revision,
    );

    telemetry.metric("UserListsSent", sent.length);
    telemetry.metric("SyncFailures", failed.length);
    telemetry.metric("SyncDuration", now() - started, "Milliseconds");
    telemetry.info(complete ? "sync complete" : "sync incomplete", { markerVersion: marker.version, sent: [...sent].sort(), failed: failed.map((f) => f.product).sort() });
    return { outcome: complete ? "synced" : "failed", markerVersion: marker.version, sent: sent.sort(), failed: failed.sort((a, b) => (a.product < b.product ? -1 : 1)) };
}

/**
 * What the deployment looks like to the sync: the document's fingerprint plus the products as this function sees
 * them, so a changed license server or seat count is noticed even when no seat changed.
 */
function deploymentFingerprint(options: SyncOptions, productNames: string[]): string {
    const products = productNames.map((name) => [name, options.products[name].instanceId, options.products[name].seats ?? null]);
    return createHash("sha256").update(JSON.stringify({ configured: options.configurationFingerprint, products })).digest("hex");
}

function reportSelection(telemetry: Telemetry, product: string, selection: SeatSelection, seats: number | undefined): void {
    emitSeatMetrics(telemetry, product, selection.assigned.length, seats);
    telemetry.metric("SeatDemand", selection.assigned.length + selection.denied.length, "Count", { Product: product });
    telemetry.metric("SeatDenials", selection.denied.length, "Count", { Product: product });
    if (selection.denied.length > 0) {
        telemetry.warn("seat shortfall: more users want the product than the organisation owns seats", {
            product,
            seats,
            demand: selection.assigned.length + selection.denied.length,
            denied: selection.denied.length,
            deniedUsers: selection.denied.slice(0, 100),
        });
    }
    if (selection.invalid > 0) {
        telemetry.metric("InvalidSeatRows", selection.invalid, "Count", { Product: product });
        telemetry.error("seat rows with invalid user ids skipped (never sent to a license server)", { product, rows: selection.invalid });
    }
}

function emitSeatMetrics(telemetry: Telemetry, product: string, users: number, seats: number | undefined): void {
    telemetry.metric("UsersAssigned", users, "Count", { Product: product });
    if (seats !== undefined) telemetry.metric("SeatsFree", Math.max(0, seats - users), "Count", { Product: product });
}
