/**
 * The license servers as the bench sees them: each product's installed list and generation, changed exactly as the
 * hub's document changes them (an older generation, or the same one with another list, is refused as superseded;
 * the same list again is already applied), and who is on which list since when: the event -> license server
 * latency of every (start, product).
 */
export interface ApplyResult {
    /** 0 applied (or already applied), 3 superseded. */
    code: 0 | 3;
    line: string;
    /** The generation the server holds when it refused the list. */
    held?: number;
}

interface Held {
    generation: number;
    sha256: string;
    users: Set<string>;
}

export class LicenseServerModel {
    private readonly held = new Map<string, Held>();
    installs = 0;
    superseded = 0;

    constructor(private readonly onInstall: (product: string, users: ReadonlySet<string>) => void) {}

    apply(instanceId: string, product: string, generation: number, sha256: string, users: readonly string[]): ApplyResult {
        const key = `${instanceId}/${product}`;
        const last = this.held.get(key);
        if (last && generation === last.generation && sha256 === last.sha256) return { code: 0, line: `license-hub: ${product} generation ${generation} already applied` };
        if (last && generation <= last.generation) {
            this.superseded++;
            return { code: 3, line: `license-hub: ${product} holds generation ${last.generation}; generation ${generation} refused (superseded)`, held: last.generation };
        }
        const installed = new Set(users);
        this.held.set(key, { generation, sha256, users: installed });
        this.installs++;
        this.onInstall(product, installed);
        return { code: 0, line: `license-hub: ${product} generation ${generation} applied (${installed.size} users)` };
    }

    users(instanceId: string, product: string): ReadonlySet<string> {
        return this.held.get(`${instanceId}/${product}`)?.users ?? new Set();
    }
}

/** Times (virtual ms) from each start's EC2 event to its owner on the license server, per product and per start. */
export class DeliveryTracker {
    /** product -> user -> pending pair. */
    private readonly pending = new Map<string, Map<string, { eventMs: number; start: StartTracking }>>();
    /** Per (start, product): [delivered at, latency ms]. */
    readonly pairs: Array<{ at: number; latencyMs: number }> = [];
    /** Per start: latency until every product of its workbench lists the owner. */
    readonly starts: number[] = [];
    private waiting = 0;

    constructor(private readonly now: () => number) {}

    expect(user: string, products: readonly string[], eventMs: number): void {
        const start: StartTracking = { remaining: products.length, eventMs };
        this.waiting += products.length;
        for (const product of products) {
            const users = this.pending.get(product) ?? new Map();
            users.set(user, { eventMs, start });
            this.pending.set(product, users);
        }
    }

    installed(product: string, users: ReadonlySet<string>): void {
        const pending = this.pending.get(product);
        if (!pending) return;
        const at = this.now();
        for (const [user, pair] of pending) {
            if (!users.has(user)) continue;
            pending.delete(user);
            this.waiting--;
            this.pairs.push({ at, latencyMs: at - pair.eventMs });
            if (--pair.start.remaining === 0) this.starts.push(at - pair.start.eventMs);
        }
    }

    /** (start, product) pairs not delivered yet. */
    undelivered(): number {
        return this.waiting;
    }
}

interface StartTracking {
    remaining: number;
    eventMs: number;
}
