import { createHash, randomUUID } from "node:crypto";
import { Telemetry } from "../shared/telemetry";
import { mapWithConcurrency } from "../shared/concurrency";
import type { ProductTarget } from "../hub-shared/config";
import { DEFAULT_FULL_CHECK_EVERY_TICKS, DEFAULT_MIN_COMMAND_INTERVAL_MS } from "../hub-shared/environment";
import { RenderedUserList, SUPERSEDED_EXIT_CODE, SUPERSEDED_OUTPUT_PATTERN, renderUserList } from "../hub-shared/userList";
import { SeatHolder, SeatSelection, selectSeatHolders } from "./seatSelection";
import type { GenerationClaim } from "./generation";
import { deliveryLatencies } from "./deliveryLatency";

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
    /** Scheduled ticks since the sync last recomputed every list (the safety net's count). */
    ticksSinceFullCheck?: number;
    /** Epoch ms the last sync that sent commands started sending them (the debounce's reference). */
    lastCommandsAt?: number;
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
    /** The shell step's exit code, when Run Command reported one. */
    responseCode?: number;
    /** The shell step's output (stdout, then stderr), trimmed. */
    output?: string;
}

/** AWS calls of the sync; each throws on AWS errors. */
export interface SyncPorts {
    /**
     * Claims this tick's generation (strictly above every generation claimed before) and holds it exclusively until
     * released or `leaseUntil`; undefined when another sync holds an unexpired claim or claimed at the same moment.
     */
    claimGeneration(holder: string, leaseUntil: number): Promise<GenerationClaim | undefined>;
    /** Ends the claim; the next claim will be above `floor` too (a generation a license server reported). */
    releaseGeneration(claim: GenerationClaim, floor: number): Promise<void>;
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
    /** The tick came from the schedule (it counts towards the safety net), not from a seat-change announcement. */
    scheduled?: boolean;
    /** Every this many scheduled ticks, recompute every list even if the change marker did not move. Default 10. */
    fullCheckEveryTicks?: number;
    /** Commands in flight at once. Default 8. */
    concurrency?: number;
    /** Identifies this invocation in the generation claim. */
    holder?: string;
    /**
     * A sync sends its commands no sooner than this after the previous sync's, and reads the lists after waiting,
     * so a login storm becomes at most one command per product per interval. Default 1000.
     */
    minCommandIntervalMs?: number;
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
}

export interface ProductFailure {
    product: string;
    reason: string;
    /** The license server holds a newer generation than the one sent: the list was refused, not delivered. */
    supersededBy?: number;
}

export type SyncOutcome =
    | { outcome: "busy" }
    | { outcome: "unchanged"; markerVersion: number }
    | {
          outcome: "synced" | "failed";
          generation: number;
          /** Undefined when the marker could not be read (`markerError`). */
          markerVersion?: number;
          /** Why the change marker could not be read; every list was recomputed instead. */
          markerError?: string;
          /** The lists were recomputed although the marker did not move (the safety net's periodic check). */
          fullCheck: boolean;
          sent: string[];
          failed: ProductFailure[];
      };

/**
 * One sync tick. Claims a generation first (one sync at a time: overlapping ticks return "busy"), so generations
 * follow the order in which ticks read the table and a later tick's list always wins on the license server. Then
 * reads the change marker, then the seat rows: a change that lands after the marker was read raises the marker again,
 * so the next tick sees it even if this one already included it. Only products whose list (or license server, or
 * configuration) differs from what their server last confirmed get a command. The state, including the marker
 * version, advances only for what succeeded, so a failed product is retried next tick.
 *
 * Safety net: when the marker is unreadable, and every `fullCheckEveryTicks` scheduled ticks even when it did not
 * move, every list is recomputed and compared (by checksum) with what was delivered, so a broken marker delays list
 * changes by at most that many ticks.
 */
export async function syncUserLists(ports: SyncPorts, options: SyncOptions, telemetry: Telemetry): Promise<SyncOutcome> {
    const now = options.now ?? Date.now;
    const started = now();
    // Most ticks find nothing to do: they read the marker and the state, and claim nothing.
    const first = await readInputs(ports, options);
    if (!first.workDue) {
        for (const product of first.productNames) {
            const delivered = first.state.products[product];
            if (delivered) emitSeatMetrics(telemetry, product, delivered.users, options.products[product].seats);
        }
        if (options.scheduled) {
            // Counting towards the safety net; a sync that wrote the state meanwhile has checked every list anyway.
            await ports.writeState({ ...first.state, revision: first.state.revision + 1, ticksSinceFullCheck: first.ticks }, first.state.revision).catch((err) => {
                if (!(err instanceof SyncStateConflict)) throw err;
            });
        }
        telemetry.metric("SyncDuration", now() - started, "Milliseconds");
        return { outcome: "unchanged", markerVersion: first.marker!.version };
    }
    const claim = await ports.claimGeneration(options.holder ?? randomUUID(), options.deadline);
    if (!claim) {
        telemetry.metric("SyncBusy", 1);
        telemetry.info("another sync holds the generation claim; this tick does nothing (the running sync or the next tick picks the changes up)");
        return { outcome: "busy" };
    }
    let floor = claim.generation;
    try {
        // Read again under the claim: generations then follow the order in which ticks read the table.
        let inputs = await readInputs(ports, options, telemetry);
        // Debounce: the previous commands went out moments ago (a storm of changes): wait, then read what arrived meanwhile.
        const wait = (inputs.state.lastCommandsAt ?? 0) + (options.minCommandIntervalMs ?? DEFAULT_MIN_COMMAND_INTERVAL_MS) - now();
        if (wait > 0) {
            telemetry.metric("SyncDebounceWait", wait, "Milliseconds");
            await (options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))))(wait);
            inputs = await readInputs(ports, options, inputs.markerError === undefined ? telemetry : undefined);
        }
        const outcome = await syncWithClaim(ports, options, telemetry, inputs, claim.generation, (reported) => (floor = Math.max(floor, reported)));
        telemetry.metric("SyncDuration", now() - started, "Milliseconds");
        return outcome;
    } finally {
        await ports.releaseGeneration(claim, floor);
    }
}

/** Thrown by `SyncPorts.writeState` when another writer changed the state since it was read. */
export class SyncStateConflict extends Error {
    constructor() {
        super("another sync changed the sync state concurrently; this tick's results are discarded");
        this.name = "SyncStateConflict";
    }
}

interface SyncInputs {
    marker?: MarkerReading;
    markerError?: string;
    state: SyncState;
    productNames: string[];
    fingerprint: string;
    ticks: number;
    markerUnchanged: boolean;
    workDue: boolean;
}

/** Reads marker and state; `telemetry` undefined for the first, unclaimed read (an unreadable marker is reported once, under the claim). */
async function readInputs(ports: SyncPorts, options: SyncOptions, telemetry?: Telemetry): Promise<SyncInputs> {
    let marker: MarkerReading | undefined;
    let markerError: string | undefined;
    try {
        marker = await ports.readMarker();
    } catch (err) {
        markerError = String((err as Error)?.message ?? err);
        telemetry?.metric("ChangeMarkerUnreadable", 1);
        telemetry?.error("change marker unreadable; every list is recomputed and compared with what was delivered", { error: markerError });
    }
    const state = await ports.readState();
    const productNames = Object.keys(options.products).sort();
    const fingerprint = deploymentFingerprint(options, productNames);
    const ticks = (state.ticksSinceFullCheck ?? 0) + (options.scheduled ? 1 : 0);
    const fullCheckDue = ticks >= (options.fullCheckEveryTicks ?? DEFAULT_FULL_CHECK_EVERY_TICKS);
    // Equal version AND value: a recreated parameter restarts its versions, but never with the same timestamp.
    const markerUnchanged = marker !== undefined && state.marker?.version === marker.version && state.marker?.value === marker.value;
    const workDue = Boolean(options.force) || !markerUnchanged || state.configurationFingerprint !== fingerprint || fullCheckDue;
    return { marker, markerError, state, productNames, fingerprint, ticks, markerUnchanged, workDue };
}

async function syncWithClaim(
    ports: SyncPorts,
    options: SyncOptions,
    telemetry: Telemetry,
    inputs: SyncInputs,
    generation: number,
    reportNewerGeneration: (generation: number) => void,
): Promise<SyncOutcome> {
    const now = options.now ?? Date.now;
    const { marker, markerError, state, productNames, fingerprint, ticks, markerUnchanged } = inputs;
    const fullCheck = !options.force && markerUnchanged && state.configurationFingerprint === fingerprint;

    const selections = new Map<string, { selection: SeatSelection; list: RenderedUserList; holders: SeatHolder[] }>();
    for (const product of productNames) {
        const holders = await ports.seatHolders(product);
        const selection = selectSeatHolders(holders, options.products[product].seats);
        selections.set(product, { selection, list: renderUserList(selection.assigned), holders });
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
    if (fullCheck && toSend.length > 0) {
        telemetry.metric("SafetyNetCorrections", toSend.length);
        // A change still in the stream's batching window looks the same; a broken marker shows as corrections every N ticks.
        telemetry.warn("user lists differ from what was delivered although the change marker did not move; check the change marker if this repeats", { products: toSend });
    }

    const sent: string[] = [];
    const failed: ProductFailure[] = [];
    const delivered: Record<string, DeliveredList> = {};
    const commandsAt = toSend.length > 0 ? now() : state.lastCommandsAt;
    // Each product's work catches its own failure, so one product never stops the others.
    await mapWithConcurrency(toSend, options.concurrency ?? 8, async (product) => {
        const { selection, list } = selections.get(product)!;
        const target = options.products[product];
        try {
            await ports.publishUserList(product, list);
            const result = await ports.runLicenseCommand({ product, instanceId: target.instanceId, sha256: list.sha256, generation }, options.deadline);
            const supersededBy = supersedingGeneration(result, generation);
            if (supersededBy !== undefined) {
                reportNewerGeneration(supersededBy);
                telemetry.metric("GenerationsSuperseded", 1, "Count", { Product: product });
                telemetry.error("license server holds a newer generation than the one sent; the list was refused and is resent with a newer generation next tick", {
                    product,
                    instanceId: target.instanceId,
                    sent: generation,
                    held: supersededBy,
                    commandId: result.commandId,
                });
                failed.push({ product, reason: `command ${result.commandId ?? "?"} on ${target.instanceId} superseded: the server holds generation ${supersededBy}, newer than ${generation}`, supersededBy });
                return;
            }
            if (result.status !== "Success") {
                throw new Error(`command ${result.commandId ?? "?"} on ${target.instanceId} ended ${result.status}${result.detail ? `: ${result.detail}` : ""}`);
            }
            delivered[product] = {
                sha256: list.sha256,
                instanceId: target.instanceId,
                configurationFingerprint: options.configurationFingerprint,
                generation,
                users: selection.assigned.length,
                denied: selection.denied.length,
                deliveredAt: new Date(now()).toISOString(),
            };
            sent.push(product);
            for (const seconds of deliveryLatencies(selections.get(product)!.holders, selection.assigned, state.products[product]?.deliveredAt, now())) {
                telemetry.metric("EventToLicenseServerSeconds", seconds, "Seconds");
            }
            telemetry.info("user list delivered", { product, instanceId: target.instanceId, users: selection.assigned.length, sha256: list.sha256, generation, commandId: result.commandId });
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
            marker: complete && marker ? marker : state.marker,
            configurationFingerprint: complete ? fingerprint : state.configurationFingerprint,
            products,
            ticksSinceFullCheck: complete ? 0 : ticks,
            lastCommandsAt: commandsAt,
        },
        state.revision,
    );

    telemetry.metric("UserListsSent", sent.length);
    telemetry.metric("SyncFailures", failed.length);
    telemetry.info(complete ? "sync complete" : "sync incomplete", { generation, markerVersion: marker?.version, fullCheck, sent: [...sent].sort(), failed: failed.map((f) => f.product).sort() });
    return {
        outcome: complete ? "synced" : "failed",
        generation,
        markerVersion: marker?.version,
        ...(markerError !== undefined ? { markerError } : {}),
        fullCheck,
        sent: sent.sort(),
        failed: failed.sort((a, b) => (a.product < b.product ? -1 : 1)),
    };
}

/** The generation a license server says it holds when it refused ours as superseded; undefined for any other result. */
function supersedingGeneration(result: LicenseCommandResult, sent: number): number | undefined {
    if (result.status === "Success" || result.responseCode !== SUPERSEDED_EXIT_CODE) return undefined;
    const held = SUPERSEDED_OUTPUT_PATTERN.exec(result.output ?? "");
    // A refusal without a readable generation still means "not delivered, newer held": report at least ours.
    return held ? Math.max(Number(held[1]), sent) : sent;
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
