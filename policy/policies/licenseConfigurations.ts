/**
 * License Manager configurations enforce their count (`licenseCountHardLimit: true`, with a `licenseCount` to
 * enforce), so launches beyond the purchased licenses fail instead of being reported after the fact. A
 * configuration may opt out only explicitly: the tag `licensing:hard-limit-exempt` on the configuration itself
 * (provider default tags do not count: an exemption is a per-configuration decision), whose value says why.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { CONFIG_SCHEMAS, DEFAULT_ENFORCEMENT, DEFAULTS, LicenseHardLimitConfig, POLICY, settings } from "../config";
import { resourceTags } from "../lib/tags";
import { isUnknown, known, nonEmptyString } from "../lib/values";

const LICENSE_CONFIGURATION = "aws:licensemanager/licenseConfiguration:LicenseConfiguration";

export const licenseHardLimit: ResourceValidationPolicy = {
    name: POLICY.licenseHardLimit,
    description: "License configurations enforce a hard license count unless explicitly exempted by tag.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.licenseHardLimit],
    configSchema: CONFIG_SCHEMAS[POLICY.licenseHardLimit],
    validateResource: validateLicenseHardLimit,
};

export function validateLicenseHardLimit(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    if (args.type !== LICENSE_CONFIGURATION) return;
    const { exemptionTagKey } = settings<LicenseHardLimitConfig>(args, DEFAULTS[POLICY.licenseHardLimit]);
    const props = known(args.props) as Record<string, unknown>;
    const hardLimit = props.licenseCountHardLimit;
    if (isUnknown(hardLimit)) return;

    if (hardLimit === true) {
        const count = props.licenseCount;
        if (!isUnknown(count) && !(typeof count === "number" && Number.isInteger(count) && count > 0)) {
            reportViolation("licenseCountHardLimit is true but licenseCount is not set to a positive integer: the hard limit limits nothing.");
        }
        return;
    }

    const tags = resourceTags(props);
    if (isUnknown(tags)) return;
    const reason = tags[exemptionTagKey];
    if (reason !== undefined && nonEmptyString(reason) !== undefined) return;
    reportViolation(
        reason === undefined
            ? `licenseCountHardLimit must be true; to exempt this configuration, tag it ${exemptionTagKey} with the reason.`
            : `The ${exemptionTagKey} tag is empty; its value must say why this configuration has no hard limit.`,
    );
}
