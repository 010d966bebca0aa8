/**
 * Plain definitions of the license usage tracker, importable without Pulumi (e.g. by the local sandbox): the
 * handler's name, environment variables, defaults, key layout and the license configuration list object.
 *
 * A local run uploads `licenseConfigurationsDocument(arns).body` to `LICENSE_CONFIGURATIONS_KEY` in the report
 * bucket and sets `TRACKER_ENV.configurationsSha256` to its `sha256` (plus bucket, prefix, etc.).
 */
export {
    TRACKER_ENV,
    DEFAULT_REPORT_PREFIX,
    DEFAULT_CONCURRENCY,
    MAX_CONCURRENCY,
    DEFAULT_REPORT_LAYOUT,
    REPORT_LAYOUTS,
    ReportLayout,
    parseTrackerSettings,
    assertReportPrefix,
    assertConcurrency,
    assertReportLayout,
    assertExpiryWarningDays,
    assertReceivedLicenseRegions,
    DEFAULT_EXPIRY_WARNING_DAYS,
} from "../../functions/license-usage-report/config";
export { RECEIVED_LICENSES_EXPIRING_METRIC } from "../../functions/license-usage-report/tracker";
export type { TrackerConfig, TrackerSettings } from "../../functions/license-usage-report/config";
export {
    LICENSE_CONFIGURATIONS_KEY,
    LICENSE_CONFIGURATIONS_CONTENT_TYPE,
    LICENSE_CONFIGURATIONS_SCHEMA_VERSION,
    licenseConfigurationsDocument,
    parseLicenseConfigurationsDocument,
} from "../../functions/license-usage-report/configurationObject";
export type { LicenseConfigurationsDocument, LicenseConfigurationsLocation } from "../../functions/license-usage-report/configurationObject";
export { reportKeys, reportRoots, runTimestamp, usageFileName } from "../../functions/license-usage-report/keys";
export type { ReportKeys } from "../../functions/license-usage-report/keys";
export {
    MAX_LICENSE_CONFIGURATIONS,
    parseLicenseConfigurationArn,
    parseLicenseConfigurationArns,
} from "../../functions/license-usage-report/licenseConfigurationArn";
export type { LicenseConfigurationArn } from "../../functions/license-usage-report/licenseConfigurationArn";
export { SUMMARY_HEADER, USAGE_HEADER, FAILED_STATUS } from "../../functions/license-usage-report/reportFiles";
export { MANIFEST_SCHEMA_VERSION } from "../../functions/license-usage-report/manifest";
export type { Manifest } from "../../functions/license-usage-report/manifest";
export { runIdentity } from "../../functions/license-usage-report/runIdentity";
export type { RunIdentity, RunTrigger } from "../../functions/license-usage-report/runIdentity";

/** Folder under `functions/` holding the report handler. */
export const TRACKER_HANDLER = "license-usage-report";

/** Default schedule: once a day. */
export const DEFAULT_SCHEDULE_EXPRESSION = "rate(1 day)";

/** Default Lambda timeout in seconds: room for hundreds of configurations under throttling. */
export const DEFAULT_TIMEOUT_SECONDS = 300;
