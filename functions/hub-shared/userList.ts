import { createHash } from "node:crypto";
import { PRODUCT_NAME_PATTERN } from "./tableKeys";

/**
 * How a product's user list travels to its license server: a text object in the hub bucket (one user id per line,
 * sorted, newline-terminated), named by its SHA-256 so a resend of the same list is the same object, and a Run
 * Command whose parameters carry only the product, the checksum, the object key and a generation number. User ids
 * never appear in a command or its parameters.
 */
export const USER_LIST_PREFIX = "user-lists/";

/** Parameters of the component's SSM document, and the patterns the document enforces on them. */
export const LICENSE_DOCUMENT_PARAMETERS = {
    product: { name: "product", pattern: PRODUCT_NAME_PATTERN.source },
    listSha256: { name: "listSha256", pattern: "^[0-9a-f]{64}$" },
    listObjectKey: {
        name: "listObjectKey",
        pattern: `^${USER_LIST_PREFIX}${PRODUCT_NAME_PATTERN.source.slice(1, -1)}/[0-9a-f]{64}\\.txt$`,
    },
    /**
     * The sync tick's generation (functions/hub-sync/generation.ts: never goes backwards, never repeats); the license
     * server refuses a generation older than the one it holds, and an equal one carrying a different list.
     */
    generation: { name: "generation", pattern: "^[0-9]{1,18}$" },
} as const;

/** Name of the document's shell step: Run Command reports that step's exit code and output under this name. */
export const APPLY_STEP_NAME = "applyUserList";
/** Name of the document's PowerShell step (Windows license servers); on Linux it is skipped, and the shell step on Windows. */
export const APPLY_WINDOWS_STEP_NAME = "applyUserListWindows";
/** The apply steps, one per platform: the one that ran is the one that did not succeed when the command failed. */
export const APPLY_STEP_NAMES = [APPLY_STEP_NAME, APPLY_WINDOWS_STEP_NAME] as const;

/**
 * Exit code of the shell step when the license server already holds a newer generation than the one sent (the list
 * was superseded, not delivered). It prints `holds generation <n>` so the sync can tell how far ahead the server is.
 */
export const SUPERSEDED_EXIT_CODE = 3;
export const SUPERSEDED_OUTPUT_PATTERN = /holds generation ([0-9]{1,18})/;

export function userListObjectKey(product: string, sha256: string): string {
    return `${USER_LIST_PREFIX}${product}/${sha256}.txt`;
}

export interface RenderedUserList {
    body: string;
    sha256: string;
}

/** The file content for a list of (already validated) user ids: sorted, one per line. */
export function renderUserList(users: readonly string[]): RenderedUserList {
    const sorted = [...users].sort();
    const body = sorted.length > 0 ? `${sorted.join("\n")}\n` : "";
    return { body, sha256: createHash("sha256").update(body, "utf8").digest("hex") };
}

/** Parameters of one SendCommand: data about the list, never the list itself. */
export function licenseCommandParameters(product: string, sha256: string, generation: number): Record<string, string[]> {
    const p = LICENSE_DOCUMENT_PARAMETERS;
    return {
        [p.product.name]: [product],
        [p.listSha256.name]: [sha256],
        [p.listObjectKey.name]: [userListObjectKey(product, sha256)],
        [p.generation.name]: [String(generation)],
    };
}
