import type { LicenseConfigurationArn } from "./definitions";

/**
 * IAM counts every inline policy of a role together against 10,240 characters (whitespace excluded), so splitting
 * the statement over several inline policies gains nothing. Managed policies hold 6,144 characters each and a role
 * takes 10 by default: 500 exact ARNs (about 55,000 characters) would need all of them. So the report role keeps
 * one inline policy, and the License Manager resources get this share of it. The rest of the policy (logs, failure
 * queue, report writes, the configuration read, KMS) stays under 2,500 characters even with a 256-character report
 * prefix, a 63-character bucket name and a KMS key; the component tests check the whole policy at its worst.
 */
export const LICENSE_MANAGER_RESOURCES_BUDGET_CHARS = 7_500;

export interface LicenseManagerReadScope {
    /** IAM resources for GetLicenseConfiguration and ListUsageForLicenseConfiguration, in the order of the ARNs. */
    resources: string[];
    /** The `region/account` pairs granted as a whole (a wildcard) because their exact ARNs did not fit. */
    widened: string[];
}

/** `arn:<partition>:license-manager:<region>:<account>:license-configuration:*`: every configuration of one account in one region. */
export function regionAccountWildcard(configuration: LicenseConfigurationArn): string {
    return `arn:${configuration.partition}:license-manager:${configuration.region}:${configuration.accountId}:license-configuration:*`;
}

/**
 * The narrowest resource list that fits `budgetChars` (as IAM counts it: the JSON array without whitespace):
 * exact ARNs when they fit; otherwise the region/account groups that save the most characters are replaced, one at a
 * time, by a wildcard for that region and account, until the list fits. Groups that fit stay exact. Throws, saying
 * how to fix it, when even one wildcard per region and account does not fit.
 */
export function licenseManagerReadScope(
    configurations: readonly LicenseConfigurationArn[],
    context: string,
    budgetChars = LICENSE_MANAGER_RESOURCES_BUDGET_CHARS,
): LicenseManagerReadScope {
    const groups = new Map<string, LicenseConfigurationArn[]>();
    for (const configuration of configurations) {
        const wildcard = regionAccountWildcard(configuration);
        const members = groups.get(wildcard);
        if (members) members.push(configuration);
        else groups.set(wildcard, [configuration]);
    }
    const widened = new Set<string>();
    // Exact ARNs in the order given; a widened group's wildcard where its first ARN was.
    const render = () => {
        const emitted = new Set<string>();
        return configurations.flatMap((c) => {
            const wildcard = regionAccountWildcard(c);
            if (!widened.has(wildcard)) return [c.arn];
            if (emitted.has(wildcard)) return [];
            emitted.add(wildcard);
            return [wildcard];
        });
    };
    const size = (resources: string[]) => JSON.stringify(resources).length;
    // Exact characters saved by widening a group: its ARNs (each with quotes and a comma) against one wildcard.
    const saving = (wildcard: string, members: LicenseConfigurationArn[]) =>
        members.reduce((sum, m) => sum + m.arn.length + 3, 0) - (wildcard.length + 3);

    // Savings do not depend on each other, so widening the biggest savers first widens the fewest groups.
    const bySaving = [...groups.entries()]
        .map(([wildcard, members]) => ({ wildcard, saves: saving(wildcard, members) }))
        .filter((g) => g.saves > 0)
        .sort((a, b) => b.saves - a.saves || a.wildcard.localeCompare(b.wildcard));
    let total = size(render());
    for (const group of bySaving) {
        if (total <= budgetChars) break;
        widened.add(group.wildcard);
        total -= group.saves;
    }
    const resources = render();
    if (size(resources) > budgetChars) {
        throw new Error(
            `${context}: ${configurations.length} license configurations in ${groups.size} region/account pairs do not fit the report ` +
                `function's IAM policy even with one wildcard per region and account (${size(resources)} of ${budgetChars} characters); ` +
                "split them over several trackers.",
        );
    }
    const pairs = [...widened].map((wildcard) => {
        const [, , , region, account] = wildcard.split(":");
        return `${region}/${account}`;
    });
    return { resources, widened: pairs };
}
