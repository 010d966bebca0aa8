/**
 * Tags as AWS will apply them: the resource's own `tags` merged over the provider's `defaultTags`.
 *
 * Where default tags come from: every resource is created through a provider (`pulumi:providers:aws`), either an
 * explicit `new aws.Provider(...)` or the default provider configured by the stack's `aws:*` settings. Since
 * @pulumi/policy 1.x both `ResourceValidationArgs` and `PolicyResource` carry that provider as `provider`
 * (`PolicyProviderResource`: type, name, urn, props). Its `props.defaultTags` is `{ tags: {...} }`, serialized as
 * a JSON string (the @pulumi/aws SDK and the engine pass non-string provider settings as JSON), so both forms are
 * read here. Default tags are not in the resource's `props.tags`: the provider merges them when it creates the
 * resource, which is why a policy has to look at the provider.
 */
import type { PolicyProviderResource } from "@pulumi/policy";
import { LIST_TAGGED_TYPES, MAP_TAGGED_TYPES } from "./taggableTypes.generated";
import { UNKNOWN, Unknown, isRecord, isUnknown, known } from "./values";

/** Tag values by key; a value is `UNKNOWN` when the engine does not know it yet. */
export type Tags = Record<string, string | Unknown>;

const MAP_TAGGED = new Set(MAP_TAGGED_TYPES);
const LIST_TAGGED = new Set(LIST_TAGGED_TYPES);

/**
 * The AWS provider does not apply default tags to these types (autoscaling groups take list-shaped tags with
 * `propagateAtLaunch`; Terraform's AWS provider documents them as excluded from `default_tags`).
 */
const NO_DEFAULT_TAGS = new Set(["aws:autoscaling/group:Group"]);

/**
 * Whether a resource type takes tags. The list is generated from the installed @pulumi/aws (every resource whose
 * `...Args` has an optional `tags` input; see policy/tools/scanTaggableTypes.ts). The presence of a `tags` key in
 * the properties cannot decide it alone: the engine drops unset inputs, so an untagged bucket has no `tags` key at
 * all, exactly the case the policy exists for. For an `aws:` type newer than the list, a `tags` key still counts.
 */
export function isTaggable(type: string, props: Record<string, unknown>): boolean {
    if (MAP_TAGGED.has(type) || LIST_TAGGED.has(type)) return true;
    return type.startsWith("aws:") && Object.prototype.hasOwnProperty.call(props, "tags");
}

/** The resource's own tags (map or `{ key, value }` list), or `UNKNOWN` when the whole set is not known yet. */
export function resourceTags(props: Record<string, unknown>): Tags | Unknown {
    const tags = props.tags;
    if (isUnknown(tags)) return UNKNOWN;
    if (Array.isArray(tags)) {
        const result: Tags = {};
        for (const entry of tags) {
            if (isUnknown(entry)) return UNKNOWN;
            if (isRecord(entry) && typeof entry.key === "string") result[entry.key] = tagValue(entry.value);
        }
        return result;
    }
    if (!isRecord(tags)) return {};
    return Object.fromEntries(Object.entries(tags).map(([key, value]) => [key, tagValue(value)]));
}

/** The provider's default tags; `{}` for non-AWS or untagged providers, `UNKNOWN` when not known yet. */
export function providerDefaultTags(provider: PolicyProviderResource | undefined): Tags | Unknown {
    if (!provider || !provider.type.startsWith("pulumi:providers:aws")) return {};
    const props = known(provider.props) as Record<string, unknown>;
    let defaultTags = props.defaultTags;
    if (isUnknown(defaultTags)) return UNKNOWN;
    if (typeof defaultTags === "string") {
        try {
            defaultTags = JSON.parse(defaultTags);
        } catch {
            return {};
        }
    }
    if (!isRecord(defaultTags)) return {};
    return resourceTags({ tags: defaultTags.tags });
}

/**
 * Tags the resource ends up with: default tags, overridden by the resource's own. `UNKNOWN` when the resource's own
 * tags are unknown; unknown default tags contribute nothing but are reported as `defaultsUnknown`.
 */
export function effectiveTags(
    type: string,
    props: Record<string, unknown>,
    provider: PolicyProviderResource | undefined,
): { tags: Tags; defaultsUnknown: boolean } | Unknown {
    const own = resourceTags(props);
    if (isUnknown(own)) return UNKNOWN;
    const defaults = NO_DEFAULT_TAGS.has(type) ? {} : providerDefaultTags(provider);
    if (isUnknown(defaults)) return { tags: own, defaultsUnknown: true };
    return { tags: { ...defaults, ...own }, defaultsUnknown: false };
}

function tagValue(value: unknown): string | Unknown {
    if (isUnknown(value)) return UNKNOWN;
    return typeof value === "string" ? value : String(value ?? "");
}
