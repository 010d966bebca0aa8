/**
 * The hub's product catalog: which licensed products each workbench type carries, and where each product's user
 * list goes. Plain data, validated when the component is constructed so a mistake fails `pulumi preview` with a
 * message naming the entry, not a Lambda at 3 a.m.
 */
import { annualCostProblems, productTargetProblems, workbenchTypeEntryProblems } from "../../functions/hub-shared/catalogEntries";
import { commandProblems } from "../../functions/hub-shared/vendorCommand";
import { childPath, knownKeys, misspeltIn, problemsMessage, unknownKeyProblems } from "../shared/configKeys";
import type { ProductTarget } from "../../functions/hub-shared/config";
import type * as pulumi from "@pulumi/pulumi";

/** A licensed product (or feature) of the catalog: its license server, the seats owned, and the vendor CLI that loads its users. */
export interface LicensedProduct {
    /** EC2 instance id of the license server that serves this product (same account and region as the hub). Required. */
    licenseServerInstanceId: pulumi.Input<string>;
    /** Seats the organisation owns. Demand beyond it is left out, longest-held seats first, and reported. Default: unlimited. */
    seats?: pulumi.Input<number>;
    /**
     * What one seat costs a year (any currency, the same for every product): the analytics report then states the
     * yearly cost of idle seats and of its recommended seat count. Default: none (the report shows seats only).
     */
    annualCostPerSeat?: pulumi.Input<number>;
    /**
     * The vendor CLI call that loads the user list, as an argv array (no shell): the first element an absolute path,
     * placeholders `{product}` and `{usersFile}` (the installed list, one user id per line) replaced on the license
     * server. Default: the catalog's `defaultCommand`, else none (the list is only installed as a file).
     */
    command?: string[];
}

/** What the hub counts: the workbench types and the licensed products each carries, and where each product's users go. */
export interface ProductCatalog {
    /** Workbench type (the instance's type tag) -> licensed products it carries. Required, non-empty. */
    workbenchTypes: Record<string, string[]>;
    /** Licensed product name -> where its users go. Required, non-empty. */
    products: Record<string, LicensedProduct>;
    /** Vendor CLI argv used for products without their own `command`. Default: none. */
    defaultCommand?: string[];
}

/** A product whose values are all known (outputs resolved): what validation and the Lambdas' environment see. */
export interface KnownProduct {
    licenseServerInstanceId: string;
    seats?: number;
    annualCostPerSeat?: number;
    command?: string[];
}

/** A catalog whose values are all known (outputs resolved). */
export interface KnownCatalog {
    workbenchTypes: Record<string, string[]>;
    products: Record<string, KnownProduct>;
    defaultCommand?: string[];
}

export { COMMAND_PLACEHOLDERS, WINDOWS_EXECUTABLE } from "../../functions/hub-shared/vendorCommand";

const CATALOG_KEYS = knownKeys<ProductCatalog>()("workbenchTypes", "products", "defaultCommand");
const PRODUCT_KEYS = knownKeys<LicensedProduct>()("licenseServerInstanceId", "seats", "annualCostPerSeat", "command");

/**
 * Every problem of the catalog, each starting with the path the user wrote under `path` (the argument or stack
 * setting holding the catalog), e.g. `productCatalog.products.matlab: unknown key "seat" (did you mean "seats"?)`.
 */
export function catalogProblems(catalog: unknown, path: string): string[] {
    if (typeof catalog !== "object" || catalog === null || Array.isArray(catalog)) return [`${path}: must be an object with workbenchTypes and products`];
    const c = catalog as Partial<ProductCatalog>;
    const problems = unknownKeyProblems(c, CATALOG_KEYS, path);
    const products = isRecord(c.products) ? Object.entries(c.products) : [];
    const types = isRecord(c.workbenchTypes) ? Object.entries(c.workbenchTypes) : [];
    // A misspelt key already says what is missing; a second line would only mislead.
    if (products.length === 0 && !misspeltIn(c, "products", CATALOG_KEYS)) problems.push(`${path}.products: has no products`);
    if (types.length === 0 && !misspeltIn(c, "workbenchTypes", CATALOG_KEYS)) problems.push(`${path}.workbenchTypes: maps no workbench types to products`);

    for (const [name, product] of products) {
        const at = childPath(`${path}.products`, name);
        if (!isRecord(product)) {
            problems.push(`${at}: must be an object with licenseServerInstanceId`);
            continue;
        }
        problems.push(...unknownKeyProblems(product, PRODUCT_KEYS, at));
        problems.push(...productTargetProblems(name, product.licenseServerInstanceId, product.seats, at, "licenseServerInstanceId"));
        problems.push(...annualCostProblems(product.annualCostPerSeat, at));
        if (product.command !== undefined) problems.push(...commandProblems(`${at}.command`, product.command));
    }
    if (c.defaultCommand !== undefined) problems.push(...commandProblems(`${path}.defaultCommand`, c.defaultCommand));

    const carried = new Set<string>();
    for (const [type, names] of types) {
        const at = childPath(`${path}.workbenchTypes`, type);
        problems.push(...workbenchTypeEntryProblems(type, names, at));
        if (!Array.isArray(names)) continue;
        names.forEach((product, i) => {
            if (!products.some(([name]) => name === product)) {
                problems.push(`${at}[${i}]: unknown product ${JSON.stringify(product)}${products.length > 0 ? ` (products: ${products.map(([n]) => n).join(", ")})` : ""}`);
            }
            carried.add(product);
        });
    }
    // A product no workbench carries would be synced with an empty list on every change, emptying its license server.
    for (const [name] of products) {
        if (!carried.has(name) && types.length > 0) problems.push(`${childPath(`${path}.products`, name)}: carried by no workbench type`);
    }
    return problems;
}

/** Throws one message listing every problem of the catalog, each naming the entry under `catalog`. */
export function validateCatalog(component: string, catalog: KnownCatalog): void {
    const problems = catalogProblems(catalog, "catalog");
    if (problems.length > 0) throw new Error(problemsMessage(component, problems));
}

function isRecord(value: unknown): value is Record<string, any> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Workbench type -> products: what the assignment Lambda needs. */
export function assignmentCatalog(catalog: KnownCatalog): Record<string, string[]> {
    return Object.fromEntries(Object.entries(catalog.workbenchTypes).map(([type, products]) => [type, [...products]]));
}

/** Product -> license server and seats: what the sync Lambda needs. */
export function syncCatalog(catalog: KnownCatalog): Record<string, ProductTarget> {
    return Object.fromEntries(
        Object.entries(catalog.products).map(([name, p]) => [
            name,
            {
                instanceId: p.licenseServerInstanceId,
                ...(p.seats === undefined ? {} : { seats: p.seats }),
                ...(p.annualCostPerSeat === undefined ? {} : { annualCostPerSeat: p.annualCostPerSeat }),
            },
        ]),
    );
}

/** Each product's effective command (its own, else the default), or undefined for "install the file only". */
export function productCommands(catalog: KnownCatalog): Record<string, string[] | undefined> {
    return Object.fromEntries(Object.entries(catalog.products).map(([name, p]) => [name, p.command ?? catalog.defaultCommand]));
}
