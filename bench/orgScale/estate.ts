/**
 * The estate issue #20 sizes the design for, generated from a seed: workbench accounts and regions, licensed
 * products on their license servers, workbench types carrying up to `maxProductsPerType` products each, engineers,
 * the workbenches already running when the storm begins (some of which stop during it), and the storm's starts.
 * bench/org-scale.ts plays it; the quota tests (tests/quotas) render the components with its catalog.
 */
import type { KnownCatalog } from "../../components/hub/catalog";

export interface EstateSize {
    accounts: number;
    regionsPerAccount: number;
    products: number;
    types: number;
    /** Each type carries between `minProductsPerType` and this many products. */
    maxProductsPerType: number;
    minProductsPerType: number;
    licenseServers: number;
    users: number;
    /** Workbenches running before the storm (night jobs, early birds). */
    running: number;
    /** Of those, how many stop during the storm. */
    stops: number;
    /** Workbench starts in the storm, each by another engineer. */
    starts: number;
    /** The storm's length (8:50 to 9:00: 600 s). */
    stormSeconds: number;
}

/** The customer issue #20 sizes the hub for. */
export const TARGET_ESTATE: EstateSize = {
    accounts: 800,
    regionsPerAccount: 4,
    products: 400,
    types: 60,
    maxProductsPerType: 20,
    minProductsPerType: 5,
    licenseServers: 30,
    users: 40_000,
    running: 2_000,
    stops: 500,
    starts: 8_000,
    stormSeconds: 600,
};

/** Seconds of a run, for `npm test`. */
export const SMOKE_ESTATE: EstateSize = {
    accounts: 3,
    regionsPerAccount: 2,
    products: 12,
    types: 4,
    maxProductsPerType: 5,
    minProductsPerType: 2,
    licenseServers: 3,
    users: 300,
    running: 20,
    stops: 5,
    starts: 60,
    stormSeconds: 60,
};

export const REGIONS = ["eu-central-1", "eu-west-1", "us-east-1", "ap-northeast-1"];
/** Listed mode, where it still applies: the admission list the hub's functions read from the configuration object. */
export const LISTED_ACCOUNTS = 1_500;

/** The vendor CLI a product's list is loaded with: a FlexNet-style argv of realistic length, one vendor daemon per server. */
export function vendorCommand(serverIndex: number): string[] {
    return ["/opt/flexnet/bin/lmnamedusers", "--vendor-daemon", `vendor${serverIndex}`, "--feature", "{product}", "--replace-from={usersFile}"];
}

/** 12-digit workbench account ids, distinct and stable. */
export function workbenchAccountIds(count: number): string[] {
    return Array.from({ length: count }, (_, a) => String(100_000_000_000 + a));
}

export interface Workbench {
    user: string;
    type: string;
    account: string;
    region: string;
    instanceId: string;
    /** Seconds from the storm's beginning (negative: before it). */
    startAt: number;
    /** Seconds from the storm's beginning at which it stops, if it does. */
    stopAt?: number;
}

export interface Estate {
    size: EstateSize;
    catalog: KnownCatalog;
    /** Product -> license server instance id. */
    serverOf: Record<string, string>;
    servers: string[];
    accountRegions: Array<{ account: string; region: string }>;
    /** Running before the storm. */
    running: Workbench[];
    /** The storm's starts, in time order. */
    storm: Workbench[];
}

/** mulberry32: small, fast, good enough to spread a bench's choices, and repeatable. */
export function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");
const instanceId = (n: number) => `i-${n.toString(16).padStart(17, "0")}`;

export function generateEstate(size: EstateSize, seed = 20): Estate {
    const random = seededRandom(seed);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
    const products = Array.from({ length: size.products }, (_, i) => `feature-${pad(i, 3)}`);
    const servers = Array.from({ length: size.licenseServers }, (_, i) => instanceId(0x5e000000 + i));
    const serverOf = Object.fromEntries(products.map((p, i) => [p, servers[i % servers.length]]));

    // Every product is carried by at least one type; each type then gets random others up to its size.
    const types = Array.from({ length: size.types }, (_, i) => `type-${pad(i, 2)}`);
    const carried: Record<string, Set<string>> = Object.fromEntries(types.map((t) => [t, new Set<string>()]));
    products.forEach((p, i) => carried[types[i % types.length]].add(p));
    for (const type of types) {
        const want = size.minProductsPerType + Math.floor(random() * (size.maxProductsPerType - size.minProductsPerType + 1));
        while (carried[type].size < Math.min(want, size.maxProductsPerType)) carried[type].add(pick(products));
    }
    const catalog: KnownCatalog = {
        workbenchTypes: Object.fromEntries(types.map((t) => [t, [...carried[t]].sort()])),
        products: Object.fromEntries(products.map((p, i) => [p, { licenseServerInstanceId: serverOf[p], command: vendorCommand(i % servers.length) }])),
    };

    const accountRegions = workbenchAccountIds(size.accounts).flatMap((account) =>
        REGIONS.slice(0, size.regionsPerAccount).map((region) => ({ account, region })),
    );
    // Some workbench types are far more common than others (a Zipf-like spread).
    const weights = types.map((_, i) => 1 / (i + 1) ** 0.8);
    const total = weights.reduce((a, b) => a + b, 0);
    const pickType = () => {
        let r = random() * total;
        for (let i = 0; i < types.length; i++) if ((r -= weights[i]) <= 0) return types[i];
        return types[types.length - 1];
    };
    const users = Array.from({ length: size.users }, (_, i) => `eng${pad(i, 5)}`);
    let nextUser = 0;
    let nextInstance = 0;
    const workbench = (startAt: number): Workbench => {
        const { account, region } = pick(accountRegions);
        return { user: users[nextUser++ % users.length], type: pickType(), account, region, instanceId: instanceId(0x10000000 + nextInstance++), startAt };
    };
    const running = Array.from({ length: size.running }, () => workbench(-3600));
    for (const wb of running.slice(0, size.stops)) wb.stopAt = Math.round(random() * size.stormSeconds * 1000) / 1000;
    const storm = Array.from({ length: size.starts }, () => workbench(Math.round(random() * size.stormSeconds * 1000) / 1000)).sort((a, b) => a.startAt - b.startAt);
    return { size, catalog, serverOf, servers, accountRegions, running, storm };
}
