import type { ReportLayout } from "./config";
import type { LicenseConfigurationArn } from "./licenseConfigurationArn";

/** Where one run's objects go. */
export interface ReportKeys {
    /** The run's identifying timestamp, e.g. `20260305T060708.009Z`. */
    runTimestamp: string;
    summary: string;
    manifest: string;
    /** The received licenses of every reported region (AWS Marketplace and vendor grants). */
    received: string;
    usage(configuration: LicenseConfigurationArn): string;
}

const pad = (value: number, width: number) => String(value).padStart(width, "0");

/**
 * The run time as an ISO 8601 timestamp in basic format (UTC, fixed width, milliseconds, no colons), e.g.
 * `20260305T060708.009Z`: safe in S3 keys and URLs, and sorts lexicographically in time order.
 */
export function runTimestamp(time: Date): string {
    const year = time.getUTCFullYear();
    if (Number.isNaN(time.getTime()) || year < 1000 || year > 9999) {
        throw new Error(`report time ${String(time)} is outside the years 1000-9999.`);
    }
    return (
        `${pad(year, 4)}${pad(time.getUTCMonth() + 1, 2)}${pad(time.getUTCDate(), 2)}` +
        `T${pad(time.getUTCHours(), 2)}${pad(time.getUTCMinutes(), 2)}${pad(time.getUTCSeconds(), 2)}.${pad(time.getUTCMilliseconds(), 3)}Z`
    );
}

/** File name of a configuration's usage CSV: region, account and id, so two configurations never share one. */
export function usageFileName(configuration: LicenseConfigurationArn): string {
    return `${configuration.region}_${configuration.accountId}_${configuration.configurationId}.csv`;
}

/**
 * The keys of a run started at `time` (UTC, zero-padded, so keys sort by time):
 * - `dated`: `<prefix>2026/03/05/20260305T060708.009Z/summary.csv`, `.../manifest.json`, `.../usage/<file>.csv`
 * - `hive`:  `<prefix>summary/year=2026/month=03/day=05/run=20260305T060708.009Z/summary.csv`, likewise
 *   `<prefix>usage/...`, `<prefix>received/...` and `<prefix>manifest/...`: one folder tree per file kind, so each is an Athena table.
 */
export function reportKeys(prefix: string, layout: ReportLayout, time: Date): ReportKeys {
    const run = runTimestamp(time);
    const [year, month, day] = [run.slice(0, 4), run.slice(4, 6), run.slice(6, 8)];
    if (layout === "hive") {
        const folder = (kind: string) => `${prefix}${kind}/year=${year}/month=${month}/day=${day}/run=${run}/`;
        return {
            runTimestamp: run,
            summary: `${folder("summary")}summary.csv`,
            manifest: `${folder("manifest")}manifest.json`,
            received: `${folder("received")}received-licenses.csv`,
            usage: (configuration) => `${folder("usage")}${usageFileName(configuration)}`,
        };
    }
    const folder = `${prefix}${year}/${month}/${day}/${run}/`;
    return {
        runTimestamp: run,
        summary: `${folder}summary.csv`,
        manifest: `${folder}manifest.json`,
        received: `${folder}received-licenses.csv`,
        usage: (configuration) => `${folder}usage/${usageFileName(configuration)}`,
    };
}

/**
 * Key prefixes that cover every report object and nothing else in the bucket (notably not the tracker's
 * configuration under `_config/`): the write grant and the retention rules are scoped to these. A non-empty prefix
 * is its own root; with an empty prefix the roots are the layout's top-level folders: the year's first digit for
 * `dated` (run times are years 1000-9999), `summary/`, `usage/`, `received/` and `manifest/` for `hive`.
 */
export function reportRoots(prefix: string, layout: ReportLayout): string[] {
    if (prefix !== "") return [prefix];
    return layout === "hive" ? ["summary/", "usage/", "received/", "manifest/"] : ["1", "2", "3", "4", "5", "6", "7", "8", "9"];
}
