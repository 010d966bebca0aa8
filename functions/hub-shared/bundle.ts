/**
 * How user lists travel to a license server: one bundle per command, a text object in the hub bucket named by its
 * SHA-256, holding every product the command installs on that server (its generation, its list's checksum, its vendor
 * command as data) and then the lists. The SSM document's parameters carry only the bundle's checksum and key, so
 * the document is the same size for 1 product or 400, and user ids and vendor commands never appear in a command or
 * its parameters. The license server's script verifies the bundle's checksum, then each list's, checks every field
 * again, and reports one result line per product.
 *
 *   license-hub-bundle 1
 *   product <name> <generation> <list sha256> <list lines> <argument count>
 *   arg <argv element, placeholders {product} and {usersFile} unreplaced>        (argument count lines)
 *   windows-arguments <the arguments as one MSVC-quoted command line>            (Windows vendor CLI only)
 *   ... (next product)
 *   users
 *   <the first product's list, one user id per line>
 *   <the next product's list> ...
 *
 * Every field is validated before it is written (product names, user ids and arguments contain no newline or
 * control character), so the line structure cannot be forged from inside a field.
 */
import { createHash } from "node:crypto";
import { PRODUCT_NAME_PATTERN } from "./tableKeys";
import { RenderedUserList, USER_LIST_PREFIX } from "./userList";
import { isWindowsCommand, windowsArguments } from "./vendorCommand";

export const BUNDLE_PREFIX = `${USER_LIST_PREFIX}bundles/`;
export const BUNDLE_HEADER = "license-hub-bundle 1";
/** The line between the products' headers and their lists. */
export const BUNDLE_LISTS_MARKER = "users";

export interface BundleProduct {
    product: string;
    generation: number;
    list: RenderedUserList;
    /** The vendor CLI's argv template; undefined: the list is only installed as a file. */
    command?: readonly string[];
}

export interface RenderedBundle {
    body: string;
    sha256: string;
    /** S3 key: `user-lists/bundles/<sha256>.txt`. */
    key: string;
}

export function bundleObjectKey(sha256: string): string {
    return `${BUNDLE_PREFIX}${sha256}.txt`;
}

export function renderBundle(products: readonly BundleProduct[]): RenderedBundle {
    const headers: string[] = [BUNDLE_HEADER];
    for (const { product, generation, list, command } of products) {
        if (!PRODUCT_NAME_PATTERN.test(product)) throw new Error(`bundle: invalid product name ${JSON.stringify(product)}`);
        const lines = list.body === "" ? 0 : list.body.split("\n").length - 1;
        headers.push(`product ${product} ${generation} ${list.sha256} ${lines} ${command?.length ?? 0}`);
        for (const arg of command ?? []) {
            if (/[\u0000-\u001f\u007f]/.test(arg)) throw new Error(`bundle: the vendor command of ${product} contains a control character`);
            headers.push(`arg ${arg}`);
        }
        if (command && isWindowsCommand(command)) headers.push(`windows-arguments ${windowsArguments(command)}`);
    }
    const body = `${headers.join("\n")}\n${BUNDLE_LISTS_MARKER}\n${products.map((p) => p.list.body).join("")}`;
    const sha256 = createHash("sha256").update(body, "utf8").digest("hex");
    return { body, sha256, key: bundleObjectKey(sha256) };
}

/**
 * A bundle read back (what the license server's script does, for tests and the benchmarks' license servers): each
 * product's header, vendor arguments and users. Throws on anything renderBundle would not write.
 */
export function parseBundle(body: string): Array<{ product: string; generation: number; sha256: string; command: string[]; users: string[] }> {
    const lines = body.split("\n");
    if (lines[0] !== BUNDLE_HEADER) throw new Error("not a bundle of version 1");
    const products: Array<{ product: string; generation: number; sha256: string; lines: number; command: string[]; users: string[] }> = [];
    let index = 1;
    for (; index < lines.length && lines[index] !== BUNDLE_LISTS_MARKER; index++) {
        const header = /^product (\S+) (\d+) ([0-9a-f]{64}) (\d+) (\d+)$/.exec(lines[index]);
        if (header) products.push({ product: header[1], generation: Number(header[2]), sha256: header[3], lines: Number(header[4]), command: [], users: [] });
        else if (lines[index].startsWith("arg ") && products.length > 0) products[products.length - 1].command.push(lines[index].slice(4));
        else if (!lines[index].startsWith("windows-arguments ")) throw new Error(`bundle line ${index + 1} is not understood`);
    }
    if (index === lines.length) throw new Error("bundle has no lists");
    let next = index + 1;
    return products.map(({ lines: count, ...product }) => {
        const users = lines.slice(next, next + count);
        next += count;
        return { ...product, users };
    });
}

/** How one product of a bundle ended on its license server. */
export type ProductResult =
    | { outcome: "applied"; generation: number }
    /** The server holds a newer generation (`held`) than the one sent; the list was not installed. */
    | { outcome: "superseded"; held: number }
    /** Not installed (`generation`: the one it was sent with, when the script said). */
    | { outcome: "failed"; generation?: number };

/** The script's machine-readable line per product, on stdout. */
const RESULT_LINE = /^result ([A-Za-z0-9][A-Za-z0-9._-]{0,63}) (applied|superseded|failed)(?: ([0-9]{1,18}))?$/gm;

/** The result line of each product the script reported on (the last one wins). */
export function parseBundleResults(output: string): Map<string, ProductResult> {
    const results = new Map<string, ProductResult>();
    for (const [, product, outcome, number] of output.matchAll(RESULT_LINE)) {
        if (outcome === "applied" && number !== undefined) results.set(product, { outcome, generation: Number(number) });
        else if (outcome === "superseded" && number !== undefined) results.set(product, { outcome, held: Number(number) });
        else results.set(product, { outcome: "failed", ...(number !== undefined ? { generation: Number(number) } : {}) });
    }
    return results;
}

/** The script's own lines (`license-hub: ...`) about one product, from a command's output, in order. */
export function linesAbout(output: string, product: string): string[] {
    const name = new RegExp(`(^|[\\s:])${product.replace(/[.]/g, "\\.")}([\\s:;,]|$)`);
    return output
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.startsWith("license-hub: ") && name.test(line.slice("license-hub:".length)));
}
