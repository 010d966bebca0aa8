/**
 * Per-resource exemptions from a policy: the tag `licensing:exempt:<policy name>` on the resource itself, whose
 * value says why (provider default tags do not count: an exemption is a decision about one resource). The reason
 * is visible in the plan, in the console and to auditors, which a pack-wide "disabled" would hide.
 */
import { Tags } from "./tags";
import { isUnknown, nonEmptyString } from "./values";

export const EXEMPTION_TAG_PREFIX = "licensing:exempt:";

export function exemptionTag(policyName: string): string {
    return `${EXEMPTION_TAG_PREFIX}${policyName}`;
}

/**
 * "exempt" when the resource's own tags exempt it with a reason, "empty" when the tag is there without one,
 * undefined when there is no exemption. An unknown value (preview) counts as a reason.
 */
export function exemption(ownTags: Tags, policyName: string): "exempt" | "empty" | undefined {
    const value = ownTags[exemptionTag(policyName)];
    if (value === undefined) return undefined;
    return isUnknown(value) || nonEmptyString(value) !== undefined ? "exempt" : "empty";
}
