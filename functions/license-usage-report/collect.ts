import type { LicenseConfigurationArn } from "./licenseConfigurationArn";
import { mapWithConcurrency } from "../shared/concurrency";
import { interleaveBy } from "./limiter";

/** GetLicenseConfiguration, reduced to what the summary shows. Name and status are untrusted text. */
export interface LicenseConfigurationDetails {
    name?: string;
    countingType?: string;
    licenseCount?: number;
    hardLimit?: boolean;
    consumedLicenses?: number;
    status?: string;
}

/** One row of ListUsageForLicenseConfiguration. */
export interface UsageRow {
    resourceArn?: string;
    resourceType?: string;
    resourceStatus?: string;
    ownerAccountId?: string;
    associationTime?: Date;
    consumedLicenses?: number;
}

/** License Manager reads in one region. Both throw on API errors (after the SDK's own retries). */
export interface LicenseManagerReader {
    getLicenseConfiguration(arn: string): Promise<LicenseConfigurationDetails>;
    /** Every page of usage, in order, until the service returns no next token. */
    usagePages(arn: string): AsyncIterable<UsageRow[]>;
}

export type CollectedConfiguration =
    | { configuration: LicenseConfigurationArn; ok: true; details: LicenseConfigurationDetails; usage: UsageRow[]; pages: number }
    | { configuration: LicenseConfigurationArn; ok: false; error: string };

/**
 * Reads every configuration (details and all usage pages) from License Manager in the configuration's own region,
 * `concurrency` configurations at a time, regions interleaved. A configuration that cannot be read becomes a failed
 * entry with the error; it never stops the others. Results come back in the order of `configurations`.
 */
export async function collectConfigurations(
    configurations: readonly LicenseConfigurationArn[],
    readerFor: (region: string) => LicenseManagerReader,
    concurrency: number,
): Promise<CollectedConfiguration[]> {
    const order = interleaveBy(
        configurations.map((configuration, index) => ({ configuration, index })),
        (item) => item.configuration.region,
    );
    const results = new Array<CollectedConfiguration>(configurations.length);
    await mapWithConcurrency(order, concurrency, async ({ configuration, index }) => {
        results[index] = await collectConfiguration(configuration, readerFor(configuration.region));
    });
    return results;
}

/** Details and usage of one configuration, read side by side; never throws. */
export async function collectConfiguration(configuration: LicenseConfigurationArn, reader: LicenseManagerReader): Promise<CollectedConfiguration> {
    const readUsage = async () => {
        const usage: UsageRow[] = [];
        let pages = 0;
        for await (const page of reader.usagePages(configuration.arn)) {
            pages += 1;
            usage.push(...page);
        }
        return { usage, pages };
    };
    const [details, usage] = await Promise.allSettled([reader.getLicenseConfiguration(configuration.arn), readUsage()]);
    if (details.status === "rejected") return { configuration, ok: false, error: describeError(details.reason) };
    if (usage.status === "rejected") return { configuration, ok: false, error: describeError(usage.reason) };
    return { configuration, ok: true, details: details.value, ...usage.value };
}

/** `<error name>: <message>` on one line, bounded, for the summary, the manifest and the logs. */
export function describeError(error: unknown): string {
    const name = error instanceof Error ? error.name : "Error";
    const message = error instanceof Error ? error.message : String(error);
    const text = `${name}: ${message}`.replace(/\s+/g, " ").trim();
    return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
