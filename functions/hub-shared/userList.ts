import { createHash } from "node:crypto";

/**
 * How user lists travel to a license server: text (one user id per line, sorted, newline-terminated) inside a
 * bundle object in the hub bucket (bundle.ts), named by its SHA-256, and a Run Command whose parameters carry only
 * the bundle's checksum and key. User ids never appear in a command or its parameters.
 */
export const USER_LIST_PREFIX = "user-lists/";

/** Parameters of the component's SSM document, and the patterns the document enforces on them. */
export const LICENSE_DOCUMENT_PARAMETERS = {
    bundleSha256: { name: "bundleSha256", pattern: "^[0-9a-f]{64}$" },
    bundleObjectKey: { name: "bundleObjectKey", pattern: `^${USER_LIST_PREFIX}bundles/[0-9a-f]{64}\\.txt$` },
} as const;

/** Name of the document's shell step: Run Command reports that step's exit code and output under this name. */
export const APPLY_STEP_NAME = "applyUserList";
/** Name of the document's PowerShell step (Windows license servers); on Linux it is skipped, and the shell step on Windows. */
export const APPLY_WINDOWS_STEP_NAME = "applyUserListWindows";
/** The apply steps, one per platform: the one that ran is the one that did not succeed when the command failed. */
export const APPLY_STEP_NAMES = [APPLY_STEP_NAME, APPLY_WINDOWS_STEP_NAME] as const;

/**
 * Exit code of the script when, of a bundle's products, none failed but the license server already held a newer
 * generation of at least one (that list was superseded, not delivered). Each product's outcome is on its own
 * result line (bundle.ts).
 */
export const SUPERSEDED_EXIT_CODE = 3;

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

/** Parameters of one SendCommand: the bundle's checksum and key, never its content. */
export function bundleCommandParameters(bundle: { sha256: string; key: string }): Record<string, string[]> {
    const p = LICENSE_DOCUMENT_PARAMETERS;
    return { [p.bundleSha256.name]: [bundle.sha256], [p.bundleObjectKey.name]: [bundle.key] };
}
