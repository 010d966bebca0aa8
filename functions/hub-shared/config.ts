import { ACCOUNT_ID_PATTERN } from "../shared/workbenchEvent";
import { productTargetProblems, workbenchTypeEntryProblems } from "./catalogEntries";
import { ASSIGNMENT_ENVIRONMENT, DEFAULT_FULL_CHECK_EVERY_TICKS, DEFAULT_MIN_COMMAND_INTERVAL_MS, SYNC_ENVIRONMENT } from "./environment";

/** Where one product's user list goes, and how many seats the organisation owns. */
export interface ProductTarget {
    instanceId: string;
    seats?: number;
}

export interface AssignmentConfig {
    tableName: string;
    /** Workbench type -> products it carries. */
    workbenchTypes: Record<string, string[]>;
    /** Accounts allowed to send events; empty: any account the bus policy admits. */
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
    markerParameterName: string;
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

/** Reads the assignment handler's configuration; throws (failing the cold start loudly) when it is broken. */
export function assignmentConfigFromEnv(env: Env): AssignmentConfig {
    const workbenchTypes = parseJson(env, ASSIGNMENT_ENVIRONMENT.workbenchTypes) as Record<string, unknown>;
    const problems = Object.entries(workbenchTypes).flatMap(([type, products]) =>
        workbenchTypeEntryProblems(type, products, `${ASSIGNMENT_ENVIRONMENT.workbenchTypes}[${JSON.stringify(type)}]`),
    );
    if (problems.length > 0) throw new Error(problems.join("; "));
    const allowedAccounts = (env[ASSIGNMENT_ENVIRONMENT.allowedAccounts] ?? "").split(",").map((a) => a.trim()).filter(Boolean);
    for (const account of allowedAccounts) {
        if (!ACCOUNT_ID_PATTERN.test(account)) throw new Error(`${ASSIGNMENT_ENVIRONMENT.allowedAccounts}: ${JSON.stringify(account)} is not an account id`);
    }
    return {
        tableName: required(env, ASSIGNMENT_ENVIRONMENT.tableName),
        workbenchTypes: workbenchTypes as Record<string, string[]>,
        allowedAccounts: new Set(allowedAccounts),
        tombstoneRetentionSeconds: positiveInteger(env, ASSIGNMENT_ENVIRONMENT.tombstoneRetentionSeconds),
        maxClockSkewSeconds: positiveInteger(env, ASSIGNMENT_ENVIRONMENT.maxClockSkewSeconds, DEFAULT_MAX_CLOCK_SKEW_SECONDS),
    };
}

/** The products' license servers and seat limits (`HUB_PRODUCTS`), as the sync and the seat ledger read them. */
export function productTargetsFromEnv(env: Env): Record<string, ProductTarget> {
    const products = parseJson(env, SYNC_ENVIRONMENT.products) as Record<string, any>;
    const problems = Object.entries(products).flatMap(([product, target]) =>
        productTargetProblems(product, target?.instanceId, target?.seats, `${SYNC_ENVIRONMENT.products}[${JSON.stringify(product)}]`, "instanceId"),
    );
    if (problems.length > 0) throw new Error(problems.join("; "));
    return products as Record<string, ProductTarget>;
}

export function syncConfigFromEnv(env: Env): SyncConfig {
    const products = productTargetsFromEnv(env);
    return {
        tableName: required(env, SYNC_ENVIRONMENT.tableName),
        markerParameterName: required(env, SYNC_ENVIRONMENT.markerParameterName),
        products,
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

function parseJson(env: Env, name: string): unknown {
    let value: unknown;
    try {
        value = JSON.parse(required(env, name));
    } catch (err) {
        throw new Error(`environment variable ${name} is not JSON: ${(err as Error).message}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`environment variable ${name} must be a JSON object`);
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
