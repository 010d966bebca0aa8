/**
 * The workbench contract as the policy pack needs it: tag keys and value patterns. Copies of
 * functions/shared/workbenchEvent.ts and functions/workbench-forwarder/forwarder.ts, because the pack is published on
 * its own (`pulumi policy publish` uploads policy/ alone); tests/policy/selfContained.test.ts fails when the copies
 * drift apart.
 */

/** The forwarder's default tag keys (`DEFAULT_TAG_KEYS` in functions/workbench-forwarder/forwarder.ts). */
export const DEFAULT_TAG_KEYS = { ownerTagKey: "vew:workbench:ownerId", typeTagKey: "vew:workbench:type" } as const;

/** User ids end up as an argument of the vendor's license CLI: letters, digits and `. _ @ -`, at most 64 characters. */
export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** Workbench types name product bundles in the hub's catalog: letters, digits and `. _ -`, at most 64 characters. */
export const WORKBENCH_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isValidUserId(value: unknown): value is string {
    return typeof value === "string" && USER_ID_PATTERN.test(value);
}

export function isValidWorkbenchType(value: unknown): value is string {
    return typeof value === "string" && WORKBENCH_TYPE_PATTERN.test(value);
}
