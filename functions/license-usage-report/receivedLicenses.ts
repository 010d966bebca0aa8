/**
 * Licenses this account received (AWS Marketplace, or granted by a vendor through License Manager), per region:
 * product, issuer, validity, status and each entitlement with its usage, and which expire within the warning window.
 * Handler logic only: the AWS calls are behind {@link ReceivedLicenseReader}.
 */
import { mapWithConcurrency } from "../shared/concurrency";
import { describeError } from "./collect";

/** One entitlement of a received license with what is consumed of it (GetLicenseUsage). */
export interface ReceivedEntitlement {
    name?: string;
    maxCount?: number;
    unit?: string;
    consumed?: number;
}

/** A received license, reduced to what the report shows. Every string is untrusted text from the issuer. */
export interface ReceivedLicense {
    licenseArn?: string;
    licenseName?: string;
    productName?: string;
    productSku?: string;
    issuer?: string;
    homeRegion?: string;
    status?: string;
    receivedStatus?: string;
    validityBegin?: string;
    validityEnd?: string;
    entitlements: ReceivedEntitlement[];
}

/** License Manager reads in one region. Both throw on API errors (after the SDK's own retries). */
export interface ReceivedLicenseReader {
    /** Every page of ListReceivedLicenses, in order, until the service returns no next token. */
    receivedLicensePages(): AsyncIterable<ReceivedLicense[]>;
    /** Consumed value per entitlement name (GetLicenseUsage). */
    entitlementUsage(licenseArn: string): Promise<Record<string, number>>;
}

export type CollectedRegion = { region: string; ok: true; licenses: ReceivedLicense[] } | { region: string; ok: false; error: string };

/** How a license's validity compares with the warning window at `now`. */
export type ExpiryStatus = "valid" | "expiring-soon" | "expired" | "no-end-date";

export interface ExpiryAssessment {
    status: ExpiryStatus;
    /** Whole days until the end of validity (negative once expired); absent without an end date. */
    daysToExpiry?: number;
}

const DAY_MS = 86_400_000;

/**
 * `expiring-soon` when the validity ends within `warningDays` of `now`, `expired` once it has ended. An end date that
 * does not parse counts as `no-end-date` (reported as such, never as valid forever by accident: the CSV shows it).
 */
export function assessExpiry(validityEnd: string | undefined, now: Date, warningDays: number): ExpiryAssessment {
    const end = validityEnd ? Date.parse(validityEnd) : NaN;
    if (Number.isNaN(end)) return { status: "no-end-date" };
    const remainingMs = end - now.getTime();
    const daysToExpiry = Math.floor(remainingMs / DAY_MS);
    if (remainingMs <= 0) return { status: "expired", daysToExpiry };
    return { status: remainingMs <= warningDays * DAY_MS ? "expiring-soon" : "valid", daysToExpiry };
}

/**
 * Reads the received licenses of every region, `concurrency` regions at a time, with each license's entitlement
 * usage. A region that cannot be read becomes a failed entry with its error; it never stops the others. A license
 * whose usage cannot be read is kept, its consumption left empty, and the error fails the region (so the run is
 * reported incomplete rather than showing zero use).
 */
export async function collectReceivedLicenses(regions: readonly string[], readerFor: (region: string) => ReceivedLicenseReader, concurrency: number): Promise<CollectedRegion[]> {
    return mapWithConcurrency(regions, concurrency, async (region): Promise<CollectedRegion> => {
        try {
            const reader = readerFor(region);
            const licenses: ReceivedLicense[] = [];
            for await (const page of reader.receivedLicensePages()) licenses.push(...page);
            for (const license of licenses) {
                if (!license.licenseArn || license.entitlements.length === 0) continue;
                const consumed = await reader.entitlementUsage(license.licenseArn);
                license.entitlements = license.entitlements.map((e) => ({ ...e, consumed: e.name !== undefined ? consumed[e.name] : undefined }));
            }
            return { region, ok: true, licenses };
        } catch (error) {
            return { region, ok: false, error: describeError(error) };
        }
    });
}

/** A received license that needs attention, for the alarm metric and the log. */
export interface ExpiryWarning {
    region: string;
    licenseArn?: string;
    productName?: string;
    issuer?: string;
    validityEnd?: string;
    status: Extract<ExpiryStatus, "expiring-soon" | "expired">;
    daysToExpiry: number;
}

/** Licenses that expire within the window or have expired, soonest first. */
export function expiryWarnings(collected: readonly CollectedRegion[], now: Date, warningDays: number): ExpiryWarning[] {
    const warnings: ExpiryWarning[] = [];
    for (const entry of collected) {
        if (!entry.ok) continue;
        for (const license of entry.licenses) {
            const { status, daysToExpiry } = assessExpiry(license.validityEnd, now, warningDays);
            if (status !== "expiring-soon" && status !== "expired") continue;
            warnings.push({
                region: entry.region,
                licenseArn: license.licenseArn,
                productName: license.productName,
                issuer: license.issuer,
                validityEnd: license.validityEnd,
                status,
                daysToExpiry: daysToExpiry!,
            });
        }
    }
    return warnings.sort((a, b) => a.daysToExpiry - b.daysToExpiry);
}
