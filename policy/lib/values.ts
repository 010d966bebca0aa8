/**
 * Reading resource properties that may be unknown. During `pulumi preview` the engine hands policies values that
 * are computed later (ARNs, ids, anything derived from them) as sentinels, and @pulumi/policy wraps the properties
 * in a proxy that throws `UnknownValueError` when one is read. An uncaught throw turns the whole policy into an
 * advisory "can't run during preview" note (for a stack policy: for every resource at once), so policies first
 * copy the properties with `known()`, which replaces each unknown value by `UNKNOWN`, then decide per value.
 */
import * as policySdk from "@pulumi/policy";

/** Marks a value the engine does not know yet (preview). */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

// Exported at runtime by @pulumi/policy's index but without usable typings.
const UnknownValueError = (policySdk as unknown as { UnknownValueError: new (...args: never[]) => Error }).UnknownValueError;

export function isUnknown(value: unknown): value is Unknown {
    return value === UNKNOWN;
}

/** A plain deep copy of (possibly proxied) properties, with `UNKNOWN` wherever the engine had no value yet. */
export function known(value: unknown): any {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) {
        return Array.from({ length: value.length }, (_, i) => readKnown(value, i));
    }
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) copy[key] = readKnown(value as Record<string, unknown>, key);
    return copy;
}

function readKnown(container: any, key: string | number): unknown {
    try {
        return known(container[key]);
    } catch (e) {
        if (e instanceof UnknownValueError) return UNKNOWN;
        throw e;
    }
}

/** The value when it is a non-empty string (after trimming), else undefined; `UNKNOWN` passes through. */
export function nonEmptyString(value: unknown): string | Unknown | undefined {
    if (isUnknown(value)) return UNKNOWN;
    return typeof value === "string" && value.trim().length > 0 ? value : undefined;
}

/** Plain objects (not arrays, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as a list: arrays as they are, a single value as a one-element list, nothing as an empty list. */
export function asList(value: unknown): unknown[] {
    if (value === undefined || value === null) return [];
    return Array.isArray(value) ? value : [value];
}

/** Short, safe rendering of a value for violation messages. */
export function show(value: unknown): string {
    if (isUnknown(value)) return "(unknown)";
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
