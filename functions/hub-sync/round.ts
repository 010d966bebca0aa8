import type { Telemetry } from "../shared/telemetry";
import { BundleProduct, ProductResult, linesAbout, parseBundleResults, renderBundle } from "../hub-shared/bundle";
import { RenderedUserList, renderUserList } from "../hub-shared/userList";
import { SeatHolder, SeatSelection, selectSeatHolders } from "./seatSelection";
import { deliveryLatencies } from "./deliveryLatency";
import { targetFingerprint } from "./dueWork";
import { Clock, waitForCommand } from "./commandWait";
import type { CommandOutcome, DeliveredList, ProductTarget, ServerState, SyncPorts } from "./ports";

/** The checksum of a delivery whose list the server may or may not hold: matches no list. */
export const UNKNOWN_LIST = "";

/** A server whose commands fail is left alone this long after its first failure, doubling up to the maximum. */
export const SERVER_BACKOFF_MS = 15_000;
export const MAX_SERVER_BACKOFF_MS = 300_000;

export interface ProductFailure {
    product: string;
    reason: string;
    /** The license server holds a newer generation than the one sent: the list was refused, not delivered. */
    supersededBy?: number;
}

/** What one invocation shares between its rounds. */
export interface RoundContext {
    ports: SyncPorts;
    telemetry: Telemetry;
    clock: Clock;
    products: Record<string, ProductTarget>;
    configurationFingerprint: string;
    force: boolean;
    deadline: number;
    pollIntervalMs: number;
    minCommandIntervalMs: number;
    /** Change marks as last read: product -> changes counted. */
    marks: Map<string, number>;
    /** What each server confirmed, kept current by the rounds. */
    deliveries: Map<string, DeliveredList>;
    servers: Map<string, ServerState>;
    /** A generation above every one used before, taken before a round reads its seat rows. */
    nextGeneration(): number;
    /** A server said it holds this generation: the next ones must be above it. */
    reportHeld(generation: number): void;
}

export interface RoundResult {
    sent: string[];
    failed: ProductFailure[];
    /** Refused as superseded: worth one more round with a newer generation. */
    superseded: string[];
    commands: number;
}

interface Computed {
    product: string;
    holders: SeatHolder[];
    selection: SeatSelection;
    list: RenderedUserList;
    target: string;
}

/**
 * One round on one license server: the products' seat rows read under a fresh generation, their lists compared with
 * what the server confirmed, and the ones that differ installed by one command carrying one bundle; then each
 * product's result recorded, its change mark cleared unless it counted more changes meanwhile. A round waits out the
 * server's debounce first, so changes arriving meanwhile ride along.
 */
export async function runRound(ctx: RoundContext, instanceId: string, products: readonly string[]): Promise<RoundResult> {
    const { ports, telemetry, clock } = ctx;
    const result: RoundResult = { sent: [], failed: [], superseded: [], commands: 0 };
    const server = ctx.servers.get(instanceId) ?? { failures: 0 };
    const wait = (server.lastCommandAt ?? 0) + ctx.minCommandIntervalMs - clock.now();
    if (wait > 0) {
        telemetry.metric("SyncDebounceWait", wait, "Milliseconds");
        await clock.sleep(wait);
    }
    // The marks as they are before the rows are read (changes of the wait included): a change counted later keeps its mark.
    for (const mark of await ports.changeMarks()) if (mark.product in ctx.products) ctx.marks.set(mark.product, mark.changes);
    const observed = new Map(products.map((p) => [p, ctx.marks.get(p)]));
    const generation = ctx.nextGeneration();
    const computed: Computed[] = [];
    for (const product of products) {
        const holders = await ports.seatHolders(product);
        const selection = selectSeatHolders(holders, ctx.products[product].seats);
        reportSelection(telemetry, product, selection, ctx.products[product].seats);
        const target = targetFingerprint(product, ctx.products[product], ctx.configurationFingerprint);
        computed.push({ product, holders, selection, list: renderUserList(selection.assigned), target });
    }
    const isCurrent = (c: Computed) => ctx.deliveries.get(c.product)?.sha256 === c.list.sha256 && ctx.deliveries.get(c.product)?.target === c.target;
    const toSend = computed.filter((c) => ctx.force || !isCurrent(c));
    for (const c of computed.filter((c) => !toSend.includes(c))) await clearMark(ctx, c.product, observed.get(c.product));
    if (toSend.length === 0) return result;

    const bundle = renderBundle(toSend.map((c): BundleProduct => ({ product: c.product, generation, list: c.list, command: ctx.products[c.product].command })));
    const sentAt = clock.now();
    let outcome: CommandOutcome;
    try {
        await ports.publishBundle(bundle);
        const commandId = await ports.sendBundle(instanceId, bundle, `license hub: ${toSend.length} lists, generation ${generation}`);
        result.commands++;
        server.lastCommandAt = sentAt;
        outcome = await waitForCommand(ports, commandId, instanceId, server.roundTripMs, ctx.deadline, ctx.pollIntervalMs, clock);
    } catch (err) {
        outcome = { status: "NotSent", commandId: "", detail: String((err as Error)?.message ?? err) };
    }
    const results = outcome.status === "Success" ? new Map<string, ProductResult>(toSend.map((c) => [c.product, { outcome: "applied", generation }])) : parseBundleResults(outcome.output ?? "");
    const serverFailed = results.size === 0;
    const failure = `command ${outcome.commandId || "(not sent)"} on ${instanceId} ended ${outcome.status}${outcome.detail ? `: ${outcome.detail}` : ""}`;
    for (const c of toSend) {
        const r = results.get(c.product) ?? { outcome: "failed" as const };
        if (r.outcome === "applied" && r.generation === generation) {
            await recordDelivered(ctx, instanceId, c, generation, observed.get(c.product));
            result.sent.push(c.product);
        } else if (r.outcome === "superseded") {
            ctx.reportHeld(r.held);
            telemetry.metric("GenerationsSuperseded", 1, "Count", { Product: c.product });
            telemetry.error("license server holds a newer generation than the one sent; the list is sent again with a newer one", { product: c.product, instanceId, sent: generation, held: r.held, commandId: outcome.commandId });
            result.failed.push({ product: c.product, reason: `command ${outcome.commandId} on ${instanceId} superseded: the server holds generation ${r.held}, newer than ${generation}`, supersededBy: r.held });
            result.superseded.push(c.product);
        } else {
            const said = linesAbout(outcome.output ?? "", c.product).at(-1);
            const reason = serverFailed ? failure : `${c.product} failed on ${instanceId} (command ${outcome.commandId}): ${said ?? "no result reported; see the command's output"}`;
            telemetry.error("user list not delivered; retried by the next sync", { product: c.product, instanceId, error: reason });
            result.failed.push({ product: c.product, reason });
        }
    }
    // A command that was sent may have changed the server although it did not succeed (given up on at the deadline
    // and finished later; the list installed before the vendor CLI failed; a newer list there): what the server
    // holds is unknown, so the next round sends the list whatever it is.
    if (outcome.commandId) {
        for (const f of result.failed) await forgetDelivery(ctx, f.product, instanceId, generation);
    }
    // A list owed without a mark (a forced resend) gets one, so the next sync retries it.
    const unmarked = result.failed.filter((f) => observed.get(f.product) === undefined).map((f) => f.product);
    if (unmarked.length > 0) await ports.markChanged(unmarked);
    if (outcome.status === "WaitTimedOut") {
        // This invocation ran out of time, not the server: the command may still finish there. No backoff (the next
        // sync resends at once, its newer generation wins), and the server's round trip stays as last measured.
        telemetry.info("sync deadline reached while a command ran; the next sync resends its lists", { instanceId, commandId: outcome.commandId });
    } else if (serverFailed) {
        server.failures += 1;
        server.retryAfter = clock.now() + Math.min(MAX_SERVER_BACKOFF_MS, SERVER_BACKOFF_MS * 2 ** (server.failures - 1));
        telemetry.metric("LicenseServerFailures", 1);
        telemetry.error("license server did not complete the command; no command goes to it before the backoff ends", { instanceId, failures: server.failures, retryAfter: new Date(server.retryAfter).toISOString(), detail: failure });
    } else {
        server.failures = 0;
        server.retryAfter = undefined;
        // When Run Command says the command ended, not when a poll saw it: a late poll must not delay the next first poll.
        server.roundTripMs = Math.max(0, Math.min(outcome.endedAt ?? Number.POSITIVE_INFINITY, clock.now()) - sentAt);
    }
    ctx.servers.set(instanceId, server);
    await ports.writeServer(instanceId, server);
    return result;
}

async function recordDelivered(ctx: RoundContext, instanceId: string, c: Computed, generation: number, mark: number | undefined): Promise<void> {
    const now = ctx.clock.now();
    const delivered: DeliveredList = {
        sha256: c.list.sha256,
        instanceId,
        target: c.target,
        generation,
        users: c.selection.assigned.length,
        denied: c.selection.denied.length,
        deliveredAt: new Date(now).toISOString(),
    };
    for (const seconds of deliveryLatencies(c.holders, c.selection.assigned, ctx.deliveries.get(c.product)?.deliveredAt, now)) {
        ctx.telemetry.metric("EventToLicenseServerSeconds", seconds, "Seconds");
    }
    await ctx.ports.recordDelivery(c.product, delivered);
    ctx.deliveries.set(c.product, delivered);
    await clearMark(ctx, c.product, mark);
    ctx.telemetry.info("user list delivered", { product: c.product, instanceId, users: delivered.users, sha256: delivered.sha256, generation });
}

/** Records that the server's list of a product is unknown (an empty checksum never matches a list). */
async function forgetDelivery(ctx: RoundContext, product: string, instanceId: string, generation: number): Promise<void> {
    const previous = ctx.deliveries.get(product);
    const unknown: DeliveredList = { sha256: UNKNOWN_LIST, instanceId, target: "", generation, users: 0, denied: 0, deliveredAt: previous?.deliveredAt ?? "" };
    ctx.deliveries.set(product, unknown);
    await ctx.ports.recordDelivery(product, unknown);
}

async function clearMark(ctx: RoundContext, product: string, changes: number | undefined): Promise<void> {
    if (changes === undefined) return;
    if (await ctx.ports.clearChangeMark({ product, changes })) ctx.marks.delete(product);
}

function reportSelection(telemetry: Telemetry, product: string, selection: SeatSelection, seats: number | undefined): void {
    telemetry.metric("UsersAssigned", selection.assigned.length, "Count", { Product: product });
    if (seats !== undefined) telemetry.metric("SeatsFree", Math.max(0, seats - selection.assigned.length), "Count", { Product: product });
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
