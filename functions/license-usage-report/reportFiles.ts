import { createHash } from "node:crypto";
import type { CollectedConfiguration, UsageRow } from "./collect";
import { CsvValue, csvDocument } from "./csv";
import type { ReportKeys } from "./keys";
import { type CollectedRegion, assessExpiry } from "./receivedLicenses";

export const CSV_CONTENT_TYPE = "text/csv; charset=utf-8; header=present";
export const JSON_CONTENT_TYPE = "application/json";

/** One object of a run, complete in memory before it is uploaded (once). */
export interface ReportFile {
    kind: "summary" | "usage" | "received" | "manifest";
    key: string;
    body: string;
    contentType: string;
    /** Hex SHA-256 of the UTF-8 body. */
    sha256: string;
    bytes: number;
    /** Data rows (header excluded); CSV files only. */
    rows?: number;
    /** The configuration a usage file belongs to. */
    licenseConfigurationArn?: string;
}

export const SUMMARY_HEADER = [
    "license_configuration_name",
    "license_configuration_arn",
    "region",
    "counting_type",
    "license_count",
    "hard_limit",
    "consumed_licenses",
    "utilisation_percent",
    "status",
    "usage_rows",
    "usage_file",
    "error",
] as const;

export const USAGE_HEADER = [
    "license_configuration_arn",
    "resource_arn",
    "resource_type",
    "resource_status",
    "resource_owner_id",
    "association_time",
    "consumed_licenses",
] as const;

/** Status shown for a configuration that could not be read. */
export const FAILED_STATUS = "FAILED";

export function reportFile(kind: ReportFile["kind"], key: string, body: string, contentType: string, extra: Partial<ReportFile> = {}): ReportFile {
    const bytes = Buffer.byteLength(body, "utf8");
    return { kind, key, body, contentType, sha256: createHash("sha256").update(body, "utf8").digest("hex"), bytes, ...extra };
}

/** Consumed as a percentage of the license count, two decimals; empty when the count is unset or zero. */
export function utilisationPercent(consumed: number | undefined, licenseCount: number | undefined): number | undefined {
    if (consumed === undefined || licenseCount === undefined || licenseCount <= 0) return undefined;
    return Math.round((consumed / licenseCount) * 10000) / 100;
}

/** One usage CSV per configuration that was read, then the summary with one row per configuration. */
export function buildDataFiles(collected: readonly CollectedConfiguration[], keys: ReportKeys): ReportFile[] {
    const usageFiles = new Map<string, ReportFile>();
    for (const entry of collected) {
        if (!entry.ok) continue;
        const key = keys.usage(entry.configuration);
        const body = csvDocument(USAGE_HEADER, entry.usage.map((row) => usageCells(entry.configuration.arn, row)));
        usageFiles.set(entry.configuration.arn, reportFile("usage", key, body, CSV_CONTENT_TYPE, { rows: entry.usage.length, licenseConfigurationArn: entry.configuration.arn }));
    }
    const summaryRows = collected.map((entry) => summaryCells(entry, usageFiles.get(entry.configuration.arn)?.key));
    const summary = reportFile("summary", keys.summary, csvDocument(SUMMARY_HEADER, summaryRows), CSV_CONTENT_TYPE, { rows: summaryRows.length });
    const files = [...usageFiles.values(), summary];
    const keysSeen = new Set(files.map((f) => f.key));
    if (keysSeen.size !== files.length) {
        throw new Error("two report files share one key; refusing to overwrite a report.");
    }
    return files;
}

function usageCells(configurationArn: string, row: UsageRow): CsvValue[] {
    return [
        configurationArn,
        row.resourceArn,
        row.resourceType,
        row.resourceStatus,
        row.ownerAccountId,
        row.associationTime && !Number.isNaN(row.associationTime.getTime()) ? row.associationTime.toISOString() : undefined,
        row.consumedLicenses,
    ];
}

function summaryCells(entry: CollectedConfiguration, usageKey: string | undefined): CsvValue[] {
    const { arn, region } = entry.configuration;
    if (!entry.ok) {
        return [undefined, arn, region, undefined, undefined, undefined, undefined, undefined, FAILED_STATUS, undefined, undefined, entry.error];
    }
    const d = entry.details;
    return [
        d.name,
        arn,
        region,
        d.countingType,
        d.licenseCount,
        d.hardLimit,
        d.consumedLicenses,
        utilisationPercent(d.consumedLicenses, d.licenseCount),
        d.status,
        entry.usage.length,
        usageKey,
        undefined,
    ];
}

export const RECEIVED_HEADER = [
    "region",
    "license_arn",
    "license_name",
    "product_name",
    "product_sku",
    "issuer",
    "home_region",
    "status",
    "received_status",
    "validity_begin",
    "validity_end",
    "days_to_expiry",
    "expiry_status",
    "entitlement_name",
    "entitlement_max_count",
    "entitlement_consumed",
    "entitlement_unit",
    "error",
] as const;

/**
 * The received licenses of every region, one row per entitlement (one row for a license without entitlements), and
 * one FAILED row with the error for a region that could not be read, so a gap is never mistaken for "no licenses".
 */
export function buildReceivedLicensesFile(collected: readonly CollectedRegion[], key: string, now: Date, warningDays: number): ReportFile {
    const rows: CsvValue[][] = [];
    for (const entry of collected) {
        if (!entry.ok) {
            rows.push([entry.region, ...new Array<CsvValue>(6).fill(undefined), FAILED_STATUS, ...new Array<CsvValue>(9).fill(undefined), entry.error]);
            continue;
        }
        for (const license of entry.licenses) {
            const expiry = assessExpiry(license.validityEnd, now, warningDays);
            const licenseCells: CsvValue[] = [
                entry.region,
                license.licenseArn,
                license.licenseName,
                license.productName,
                license.productSku,
                license.issuer,
                license.homeRegion,
                license.status,
                license.receivedStatus,
                license.validityBegin,
                license.validityEnd,
                expiry.daysToExpiry,
                expiry.status,
            ];
            const entitlements = license.entitlements.length > 0 ? license.entitlements : [undefined];
            for (const e of entitlements) rows.push([...licenseCells, e?.name, e?.maxCount, e?.consumed, e?.unit, undefined]);
        }
    }
    return reportFile("received", key, csvDocument(RECEIVED_HEADER, rows), CSV_CONTENT_TYPE, { rows: rows.length });
}
