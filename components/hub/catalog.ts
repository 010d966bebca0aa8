/**
 * The hub's product catalog: which licensed products each workbench type carries, and where each product's user
 * list goes. Plain data, validated when the component is constructed so a mistake fails `pulumi preview` with a
 * message naming the entry, not a Lambda at 3 a.m.
 */
import { INSTANCE_ID_PATTERN, WORKBENCH_TYPE_PATTERN } from "../../functions/shared/workbenchEvent";
import { PRODUCT_NAME_PATTERN } from "../../functions/hub-shared/tableKeys";
import type { ProductTarget } from "../../functions/hub-shared/config";

export interface LicensedProduct {
    /** EC2 instance id of the license server that serves this product (same account and region as the hub). Required. */
    licenseServerInstanceId: string;
    /** Seats the organisation owns. Demand beyond it is left out, longest-held seats first, and reported. Default: unlimited. */
    seats?: number;
    /**
     * The vendor CLI call that loads the user list, as an argv array (no shell): the first element an absolute path,
     * placeholders `{product}` and `{usersFile}` (the installed list, one user id per line) replaced on the license
     * server. Default: the catalog's `defaultCommand`, else none (the list is only installed as a file).
     */
    command?: string[];
}

export interface ProductCatalog {
    /** Workbench type (the instance's type tag) -> licensed products it carries. Required, non-empty. */
    workbenchTypes: Record<string, string[]>;
    /** Licensed product name -> where its users go. Required, non-empty. */
    products: Record<string, LicensedProduct>;
    /** Vendor CLI argv used for products without their own `command`. Default: none. */
    defaultCommand?: string[];
}

/** Placeholders a command template may use. */
export const COMMAND_PLACEHOLDERS = ["{product}", "{usersFile}"] as const;
const PLACEHOLDER = /\{[^{}]*\}/g;
const EXECUTABLE = /^\/[A-Za-z0-9._+\-/]+$/;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Throws, naming the component and the entry, unless the catalog is complete and every name is in its strict charset. */
export function validateCatalog(component: string, catalog: ProductCatalog): void {
    const fail = (message: string): never => {
        throw new Error(`${component}: catalog ${message}`);
    };
    if (typeof catalog !== "object" || catalog === null) fail("is required");
    const products = Object.entries(catalog.products ?? {});
    const types = Object.entries(catalog.workbenchTypes ?? {});
    if (products.length === 0) fail("has no products");
    if (types.length === 0) fail("maps no workbench types to products");

    for (const [name, product] of products) {
        if (!PRODUCT_NAME_PATTERN.test(name)) {
            fail(`product name ${JSON.stringify(name)} must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
        }
        if (typeof product?.licenseServerInstanceId !== "string" || !INSTANCE_ID_PATTERN.test(product.licenseServerInstanceId)) {
            fail(`product ${name}: licenseServerInstanceId ${JSON.stringify(product?.licenseServerInstanceId)} is not an EC2 instance id`);
        }
        if (product.seats !== undefined && (!Number.isInteger(product.seats) || product.seats <= 0)) {
            fail(`product ${name}: seats must be a positive integer (got ${JSON.stringify(product.seats)})`);
        }
        if (product.command !== undefined) validateCommand(`product ${name}: command`, product.command, fail);
    }
    if (catalog.defaultCommand !== undefined) validateCommand("defaultCommand", catalog.defaultCommand, fail);

    const carried = new Set<string>();
    for (const [type, names] of types) {
        if (!WORKBENCH_TYPE_PATTERN.test(type)) {
            fail(`workbench type ${JSON.stringify(type)} must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
        }
        if (!Array.isArray(names) || names.length === 0) fail(`workbench type ${type} carries no products`);
        if (new Set(names).size !== names.length) fail(`workbench type ${type} lists a product twice`);
        for (const product of names) {
            if (!Object.prototype.hasOwnProperty.call(catalog.products, product)) {
                fail(`workbench type ${type} carries unknown product ${JSON.stringify(product)}`);
            }
            carried.add(product);
        }
    }
    // A product no workbench carries would be synced with an empty list on every change, emptying its license server.
    for (const [name] of products) {
        if (!carried.has(name)) fail(`product ${name} is carried by no workbench type`);
    }
}

function validateCommand(field: string, argv: unknown, fail: (message: string) => never): void {
    if (!Array.isArray(argv) || argv.length === 0 || argv.length > 64) fail(`${field} must be an array of 1-64 arguments`);
    const args = argv as unknown[];
    args.forEach((arg, i) => {
        if (typeof arg !== "string" || arg.length === 0 || arg.length > 1024) fail(`${field}[${i}] must be a non-empty string of at most 1024 characters`);
        const text = arg as string;
        if (CONTROL_CHARACTERS.test(text)) fail(`${field}[${i}] contains a control character`);
        for (const token of text.match(PLACEHOLDER) ?? []) {
            if (!(COMMAND_PLACEHOLDERS as readonly string[]).includes(token)) {
                fail(`${field}[${i}] uses unknown placeholder ${token}; allowed: ${COMMAND_PLACEHOLDERS.join(", ")}`);
            }
        }
        if (text.replace(PLACEHOLDER, "").match(/[{}]/)) fail(`${field}[${i}] has an unbalanced brace`);
    });
    if (!EXECUTABLE.test(args[0] as string)) fail(`${field}[0] must be the absolute path of the vendor CLI (no placeholders, no spaces)`);
    if (!args.some((a) => (a as string).includes("{usersFile}"))) fail(`${field} must pass the user list with {usersFile}`);
}

/** Workbench type -> products: what the assignment Lambda needs. */
export function assignmentCatalog(catalog: ProductCatalog): Record<string, string[]> {
    return Object.fromEntries(Object.entries(catalog.workbenchTypes).map(([type, products]) => [type, [...products]]));
}

/** Product -> license server and seats: what the sync Lambda needs. */
export function syncCatalog(catalog: ProductCatalog): Record<string, ProductTarget> {
    return Object.fromEntries(
        Object.entries(catalog.products).map(([name, p]) => [name, p.seats === undefined ? { instanceId: p.licenseServerInstanceId } : { instanceId: p.licenseServerInstanceId, seats: p.seats }]),
    );
}

/** Each product's effective command (its own, else the default), or undefined for "install the file only". */
export function productCommands(catalog: ProductCatalog): Record<string, string[] | undefined> {
    return Object.fromEntries(Object.entries(catalog.products).map(([name, p]) => [name, p.command ?? catalog.defaultCommand]));
}
