import type { HubConfiguration } from "./hubConfiguration";
import { ASSIGNMENT_ENVIRONMENT, DEFAULT_FULL_CHECK_EVERY_TICKS, DEFAULT_MIN_COMMAND_INTERVAL_MS, SYNC_ENVIRONMENT } from "./environment";

/** Where one product's user list goes, how many seats the organisation owns, and the vendor CLI that loads it. */
export interface ProductTarget {
    instanceId: string;
    seats?: number;
    /** What one seat costs a year (the seat ledger records it for the analytics' decisions). */
    annualCostPerSeat?: number;
    /** The effective vendor argv template (the product's own or the catalog's default); absent: install the file only. */
    command?: readonly string[];
}

export interface AssignmentConfig {
    tableName: string;
    /** Workbench type -> products it carries. */
    workbenchTypes: Record<string, string[]>;
    /** Accounts allowed to send events (the configuration object's admission list); empty: any account the bus policy admits. */
    allowedAccounts: ReadonlySet<string>;
    tombstoneRetentionSeconds: number;
    /** Seconds an event's EC2 time may lie ahead of the hub's clock; later ones are refused. */
    maxClockSkewSeconds: number;
}

/**
 * EC2 stamps its events with AWS's clock and the hub reads them later with AWS's clock: a genuine event is never
 * more than a few seconds "ahead". Anything further ahead is a wrong clock or a forgery.
 */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 30;
/** Upper bound of the setting: a forged stop may pin an instance for at most this long (see eventOrderKey). */
export const MAX_MAX_CLOCK_SKEW_SECONDS = 300;

export interface SyncConfig {
    tableName: string;
    products: Record<string, ProductTarget>;
    userListBucket: string;
    documentName: string;
    configurationFingerprint: string;
    deliveryTimeoutSeconds: number;
    pollIntervalMs: number;
    fullCheckEveryTicks: number;
    minCommandIntervalMs: number;
}

type Env = Record<string, string | undefined>;

/**
 * The assignment handler's configuration: names and limits from its environment, the catalog and admission list
 * from the hub configuration object (already checked by its loader). Throws, failing the cold start loudly, when the
 * environment is broken.
 */
export function assignmentConfig(env: Env, configuration: HubConfiguration): AssignmentConfig {
    return {
        tableName: required(env, ASSIGNMENT_ENVIRONMENT.tableName),
        workbenchTypes: configuration.workbenchTypes,
        allowedAccounts: new Set(configuration.admission.accountIds),
        tombstoneRetentionSeconds: positiveInteger(env, ASSIGNMENT_ENVIRONMENT.tombstoneRetentionSeconds),
        maxClockSkewSeconds: positiveInteger(env, ASSIGNMENT_ENVIRONMENT.maxClockSkewSeconds, DEFAULT_MAX_CLOCK_SKEW_SECONDS),
    };
}

/** The products' license servers, seat limits and vendor commands, as the sync and the seat ledger read them. */
export function productTargets(configuration: HubConfiguration): Record<string, ProductTarget> {
    return Object.fromEntries(
        Object.entries(configuration.products).map(([name, p]) => [
            name,
            {
                instanceId: p.instanceId,
                ...(p.seats === undefined ? {} : { seats: p.seats }),
                ...(p.annualCostPerSeat === undefined ? {} : { annualCostPerSeat: p.annualCostPerSeat }),
                ...(p.command === undefined ? {} : { command: p.command }),
            },
        ]),
    );
}

/** The sync's configuration: its settings from the environment, its products from the configuration object. */
export function syncConfig(env: Env, configuration: HubConfiguration): SyncConfig {
    return { ...syncSettings(env), products: productTargets(configuration) };
}

/** What the sync's environment says (everything but the products). */
export function syncSettings(env: Env): Omit<SyncConfig, "products"> {
    return {
        tableName: required(env, SYNC_ENVIRONMENT.tableName),
        userListBucket: required(env, SYNC_ENVIRONMENT.userListBucket),
        documentName: required(env, SYNC_ENVIRONMENT.documentName),
        configurationFingerprint: env[SYNC_ENVIRONMENT.configurationFingerprint] ?? "",
        deliveryTimeoutSeconds: positiveInteger(env, SYNC_ENVIRONMENT.deliveryTimeoutSeconds, 60),
        pollIntervalMs: positiveInteger(env, SYNC_ENVIRONMENT.pollIntervalMs, 2000),
        fullCheckEveryTicks: positiveInteger(env, SYNC_ENVIRONMENT.fullCheckEveryTicks, DEFAULT_FULL_CHECK_EVERY_TICKS),
        minCommandIntervalMs: positiveInteger(env, SYNC_ENVIRONMENT.minCommandIntervalMs, DEFAULT_MIN_COMMAND_INTERVAL_MS),
    };
}

function required(env: Env, name: string): string {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
}

function positiveInteger(env: Env, name: string, fallback?: number): number {
    const raw = env[name];
    if (raw === undefined || raw === "") {
        if (fallback !== undefined) return fallback;
        throw new Error(`environment variable ${name} is not set`);
    }
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive integer (got ${JSON.stringify(raw)})`);
    return value;
}
