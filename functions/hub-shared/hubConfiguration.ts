/**
 * The hub's configuration object: the catalog (workbench types, products with their license servers, seats and vendor
 * commands) and the admission list, as one JSON object in S3 that every hub function reads at cold start. It lives
 * in S3, not in the functions' environment, because Lambda caps an environment at 4 KB and a real catalog (400
 * products, 1,500 admitted accounts) takes hundreds of KB (docs/decisions/0002-hub-configuration-object.md).
 *
 * The object is content-addressed: its key carries the SHA-256 of its body, so a changed catalog is a new key, the
 * key in the functions' environment changes with it, and every function reads the new catalog on its next cold
 * start (Lambda starts new containers for a changed configuration). Readers check the body against the key.
 */
import { createHash } from "node:crypto";
import { ACCOUNT_ID_PATTERN } from "../shared/workbenchEvent";
import { productTargetProblems, workbenchTypeEntryProblems, annualCostProblems } from "./catalogEntries";
import { commandProblems } from "./vendorCommand";

/** Version of the object's format; readers refuse others (docs/upgrading.md: the hub's functions and the object are deployed together). */
export const HUB_CONFIGURATION_FORMAT = 1;
/** Key prefix of the configuration objects in the hub bucket. */
export const HUB_CONFIGURATION_PREFIX = "configuration/";
const KEY = new RegExp(`^${HUB_CONFIGURATION_PREFIX}hub-([0-9a-f]{64})\\.json$`);

/** One product: where its user list goes, the seats owned, and the vendor CLI that loads the list. */
export interface ProductConfiguration {
    /** License server instance id. */
    instanceId: string;
    /** Seats the organisation owns; absent: unlimited. */
    seats?: number;
    /** What one seat costs a year; absent: not stated. */
    annualCostPerSeat?: number;
    /** The effective vendor CLI argv (the product's own, else the catalog default); absent: install the file only. */
    command?: string[];
}

export interface HubConfiguration {
    format: typeof HUB_CONFIGURATION_FORMAT;
    /** Workbench type -> products it carries. */
    workbenchTypes: Record<string, string[]>;
    /** Product -> license server, seats, command. */
    products: Record<string, ProductConfiguration>;
    /** Who may hold seats. */
    admission: {
        /** Workbench accounts allowed to send events; empty: every account the hub bus admits. */
        accountIds: string[];
    };
}

/** The object's body, byte for byte what is stored and hashed (keys in the order written, no whitespace). */
export function hubConfigurationBody(configuration: HubConfiguration): string {
    return JSON.stringify(configuration);
}

/** `configuration/hub-<sha256 of the body>.json`. */
export function hubConfigurationKey(body: string): string {
    return `${HUB_CONFIGURATION_PREFIX}hub-${sha256(body)}.json`;
}

/**
 * Parses and checks a body read from `key`: the digest in the key, the format, and every entry (the same rules the
 * component applies at preview, each problem naming its path). Throws one message listing every problem.
 */
export function parseHubConfiguration(key: string, body: string): HubConfiguration {
    const match = KEY.exec(key);
    if (!match) throw new Error(`hub configuration key ${JSON.stringify(key)} is not ${HUB_CONFIGURATION_PREFIX}hub-<sha256>.json`);
    if (sha256(body) !== match[1]) throw new Error(`hub configuration ${key}: the body's SHA-256 is not the one its key names (the object was changed after it was written)`);
    let value: unknown;
    try {
        value = JSON.parse(body);
    } catch (err) {
        throw new Error(`hub configuration ${key} is not JSON: ${(err as Error).message}`);
    }
    const problems = hubConfigurationProblems(value);
    if (problems.length > 0) throw new Error(`hub configuration ${key}: ${problems.join("; ")}`);
    return value as HubConfiguration;
}

/** Every problem of a parsed configuration object, each starting with its path. */
export function hubConfigurationProblems(value: unknown): string[] {
    if (!isRecord(value)) return ["must be a JSON object"];
    if (value.format !== HUB_CONFIGURATION_FORMAT) {
        return [`format ${JSON.stringify(value.format)} is not ${HUB_CONFIGURATION_FORMAT}: deploy the hub's functions and its configuration together`];
    }
    const problems: string[] = [];
    const types = isRecord(value.workbenchTypes) ? Object.entries(value.workbenchTypes) : [];
    const products = isRecord(value.products) ? Object.entries(value.products) : [];
    if (types.length === 0) problems.push("workbenchTypes: maps no workbench types to products");
    if (products.length === 0) problems.push("products: has no products");
    for (const [type, carried] of types) problems.push(...workbenchTypeEntryProblems(type, carried, `workbenchTypes[${JSON.stringify(type)}]`));
    for (const [product, target] of products) {
        const at = `products[${JSON.stringify(product)}]`;
        if (!isRecord(target)) {
            problems.push(`${at}: must be an object`);
            continue;
        }
        problems.push(...productTargetProblems(product, target.instanceId, target.seats, at, "instanceId"));
        problems.push(...annualCostProblems(target.annualCostPerSeat, at));
        // The preview's rules again: the command travels as data to a license server, which checks it a third time.
        if (target.command !== undefined) problems.push(...commandProblems(`${at}.command`, target.command));
    }
    const accounts = isRecord(value.admission) ? value.admission.accountIds : undefined;
    if (!Array.isArray(accounts)) problems.push("admission.accountIds: must be a list of account ids");
    else {
        accounts.forEach((id, i) => {
            if (typeof id !== "string" || !ACCOUNT_ID_PATTERN.test(id)) problems.push(`admission.accountIds[${i}]: ${JSON.stringify(id)} is not an account id`);
        });
    }
    return problems;
}

function sha256(text: string): string {
    return createHash("sha256").update(text, "utf8").digest("hex");
}

function isRecord(value: unknown): value is Record<string, any> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
