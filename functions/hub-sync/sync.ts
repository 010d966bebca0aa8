import { randomUUID } from "node:crypto";
import type { Telemetry } from "../shared/telemetry";
import { DEFAULT_FULL_CHECK_EVERY_TICKS, DEFAULT_MIN_COMMAND_INTERVAL_MS } from "../hub-shared/environment";
import { nextGeneration } from "./generation";
import { findDueWork } from "./dueWork";
import { ProductFailure, RoundContext, RoundResult, runRound } from "./round";
import type { Clock } from "./commandWait";
import type { ProductTarget, ServerState, SyncPorts } from "./ports";

export type { ProductFailure } from "./round";
export type { ChangeMark, CommandOutcome, DeliveredList, ServerState, SyncChecks, SyncPorts } from "./ports";

export interface SyncOptions {
    /** Product -> license server, seats and vendor command. */
    products: Record<string, ProductTarget>;
    /** The document's fingerprint: a new document resends every list. */
    configurationFingerprint: string;
    /** Epoch ms by which every command must have finished (the Lambda's remaining time minus a margin). */
    deadline: number;
    /** Resend every product's list even if nothing changed (e.g. after rebuilding a license server). */
    force?: boolean;
    /** The invocation came from the schedule (it runs the safety net's slice), not from a seat-change announcement. */
    scheduled?: boolean;
    /** Every product's list is recomputed and compared at least once every this many scheduled ticks. Default 10. */
    fullCheckEveryTicks?: number;
    /** License servers with a command in flight at once. Default 32. */
    serverConcurrency?: number;
    /** Products one command installs at most (its result lines must fit Run Command's 24,000-character output). Default 25. */
    maxProductsPerCommand?: number;
    /** A server gets its next command no sooner than this after its previous one (the login-storm debounce). Default 1000. */
    minCommandIntervalMs?: number;
    /** Longest pause between two polls of a command. Default 2000. */
    pollIntervalMs?: number;
    /** How often the change marks are read again while rounds run. Default 1000. */
    marksPollMs?: number;
    /** Identifies this invocation in the generation claim. */
    holder?: string;
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
}

export type SyncOutcome =
    | { outcome: "busy" }
    | { outcome: "unchanged"; checked: number }
    | {
          outcome: "synced" | "failed";
          /** The highest generation this invocation used. */
          generation: number;
          /** Products the safety net compared. */
          checked: number;
          commands: number;
          sent: string[];
          failed: ProductFailure[];
          /** Products still marked when the deadline came: the next sync delivers them (not a failure). */
          deferred: string[];
      };

const DEFAULTS = { serverConcurrency: 32, maxProductsPerCommand: 25, pollIntervalMs: 2000, marksPollMs: 1000 };
/** A round is not started unless this much time is left before the deadline, beyond the server's last round trip. */
const ROUND_MARGIN_MS = 250;

/**
 * One sync invocation. It finds what is due without a claim (most invocations find nothing and stop there), then
 * claims a generation (one sync at a time; an overlapping invocation returns "busy") and delivers: the products due
 * are grouped by license server, and each server gets rounds of one command carrying all its due products (up to
 * `maxProductsPerCommand`), servers in parallel up to `serverConcurrency`. While rounds run, the change marks are read
 * again every `marksPollMs`, so a server gets its next round as soon as its last one ends; an offline or failing
 * server delays only its own products and is left alone for a growing backoff. Generations are taken before a round
 * reads its seat rows and never go backwards, so a later list always wins on the server. The invocation ends when
 * nothing is due or its deadline nears; after it released the claim it looks once more, so a change that arrived
 * while it finished is not left to the next tick.
 */
export async function syncUserLists(ports: SyncPorts, options: SyncOptions, telemetry: Telemetry): Promise<SyncOutcome> {
    const clock: Clock = { now: options.now ?? Date.now, sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))) };
    const started = clock.now();
    const dueOptions = {
        products: options.products,
        configurationFingerprint: options.configurationFingerprint,
        scheduled: Boolean(options.scheduled),
        force: Boolean(options.force),
        fullCheckEveryTicks: options.fullCheckEveryTicks ?? DEFAULT_FULL_CHECK_EVERY_TICKS,
    };
    let due = await findDueWork(ports, dueOptions, telemetry);
    const checked = due.checked;
    const total: DeliveryTotals & { generation: number; claimed: boolean } = { sent: new Set(), last: new Map(), deferred: new Set(), commands: 0, generation: 0, claimed: false };
    /** Products that failed in this invocation: the next invocation retries them, not this one. */
    const done = new Set<string>();
    for (let pass = 0; ; pass++) {
        const work = [...(options.force && pass === 0 ? Object.keys(options.products) : due.marks.keys())].filter((p) => !done.has(p)).sort();
        if (work.length === 0) break;
        if (clock.now() + ROUND_MARGIN_MS >= options.deadline) {
            // They stay marked: the next sync delivers them.
            work.forEach((product) => total.deferred.add(product));
            break;
        }
        const claim = await ports.claimGeneration(options.holder ?? randomUUID(), options.deadline);
        if (!claim) {
            if (total.claimed) break;
            telemetry.metric("SyncBusy", 1);
            telemetry.info("another sync holds the generation claim; it (or the next tick) delivers the changes");
            return { outcome: "busy" };
        }
        total.claimed = true;
        let last = claim.generation - 1;
        let floor = claim.generation;
        try {
            const servers = await ports.readServers();
            const ctx: RoundContext = {
                ports,
                telemetry,
                clock,
                products: options.products,
                configurationFingerprint: options.configurationFingerprint,
                force: Boolean(options.force) && pass === 0,
                deadline: options.deadline,
                pollIntervalMs: options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
                minCommandIntervalMs: options.minCommandIntervalMs ?? DEFAULT_MIN_COMMAND_INTERVAL_MS,
                marks: due.marks,
                deliveries: due.deliveries,
                servers,
                nextGeneration: () => (last = nextGeneration(Math.max(last, floor - 1), clock.now())),
                reportHeld: (held) => (floor = Math.max(floor, held + 1)),
            };
            await deliver(ctx, options, work, done, total);
            floor = Math.max(floor, last);
        } finally {
            await ports.releaseGeneration(claim, floor);
            total.generation = Math.max(total.generation, last);
        }
        // Changes that arrived while the claim was released would otherwise wait for the next tick.
        due = { ...due, marks: new Map((await ports.changeMarks()).filter((m) => m.product in options.products && !done.has(m.product)).map((m) => [m.product, m.changes])) };
    }
    telemetry.metric("SyncDuration", clock.now() - started, "Milliseconds");
    if (!total.claimed && total.deferred.size === 0) return { outcome: "unchanged", checked };
    // A product counts as failed when its last round here failed (one refused as superseded and then delivered does not).
    const failed = [...total.last.values()].filter((f): f is ProductFailure => f !== "sent").sort((a, b) => (a.product < b.product ? -1 : 1));
    telemetry.metric("UserListsSent", total.sent.size);
    telemetry.metric("SyncFailures", failed.length);
    // A product sent earlier may be deferred later (it changed again); deferred products are not sent afterwards.
    const deferred = [...total.deferred].filter((p) => !failed.some((f) => f.product === p)).sort();
    if (deferred.length > 0) telemetry.metric("SyncDeferredProducts", deferred.length);
    telemetry.info(failed.length === 0 ? "sync complete" : "sync incomplete", { generation: total.generation, commands: total.commands, sent: total.sent.size, failed: failed.map((f) => f.product), deferred });
    return { outcome: failed.length === 0 ? "synced" : "failed", generation: total.generation, checked, commands: total.commands, sent: [...total.sent].sort(), failed, deferred };
}

/**
 * Runs rounds until nothing is due: one round per server at a time, servers in parallel, the marks read again while
 * rounds run. A product that failed is not retried in this invocation (its mark stays for the next); one refused as
 * superseded gets one more round, with a generation above the one the server holds.
 */
interface DeliveryTotals {
    /** Products delivered at least once. */
    sent: Set<string>;
    /** Each product's last outcome in this invocation. */
    last: Map<string, ProductFailure | "sent">;
    deferred: Set<string>;
    commands: number;
}

async function deliver(ctx: RoundContext, options: SyncOptions, initial: string[], done: Set<string>, total: DeliveryTotals): Promise<void> {
    const maxPerCommand = options.maxProductsPerCommand ?? DEFAULTS.maxProductsPerCommand;
    const concurrency = options.serverConcurrency ?? DEFAULTS.serverConcurrency;
    const marksPollMs = options.marksPollMs ?? DEFAULTS.marksPollMs;
    /** server -> products waiting for its next round. */
    const queue = new Map<string, Set<string>>();
    /** product -> mark count its last round acted on (a poll showing the same count brings nothing new). */
    const handled = new Map<string, number | undefined>();
    const retriedSuperseded = new Set<string>();
    const enqueue = (product: string) => {
        const server = ctx.products[product].instanceId;
        queue.set(server, (queue.get(server) ?? new Set()).add(product));
    };
    initial.forEach(enqueue);
    const active = new Map<string, Promise<void>>();
    const deferred = (server: string) => (ctx.servers.get(server)?.retryAfter ?? 0) > ctx.clock.now() && !ctx.force;
    let lastPoll = ctx.clock.now();

    for (;;) {
        for (const [server, products] of [...queue]) {
            if (active.has(server) || active.size >= concurrency) continue;
            queue.delete(server);
            if (deferred(server)) {
                const until = new Date(ctx.servers.get(server)!.retryAfter!).toISOString();
                for (const product of products) {
                    done.add(product);
                    total.last.set(product, { product, reason: `license server ${server} failed its last ${ctx.servers.get(server)!.failures} command(s); it gets the next one after ${until}` });
                }
                continue;
            }
            const expected = ctx.servers.get(server)?.roundTripMs ?? 0;
            if (ctx.clock.now() + expected + ROUND_MARGIN_MS >= ctx.deadline) {
                for (const product of products) {
                    done.add(product);
                    total.deferred.add(product);
                }
                continue;
            }
            const batch = [...products].slice(0, maxPerCommand);
            const rest = [...products].slice(maxPerCommand);
            if (rest.length > 0) queue.set(server, new Set(rest));
            batch.forEach((p) => handled.set(p, ctx.marks.get(p)));
            const round = runRound(ctx, server, batch)
                .catch((err): RoundResult => ({ sent: [], superseded: [], commands: 0, failed: batch.map((product) => ({ product, reason: String((err as Error)?.message ?? err) })) }))
                .then((result) => {
                    for (const product of result.sent) {
                        total.sent.add(product);
                        total.last.set(product, "sent");
                    }
                    for (const failure of result.failed) total.last.set(failure.product, failure);
                    total.commands += result.commands;
                    // A failed product waits for the next sync, even if a change queued it again meanwhile.
                    for (const f of result.failed) {
                        if (result.superseded.includes(f.product) && !retriedSuperseded.has(f.product)) continue;
                        done.add(f.product);
                        queue.get(server)?.delete(f.product);
                        if (queue.get(server)?.size === 0) queue.delete(server);
                    }
                    for (const product of result.superseded.filter((p) => !retriedSuperseded.has(p))) {
                        retriedSuperseded.add(product);
                        enqueue(product);
                    }
                })
                .finally(() => active.delete(server));
            active.set(server, round);
        }
        if (active.size === 0 && queue.size === 0) return;
        const pollIn = Math.max(0, lastPoll + marksPollMs - ctx.clock.now());
        await Promise.race([...active.values(), ctx.clock.sleep(pollIn)]);
        if (ctx.clock.now() - lastPoll >= marksPollMs && ctx.clock.now() + ROUND_MARGIN_MS < ctx.deadline) {
            lastPoll = ctx.clock.now();
            for (const mark of await ctx.ports.changeMarks()) {
                if (!(mark.product in ctx.products) || done.has(mark.product)) continue;
                ctx.marks.set(mark.product, mark.changes);
                if (handled.has(mark.product) && handled.get(mark.product) === mark.changes) continue;
                enqueue(mark.product);
            }
        }
    }
}

export type { ServerState as LicenseServerState };
