/**
 * Checks every component runs on its arguments before it creates anything, whatever the program passes (a literal, a
 * variable, a value read from configuration): keys it does not know, values that decide which resources exist but
 * arrived as Outputs, and region names. Each problem names the argument as the user wrote it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { problemsMessage, suggestKey } from "./configKeys";
import { ArgumentError } from "./validation";

/** `unknown argument "syncScheduel" (did you mean "syncSchedule"?)` for each key of `args` not in `known`. */
export function unknownArgumentProblems(args: unknown, known: readonly string[]): string[] {
    if (typeof args !== "object" || args === null || pulumi.Output.isInstance(args)) return [];
    return Object.keys(args)
        .filter((key) => !known.includes(key) && (args as Record<string, unknown>)[key] !== undefined)
        .map((key) => {
            const suggestion = suggestKey(key, known);
            return suggestion ? `unknown argument "${key}" (did you mean "${suggestion}"?)` : `unknown argument "${key}" (arguments: ${known.join(", ")})`;
        });
}

/** True when an Output or a Promise hides in the value. */
function holdsOutput(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return true;
    if (Array.isArray(value)) return value.some(holdsOutput);
    if (value !== null && typeof value === "object" && !pulumi.Resource.isInstance(value)) return Object.values(value).some(holdsOutput);
    return false;
}

/**
 * A value that decides which resources exist must be plain: an Output's value is not known while the resources are
 * planned (in a preview, not at all), so it cannot choose them.
 */
export function plainValueProblem(field: string, value: unknown): string | undefined {
    return holdsOutput(value) ? `${field} must be a plain value, not an Output: it decides which resources exist (pass the value itself)` : undefined;
}

/** Environment variable naming regions newer than this package's list, comma-separated (the escape hatch). */
export const EXTRA_REGIONS_VARIABLE = "LICENSE_OPS_EXTRA_REGIONS";

/** The regions the installed @pulumi/aws knows, plus any in LICENSE_OPS_EXTRA_REGIONS. */
export function knownRegions(): Set<string> {
    const extra = (process.env[EXTRA_REGIONS_VARIABLE] ?? "").split(",").map((r) => r.trim()).filter(Boolean);
    return new Set([...Object.values(aws.Region), ...extra]);
}

/** Why a region name is not one AWS has (as far as this package knows), or undefined. */
export function regionProblem(field: string, region: unknown): string | undefined {
    if (typeof region !== "string") return `${field} must be a region name such as eu-central-1`;
    if (knownRegions().has(region)) return undefined;
    const suggestion = suggestKey(region, [...knownRegions()]);
    return `${field} "${region}" is not an AWS region${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; a region newer than this package: set ${EXTRA_REGIONS_VARIABLE}=${region}`;
}

/**
 * The checks every component runs first: throws one ArgumentError listing every problem (unknown arguments, Outputs
 * where plain values are needed, plus any `more`), each naming the argument.
 */
export function assertArguments(
    component: string,
    args: unknown,
    known: readonly string[],
    resource: pulumi.Resource,
    checks: { plain?: Record<string, unknown>; more?: readonly string[] } = {},
): void {
    const problems = [
        ...unknownArgumentProblems(args, known),
        ...Object.entries(checks.plain ?? {}).flatMap(([field, value]) => plainValueProblem(field, value) ?? []),
        ...(checks.more ?? []),
    ];
    if (problems.length > 0) throw new ArgumentError(problemsMessage(component, problems), resource);
}
