/**
 * Every taggable AWS resource carries the organisation's required tags, with a non-empty value. Tags set as the
 * provider's default tags count (see lib/tags.ts for where the policy finds them).
 *
 * A resource policy rather than a stack policy: it runs before each resource is created or updated, so an
 * untagged resource is stopped before it exists, and `args.provider` gives the provider the resource is created
 * with (explicit or the stack's default provider), so no matching of provider references is needed.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { CONFIG_SCHEMAS, DEFAULT_ENFORCEMENT, DEFAULTS, POLICY, RequiredTagsConfig, settings } from "../config";
import { effectiveTags, isTaggable } from "../lib/tags";
import { isUnknown, known } from "../lib/values";

export const requiredTags: ResourceValidationPolicy = {
    name: POLICY.requiredTags,
    description: "Taggable AWS resources carry the organisation's required tags (provider default tags count).",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.requiredTags],
    configSchema: CONFIG_SCHEMAS[POLICY.requiredTags],
    validateResource: validateRequiredTags,
};

export function validateRequiredTags(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    const config = settings<RequiredTagsConfig>(args, DEFAULTS[POLICY.requiredTags]);
    if (config.requiredTags.length === 0 || config.exemptTypes.includes(args.type)) return;
    const props = known(args.props) as Record<string, unknown>;
    if (!isTaggable(args.type, props)) return;

    const tags = effectiveTags(args.type, props, args.provider);
    // Lenient only where the engine does not know yet: tags computed from other resources' outputs.
    if (isUnknown(tags)) return;
    const missing = config.requiredTags.filter((key) => {
        const value = tags.tags[key];
        if (isUnknown(value)) return false;
        return value === undefined ? !tags.defaultsUnknown : value.trim() === "";
    });
    if (missing.length > 0) {
        reportViolation(
            `Missing required tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (empty values count as missing). ` +
                `Set them as provider default tags (stack config aws:defaultTags) or on the resource.`,
        );
    }
}
