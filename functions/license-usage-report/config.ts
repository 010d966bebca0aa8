import { LICENSE_CONFIGURATIONS_KEY, LicenseConfigurationsLocation } from "./configurationObject";
import type { LicenseConfigurationArn } from "./licenseConfigurationArn";

/** Environment variables the report function reads (set by the component, or by hand for a local run). */
export const TRACKER_ENV = {
    /** Key of the JSON object listing the license configuration ARNs, in the report bucket. Default `_config/license-configurations.json`. */
    configurationsKey: "LICENSE_CONFIGURATIONS_KEY",
    /** Hex SHA-256 the object must have (the deployed version); required. */
    configurationsSha256: "LICENSE_CONFIGURATIONS_SHA256",
    /** Name of the report bucket (holds the ARN list too). */
    bucket: "REPORT_BUCKET",
    /** Key prefix of every report object: empty, or ending in "/". */
    prefix: "REPORT_PREFIX",
    /** License configurations read at the same time. */
    concurrency: "CONCURRENCY",
    /** Object key layout, see {@link ReportLayout}. */
    layout: "REPORT_LAYOUT",
    /** Regions whose received licenses (Marketplace, vendor grants) are reported, comma-separated; empty or unset: none. */
    receivedLicenseRegions: "RECEIVED_LICENSE_REGIONS",
    /** A received license whose validity ends within this many days is flagged and counted for the alarm. Default 30. */
    expiryWarningDays: "EXPIRY_WARNING_DAYS",
    /** "true" to address the bucket path-style (local S3 emulators); unset in AWS. */
    s3ForcePathStyle: "S3_FORCE_PATH_STYLE",
} as const;

export const DEFAULT_REPORT_PREFIX = "license-usage/";
export const DEFAULT_CONCURRENCY = 8;
export const MAX_CONCURRENCY = 32;
export const DEFAULT_EXPIRY_WARNING_DAYS = 30;
export const MAX_EXPIRY_WARNING_DAYS = 365;

/**
 * Where a run's objects go (see keys.ts):
 * - `dated`: `<prefix>YYYY/MM/DD/<run>/{summary.csv,manifest.json,usage/...}`: one folder per run, easy to browse.
 * - `hive`: `<prefix><kind>/year=YYYY/month=MM/day=DD/run=<run>/...`: one table root per file kind, with Hive-style
 *   partitions that Athena and Glue recognise.
 */
/** Object key layouts of the reports (an object of constants, so other Pulumi languages see an enum). */
export const ReportLayout = {
    /** `YYYY/MM/DD/<run>/...` */
    dated: "dated",
    /** `<kind>/year=/month=/day=/run=/...`, partitions Athena and Glue understand. */
    hive: "hive",
} as const;
export type ReportLayout = (typeof ReportLayout)[keyof typeof ReportLayout];
export const REPORT_LAYOUTS: readonly ReportLayout[] = Object.values(ReportLayout);
export const DEFAULT_REPORT_LAYOUT: ReportLayout = "dated";

/** What the environment says; fixed for the life of a container. */
export interface TrackerSettings {
    bucket: string;
    prefix: string;
    concurrency: number;
    layout: ReportLayout;
    /** Where the ARN list is, and the SHA-256 it must have. */
    licenseConfigurations: LicenseConfigurationsLocation;
    /** Received licenses to report: the regions (none: not reported) and the expiry warning window. */
    receivedLicenses: { regions: string[]; expiryWarningDays: number };
}

/** A run's full configuration: the settings and the ARN list read from S3 for this invocation. */
export interface TrackerConfig extends TrackerSettings {
    configurations: LicenseConfigurationArn[];
}

// Plain path segments, each ending in "/": no IAM wildcards (* ?), no "." or ".." segments, nothing to escape.
const REPORT_PREFIX = /^(?:(?=[A-Za-z0-9._-]*[A-Za-z0-9_-])[A-Za-z0-9._-]+\/)*$/;
/** An S3 bucket name (general purpose buckets). */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// Plain path segments (no "." or ".." segments) ending in a file name.
const OBJECT_KEY = /^(?:(?=[A-Za-z0-9._-]*[A-Za-z0-9_-])[A-Za-z0-9._-]+\/)*(?=[A-Za-z0-9._-]*[A-Za-z0-9_-])[A-Za-z0-9._-]+$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** First folder of the ARN list's key: reports never go there, so no report grant or lifecycle rule covers the list. */
const CONFIGURATION_FOLDER = LICENSE_CONFIGURATIONS_KEY.slice(0, LICENSE_CONFIGURATIONS_KEY.indexOf("/") + 1);

/**
 * Throws unless `prefix` is empty or plain path segments each ending in "/" (e.g. `license-usage/`), outside the
 * folder that holds the tracker's own configuration.
 */
export function assertReportPrefix(prefix: string, context: string): void {
    if (prefix.length > 256 || !REPORT_PREFIX.test(prefix)) {
        throw new Error(
            `${context}: reportPrefix "${prefix}" must be empty or path segments of letters, digits, ".", "_" and "-", ` +
                'each ending in "/" (e.g. "license-usage/").',
        );
    }
    if (prefix.startsWith(CONFIGURATION_FOLDER)) {
        throw new Error(`${context}: reportPrefix "${prefix}" must not start with "${CONFIGURATION_FOLDER}", where the tracker keeps its configuration.`);
    }
}

export function assertConcurrency(concurrency: number, context: string): void {
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
        throw new Error(`${context}: concurrency must be an integer from 1 to ${MAX_CONCURRENCY} (got ${concurrency}).`);
    }
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export function assertReceivedLicenseRegions(regions: readonly string[], context: string): void {
    const bad = regions.find((r) => !REGION.test(r));
    if (bad !== undefined) throw new Error(`${context}: received-license region "${bad}" is not an AWS region (e.g. eu-central-1).`);
    if (new Set(regions).size !== regions.length) throw new Error(`${context}: received-license regions must not repeat (got ${regions.join(", ")}).`);
}

export function assertExpiryWarningDays(days: number, context: string): void {
    if (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_WARNING_DAYS) {
        throw new Error(`${context}: expiryWarningDays must be an integer from 1 to ${MAX_EXPIRY_WARNING_DAYS} (got ${days}).`);
    }
}

export function assertReportLayout(layout: string, context: string): asserts layout is ReportLayout {
    if (!(REPORT_LAYOUTS as readonly string[]).includes(layout)) {
        throw new Error(`${context}: layout "${layout}" must be one of ${REPORT_LAYOUTS.join(", ")}.`);
    }
}

/** Reads and validates the function's settings; throws a message naming the variable at fault. */
export function parseTrackerSettings(env: Record<string, string | undefined>): TrackerSettings {
    const context = "license-usage-report";
    const bucket = env[TRACKER_ENV.bucket] ?? "";
    if (!BUCKET_NAME.test(bucket)) {
        throw new Error(`${context}: ${TRACKER_ENV.bucket} "${bucket}" is not an S3 bucket name.`);
    }
    const key = env[TRACKER_ENV.configurationsKey] || LICENSE_CONFIGURATIONS_KEY;
    if (key.length > 1024 || !OBJECT_KEY.test(key)) {
        throw new Error(`${context}: ${TRACKER_ENV.configurationsKey} "${key}" must be an object key of plain path segments.`);
    }
    const sha256 = env[TRACKER_ENV.configurationsSha256] ?? "";
    if (!SHA256_HEX.test(sha256)) {
        throw new Error(`${context}: ${TRACKER_ENV.configurationsSha256} must be the hex SHA-256 of the license configuration list (got "${sha256}").`);
    }
    const prefix = env[TRACKER_ENV.prefix] ?? DEFAULT_REPORT_PREFIX;
    assertReportPrefix(prefix, `${context} (${TRACKER_ENV.prefix})`);
    const concurrency = env[TRACKER_ENV.concurrency] ? Number(env[TRACKER_ENV.concurrency]) : DEFAULT_CONCURRENCY;
    assertConcurrency(concurrency, `${context} (${TRACKER_ENV.concurrency})`);
    const layout = env[TRACKER_ENV.layout] || DEFAULT_REPORT_LAYOUT;
    assertReportLayout(layout, `${context} (${TRACKER_ENV.layout})`);
    const regionList = env[TRACKER_ENV.receivedLicenseRegions] ?? "";
    const regions = regionList === "" ? [] : regionList.split(",");
    assertReceivedLicenseRegions(regions, `${context} (${TRACKER_ENV.receivedLicenseRegions})`);
    const expiryWarningDays = env[TRACKER_ENV.expiryWarningDays] ? Number(env[TRACKER_ENV.expiryWarningDays]) : DEFAULT_EXPIRY_WARNING_DAYS;
    assertExpiryWarningDays(expiryWarningDays, `${context} (${TRACKER_ENV.expiryWarningDays})`);
    return { bucket, prefix, concurrency, layout, licenseConfigurations: { bucket, key, sha256 }, receivedLicenses: { regions, expiryWarningDays } };
}
