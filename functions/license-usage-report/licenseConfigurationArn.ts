/** A License Manager license configuration ARN, split into the parts the report needs. */
export interface LicenseConfigurationArn {
    arn: string;
    partition: string;
    region: string;
    accountId: string;
    /** `lic-` followed by 32 hex digits. */
    configurationId: string;
}

/** `arn:<partition>:license-manager:<region>:<account>:license-configuration:lic-<32 hex>`, any partition and region. */
export const LICENSE_CONFIGURATION_ARN =
    /^arn:(aws(?:-[a-z]+)*):license-manager:([a-z]{2,4}(?:-[a-z]+)+-\d{1,2}):(\d{12}):license-configuration:(lic-[0-9a-f]{32})$/;

/**
 * Most configurations one tracker reads. Not a storage limit (the list lives in S3): beyond this a single run no
 * longer fits Lambda's 15 minutes under throttling, and the report is better split over several trackers.
 */
export const MAX_LICENSE_CONFIGURATIONS = 10_000;

/** The ARN's parts, or undefined when it is not a license configuration ARN. */
export function parseLicenseConfigurationArn(arn: string): LicenseConfigurationArn | undefined {
    const match = LICENSE_CONFIGURATION_ARN.exec(arn);
    if (!match) return undefined;
    const [, partition, region, accountId, configurationId] = match;
    return { arn, partition, region, accountId, configurationId };
}

/**
 * Validates a list of license configuration ARNs: at least one and at most {@link MAX_LICENSE_CONFIGURATIONS}, each
 * well-formed, none twice, all in one partition (a function can only call License Manager in its own partition).
 * Throws an error naming `context` otherwise.
 */
export function parseLicenseConfigurationArns(arns: unknown, context: string): LicenseConfigurationArn[] {
    if (!Array.isArray(arns) || arns.length === 0) {
        throw new Error(`${context}: licenseConfigurationArns must be a non-empty list of license configuration ARNs.`);
    }
    if (arns.length > MAX_LICENSE_CONFIGURATIONS) {
        throw new Error(
            `${context}: ${arns.length} license configuration ARNs is more than one tracker reads (${MAX_LICENSE_CONFIGURATIONS}); ` +
                "split them over several trackers (for example one per business unit or region).",
        );
    }
    const seen = new Set<string>();
    const parsed = arns.map((arn, index) => {
        const parts = typeof arn === "string" ? parseLicenseConfigurationArn(arn) : undefined;
        if (!parts) {
            throw new Error(
                `${context}: licenseConfigurationArns[${index}] ${JSON.stringify(arn)} is not a license configuration ARN ` +
                    "(arn:<partition>:license-manager:<region>:<account>:license-configuration:lic-<32 hex digits>).",
            );
        }
        if (seen.has(parts.arn)) {
            throw new Error(`${context}: license configuration ${parts.arn} is listed twice.`);
        }
        seen.add(parts.arn);
        return parts;
    });
    const partitions = [...new Set(parsed.map((p) => p.partition))];
    if (partitions.length > 1) {
        throw new Error(`${context}: license configuration ARNs span partitions ${partitions.join(", ")}; one tracker reads one partition.`);
    }
    return parsed;
}
