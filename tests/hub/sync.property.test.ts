/**
 * The sync under any interleaving (fast-check, in-memory table ports with the DynamoDB ports' semantics): seat changes
 * the change marker marks (or loses), syncs on schedule and on change, some at once, commands that the license servers
 * finish late and out of order, or not at all while a server is offline. Whatever happens: each product's commands
 * carry ever newer generations, in the order they are sent; and once the servers are back, every server lists exactly
 * the users holding its products' seats: after the safety net has gone round when the change marker lost changes,
 * and from the change marks alone (no scheduled tick) when it lost none.
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { syncUserLists, SyncPorts } from "../../functions/hub-sync/sync";
import type { CommandOutcome } from "../../functions/hub-sync/ports";
import { parseBundle } from "../../functions/hub-shared/bundle";
import { renderUserList } from "../../functions/hub-shared/userList";
import { memorySyncTable } from "./support/memorySyncTable";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { propertyRuns, propertyTimeoutMs } from "../support/propertyRuns";

const SERVERS = ["i-0aaaaaaaaaaaaaaa1", "i-0bbbbbbbbbbbbbbb1"];
const PRODUCTS: Record<string, { instanceId: string; command?: string[] }> = {
    matlab: { instanceId: SERVERS[0], command: ["/opt/lm", "{usersFile}"] },
    simulink: { instanceId: SERVERS[0] },
    catia: { instanceId: SERVERS[0] },
    ansys: { instanceId: SERVERS[1] },
};
const USERS = ["alice", "bob", "carol", "dave"];
const FULL_CHECK_EVERY_TICKS = 2;
let sleepHook: () => Promise<void> = async () => undefined;

type Step =
    /** A seat changes (`during`: while the next sync waits for a command, so after it read the seat rows). */
    | { kind: "seat"; product: string; user: string; holds: boolean; marked: boolean; during: boolean }
    | { kind: "sync"; scheduled: boolean; together: boolean }
    /** The next command is held by its server, to finish late (out of order) on a `finish` step. */
    | { kind: "hold" }
    | { kind: "finish"; pick: number }
    | { kind: "outage"; server: number; offline: boolean };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("seat" as const), product: fc.constantFrom(...Object.keys(PRODUCTS)), user: fc.constantFrom(...USERS), holds: fc.boolean(), marked: fc.constantFrom(true, true, true, false), during: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("sync" as const), scheduled: fc.boolean(), together: fc.constantFrom(false, false, true) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("hold" as const) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("finish" as const), pick: fc.nat(20) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("outage" as const), server: fc.nat(SERVERS.length - 1), offline: fc.boolean() }) },
);

interface Pending {
    commandId: string;
    instanceId: string;
    body: string;
    sentAt: number;
    /** Finished only by a `finish` step (or at the end). */
    held: boolean;
    outcome?: CommandOutcome;
}

/** A command a server neither holds nor lost ends this long after it was sent. */
const ROUND_TRIP_MS = 5000;

/** The license servers as the document's script treats them: per product the list and the generation held. */
class Servers {
    readonly held = new Map<string, { generation: number; sha256: string; users: string[] }>();
    readonly violations: string[] = [];

    run(instanceId: string, body: string, commandId: string): CommandOutcome {
        const lines: string[] = [];
        let code = 0;
        for (const entry of parseBundle(body)) {
            const key = `${instanceId}/${entry.product}`;
            const last = this.held.get(key);
            if (renderUserList(entry.users).sha256 !== entry.sha256) this.violations.push(`${key}: a list that does not match its checksum`);
            if (last && entry.generation === last.generation && entry.sha256 === last.sha256) lines.push(`result ${entry.product} applied ${entry.generation}`);
            else if (last && entry.generation <= last.generation) {
                lines.push(`result ${entry.product} superseded ${last.generation}`);
                code = code || 3;
            } else {
                this.held.set(key, { generation: entry.generation, sha256: entry.sha256, users: entry.users });
                lines.push(`result ${entry.product} applied ${entry.generation}`);
            }
        }
        return code === 0 ? { status: "Success", commandId, responseCode: 0 } : { status: "Failed", commandId, responseCode: code, output: lines.join("\n") };
    }
}

async function play(steps: Step[], finalTicks: "scheduled" | "on change"): Promise<{ lists: Record<string, string[]>; truth: Record<string, string[]>; violations: string[] }> {
    const truth = new Map<string, Set<string>>(Object.keys(PRODUCTS).map((p) => [p, new Set<string>()]));
    let now = Date.parse("2026-12-07T08:50:00Z");
    // The table's claim reads the same simulated clock as the sync (its lease is set on that clock).
    const table = memorySyncTable((product) => [...truth.get(product)!].sort().map((userId) => ({ userId, firstAssignedAt: "2026-12-07T08:00:00Z" })), undefined, () => now);
    const servers = new Servers();
    const offline = new Set<string>();
    const pending: Pending[] = [];
    const objects = new Map<string, string>();
    let commands = 0;
    let holdNext = 0;
    /** The last generation sent per product: each command must carry a newer one. */
    const sentGeneration = new Map<string, number>();
    const ports: SyncPorts = {
        ...table.ports,
        async publishBundle(bundle) {
            objects.set(bundle.key, bundle.body);
        },
        async sendBundle(instanceId, bundle) {
            const commandId = `c-${++commands}`;
            const body = objects.get(bundle.key)!;
            if (createHash("sha256").update(body).digest("hex") !== bundle.sha256) servers.violations.push(`${commandId}: a bundle that does not match its checksum`);
            for (const entry of parseBundle(body)) {
                if (entry.generation <= (sentGeneration.get(entry.product) ?? 0)) servers.violations.push(`${commandId}: ${entry.product} sent with generation ${entry.generation}, not above ${sentGeneration.get(entry.product)}`);
                sentGeneration.set(entry.product, entry.generation);
            }
            pending.push({ commandId, instanceId, body, sentAt: now, held: holdNext > 0 });
            holdNext = Math.max(0, holdNext - 1);
            return commandId;
        },
        async commandOutcome(commandId) {
            const command = pending.find((p) => p.commandId === commandId)!;
            if (!command.held && now >= command.sentAt + ROUND_TRIP_MS) finish(command);
            return command.outcome;
        },
    };
    /** A command finishes on its server (unless the server is offline: then it fails undelivered). */
    const finish = (command: Pending) => {
        if (command.outcome) return;
        command.outcome = offline.has(command.instanceId) ? { status: "Undeliverable", commandId: command.commandId } : servers.run(command.instanceId, command.body, command.commandId);
    };
    const sync = (scheduled: boolean) =>
        syncUserLists(
            ports,
            {
                products: PRODUCTS,
                configurationFingerprint: "doc",
                deadline: now + 60_000,
                scheduled,
                fullCheckEveryTicks: FULL_CHECK_EVERY_TICKS,
                minCommandIntervalMs: 1,
                pollIntervalMs: 1000,
                marksPollMs: 1000,
                now: () => now,
                // Time passes only while the sync waits: a command no step finishes keeps it waiting until its deadline.
                sleep: async (ms) => {
                    now += ms;
                    await sleepHook();
                    await new Promise<void>((resolve) => setImmediate(resolve));
                },
            },
            new RecordingTelemetry(),
        );

    const applySeat = async (step: Extract<Step, { kind: "seat" }>) => {
        const users = truth.get(step.product)!;
        const changed = step.holds ? !users.has(step.user) : users.has(step.user);
        if (step.holds) users.add(step.user);
        else users.delete(step.user);
        if (changed && step.marked) await table.markFromStream(new Map([[step.product, 1]]));
    };
    /** Seat changes waiting for the next sync to wait for a command. */
    const during: Array<Extract<Step, { kind: "seat" }>> = [];
    sleepHook = async () => {
        const step = during.shift();
        if (step) await applySeat(step);
    };
    for (const step of steps) {
        if (step.kind === "seat" && step.during) {
            during.push(step);
            continue;
        }
        if (step.kind !== "sync") for (const waiting of during.splice(0)) await applySeat(waiting);
        if (step.kind === "seat") {
            await applySeat(step);
        } else if (step.kind === "sync") {
            await (step.together ? Promise.all([sync(step.scheduled), sync(false)]) : sync(step.scheduled));
        } else if (step.kind === "hold") {
            holdNext++;
        } else if (step.kind === "finish") {
            const open = pending.filter((p) => !p.outcome);
            if (open.length > 0) finish(open[step.pick % open.length]);
        } else if (step.server < SERVERS.length) {
            if (step.offline) offline.add(SERVERS[step.server]);
            else offline.delete(SERVERS[step.server]);
        }
        now += 1000;
    }
    for (const waiting of during.splice(0)) await applySeat(waiting);
    // The servers are back and every command ends; then syncs, past every backoff: scheduled ones until the safety
    // net has gone round, or only on change (a failed list is marked again, so the marks alone must get there).
    offline.clear();
    for (let tick = 0; tick < FULL_CHECK_EVERY_TICKS * Object.keys(PRODUCTS).length + 2; tick++) {
        pending.forEach(finish);
        now += 600_000;
        await sync(finalTicks === "scheduled");
        pending.forEach(finish);
    }
    const lists = Object.fromEntries(Object.entries(PRODUCTS).map(([product, target]) => [product, servers.held.get(`${target.instanceId}/${product}`)?.users ?? []]));
    return { lists, truth: Object.fromEntries([...truth].map(([p, users]) => [p, [...users].sort()])), violations: servers.violations };
}

describe("hub sync: any interleaving converges, generations never go backwards (fast-check, in-memory table)", function () {
    const RUNS = 150;
    this.timeout(propertyTimeoutMs(RUNS * 2));

    /** Plays random steps (`steps`), then the final syncs, and checks every product's commands and final list. */
    const converges = (steps: fc.Arbitrary<Step>, finalTicks: "scheduled" | "on change") =>
        fc.assert(
            fc.asyncProperty(fc.array(steps, { minLength: 1, maxLength: 40 }), async (played) => {
                const result = await play(played, finalTicks);
                expect(result.violations, result.violations.join("; ")).to.deep.equal([]);
                expect(result.lists).to.deep.equal(result.truth);
            }),
            propertyRuns(RUNS),
        );

    it("converges through the safety net, whatever the change marker lost, sending each product ever newer generations", () => converges(stepArb, "scheduled"));

    it("converges from the change marks alone when the change marker lost nothing (no scheduled tick at the end)", () =>
        converges(stepArb.map((step) => (step.kind === "seat" ? { ...step, marked: true } : step)), "on change"));
});
