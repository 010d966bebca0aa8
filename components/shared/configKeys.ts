/**
 * Unknown keys in user-written settings (stack YAML, JSON, untyped callers): a misspelt optional key would otherwise
 * be ignored and its default used silently (`seat: 5` meaning unlimited seats). Pure: no Pulumi, no AWS SDK.
 */
import { closest, distance } from "fastest-levenshtein";

/** The known key a misspelt one most likely meant, when it is close enough to be a typo (or differs only in case). */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
    if (known.length === 0) return undefined;
    const sameLetters = known.find((k) => k.toLowerCase() === key.toLowerCase());
    if (sameLetters) return sameLetters;
    const best = closest(key, known as string[]);
    // Up to a third of the key may differ (seat/seats, amiId/amiIds, workbenchType/workbenchTypes, shedule/schedule).
    return distance(key, best) <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

/**
 * One problem per key of `value` that is not in `known`, as `<path>: unknown key "<key>"` with a "did you mean"
 * when one is close, else the list of known keys (no `<path>: ` when path is empty). A value that is not a plain
 * object yields none.
 */
export function unknownKeyProblems(value: unknown, known: readonly string[], path: string): string[] {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
    return Object.keys(value)
        .filter((key) => !known.includes(key))
        .map((key) => {
            const suggestion = suggestKey(key, known);
            const at = path === "" ? "" : `${path}: `;
            return suggestion ? `${at}unknown key "${key}" (did you mean "${suggestion}"?)` : `${at}unknown key "${key}" (known: ${known.join(", ")})`;
        });
}

/** Whether `key` is missing from `value` but a misspelt key stands in for it (then the "did you mean" says it all). */
export function misspeltIn(value: unknown, key: string, known: readonly string[]): boolean {
    if (typeof value !== "object" || value === null) return false;
    return Object.keys(value).some((k) => !known.includes(k) && suggestKey(k, known) === key);
}

/** `path.key`, or `path["key"]` for a key that is not a plain identifier-like name. */
export function childPath(path: string, key: string): string {
    return /^[A-Za-z0-9_-]+$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * The keys of an interface as a runtime list, checked both ways at compile time: a key the interface lacks does not
 * compile, and neither does a list missing one of its keys (so a new argument cannot be refused as "unknown").
 * Usage: `knownKeys<LicensedProduct>()("licenseServerInstanceId", "seats", "command")`.
 */
export function knownKeys<T>() {
    return <const K extends readonly (keyof T & string)[]>(
        ...keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missingKeys: Exclude<keyof T, K[number]> })
    ): readonly string[] => keys;
}

/**
 * One message for all problems found, so a reviewer fixes them in one pass: a single line for one problem,
 * one indented line per problem otherwise. Each problem starts with the path the user wrote.
 */
export function problemsMessage(context: string, problems: readonly string[]): string {
    return problems.length === 1 ? `${context}: ${problems[0]}` : `${context}: ${problems.length} problems:\n  - ${problems.join("\n  - ")}`;
}
