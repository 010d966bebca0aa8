/**
 * Which resource another resource's property points at, in a stack policy. Stack policies see each resource's
 * outputs; a property holding another resource's id/name/ARN is a plain string once known. During preview the
 * referenced value is often unknown (a new bucket's id, a new function's ARN), so the engine's
 * `propertyDependencies` (the resources whose outputs flowed into the property) decide instead. Only when neither
 * tells which resource is meant is the reference "unattributable", and policies are lenient about exactly that.
 */
import type { PolicyResource } from "@pulumi/policy";
import { isRecord, isUnknown, known } from "./values";

/** A resource with its properties read once, unknown values marked (see values.ts). */
export interface Resolved {
    resource: PolicyResource;
    props: Record<string, any>;
}

export type Reference =
    | { kind: "value"; value: string }
    | { kind: "resource"; urn: string }
    | { kind: "unattributable" }
    | { kind: "none" };

export function resolve(resources: PolicyResource[], types: readonly string[]): Resolved[] {
    return resources.filter((r) => types.includes(r.type)).map((resource) => ({ resource, props: known(resource.props) }));
}

/**
 * What `holder.props[key]` refers to; `key` may be a path into a nested object (`target.arn`). An unknown value is
 * attributed through the dependencies of the path's top-level property when exactly one of them has one of
 * `targetTypes`.
 */
export function referenceOf(holder: Resolved, key: string, targetTypes: readonly string[]): Reference {
    const path = key.split(".");
    let value: unknown = holder.props;
    for (const segment of path) {
        if (isUnknown(value)) break;
        value = isRecord(value) ? value[segment] : undefined;
    }
    if (typeof value === "string" && value !== "") return { kind: "value", value };
    if (!isUnknown(value)) return { kind: "none" };
    const candidates = (holder.resource.propertyDependencies?.[path[0]] ?? []).filter((d) => targetTypes.includes(d.type));
    return candidates.length === 1 ? { kind: "resource", urn: candidates[0].urn } : { kind: "unattributable" };
}

/** Whether two resources are managed through the same provider (same account and region); unknown counts as same. */
export function sameProvider(a: PolicyResource, b: PolicyResource): boolean {
    return !a.provider || !b.provider || a.provider.urn === b.provider.urn;
}
