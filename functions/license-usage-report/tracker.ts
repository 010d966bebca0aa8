import { CollectedConfiguration, LicenseManagerReader, collectConfigurations, describeError } from "./collect";
import type { TrackerConfig } from "./config";
import { reportKeys } from "./keys";
import { mapWithConcurrency } from "../shared/concurrency";
import { buildManifest } from "./manifest";
import { ReportFile, buildDataFiles, buildReceivedLicensesFile } from "./reportFiles";
import { CollectedRegion, ExpiryWarning, ReceivedLicenseReader, collectReceivedLicenses, expiryWarnings } from "./receivedLicenses";
import { RunTrigger, isScheduledTrigger, runIdentity } from "./runIdentity";
import type { Telemetry } from "../shared/telemetry";

/** The AWS calls a run needs. */
export interface TrackerPorts {
    /** License Manager reads in `region` (one client per region, reused). */
    licenseManager(region: string): LicenseManagerReader;
    /** Received-license reads in `region` (the same client as {@link licenseManager}). */
    receivedLicenses(region: string): ReceivedLicenseReader;
    /** Writes one object to the report bucket; throws when S3 refuses it after the SDK's retries. */
    putObject(file: ReportFile): Promise<void>;
}

export interface RunContext {
    /** This attempt's Lambda request id (a retry has its own attempt, but the same scheduled run). */
    requestId: string;
    /** The clock; injected so tests can pin the keys. */
    now(): Date;
    trigger?: RunTrigger;
}

export interface ReportRunResult {
    runId: string;
    /** ISO time the run's keys are named after. */
    runTime: string;
    requestId: string;
    summaryKey: string;
    manifestKey: string;
    configurations: { total: number; succeeded: number; failed: number };
    usageRows: number;
    /** Received licenses: regions read and failed, licenses listed, and those expiring within the window or expired. */
    receivedLicenses: { regions: number; failedRegions: number; licenses: number; expiringSoon: number };
    filesWritten: number;
}

/** Metric counting received licenses that expire within the warning window or have expired; the component alarms on it. */
export const RECEIVED_LICENSES_EXPIRING_METRIC = "ReceivedLicensesExpiringSoon";

/** Thrown after a run whose report is written but lists failed configurations, so the invocation counts as failed. */
export class ReportIncompleteError extends Error {
    constructor(
        message: string,
        public readonly result: ReportRunResult,
    ) {
        super(message);
        this.name = "ReportIncompleteError";
    }
}

/**
 * One report run: reads every configured license configuration in its own region (bounded concurrency, every usage
 * page), builds all files in memory, uploads each data file once, then the manifest last. Throws when a file cannot
 * be written (no manifest then: a run without manifest is incomplete) or, after everything else is written, when
 * any configuration could not be read.
 *
 * A scheduled run is named after the event's scheduled time and id, so Lambda's retries of it (and duplicate
 * deliveries) overwrite the same keys, manifest last, instead of adding folders; see {@link runIdentity}.
 */
export async function runLicenseUsageReport(config: TrackerConfig, ports: TrackerPorts, telemetry: Telemetry, context: RunContext): Promise<ReportRunResult> {
    const startedAt = context.now();
    const run = runIdentity(context.trigger, context.requestId, startedAt);
    if (!run.scheduled && isScheduledTrigger(context.trigger)) {
        // Still reported, as a run of its own; but its retries will not share a folder.
        telemetry.warn("scheduled event without a usable id and time; naming the run after this attempt", { trigger: context.trigger });
    }
    const keys = reportKeys(config.prefix, config.layout, run.runTime);
    // Neither collection throws (failures become entries), so reading them side by side loses nothing.
    const [collected, received] = await Promise.all([
        collectConfigurations(config.configurations, (region) => ports.licenseManager(region), config.concurrency),
        collectReceivedLicenses(config.receivedLicenses.regions, (region) => ports.receivedLicenses(region), config.concurrency),
    ]);
    const collectedAt = context.now();
    const warnings = expiryWarnings(received, collectedAt, config.receivedLicenses.expiryWarningDays);

    const dataFiles = buildDataFiles(collected, keys);
    if (received.length > 0) dataFiles.push(buildReceivedLicensesFile(received, keys.received, collectedAt, config.receivedLicenses.expiryWarningDays));
    const manifest = buildManifest(
        {
            runId: run.runId,
            runTime: run.runTime,
            attempt: { requestId: context.requestId, startedAt, collectedAt },
            bucket: config.bucket,
            prefix: config.prefix,
            layout: config.layout,
            licenseConfigurations: config.licenseConfigurations,
            trigger: context.trigger,
        },
        collected,
        dataFiles,
        keys.manifest,
        received,
    );
    await uploadAll(dataFiles, ports, config.concurrency, run.runId);
    await ports.putObject(manifest);

    const result = summarise(run.runId, run.runTime, context.requestId, collected, received, warnings, keys.summary, keys.manifest, dataFiles.length + 1);
    record(telemetry, result, collected, received, warnings);
    const failed = collected.filter((c): c is Extract<CollectedConfiguration, { ok: false }> => !c.ok);
    const failedRegions = received.filter((r): r is Extract<CollectedRegion, { ok: false }> => !r.ok);
    if (failed.length > 0 || failedRegions.length > 0) {
        const problems = [
            ...failed.map((f) => `${f.configuration.arn} (${f.error})`),
            ...failedRegions.map((r) => `received licenses in ${r.region} (${r.error})`),
        ];
        const listed = problems.slice(0, 5).join("; ");
        const more = problems.length > 5 ? `; and ${problems.length - 5} more` : "";
        const what = [
            failed.length > 0 ? `${failed.length} of ${collected.length} license configurations` : undefined,
            failedRegions.length > 0 ? `${failedRegions.length} of ${received.length} received-license regions` : undefined,
        ].filter((part) => part !== undefined);
        throw new ReportIncompleteError(
            `License usage report ${run.runId}: ${what.join(" and ")} could not be read: ${listed}${more}. ` +
                `The others are written; see ${keys.summary} and ${keys.manifest}.`,
            result,
        );
    }
    return result;
}

async function uploadAll(files: readonly ReportFile[], ports: TrackerPorts, concurrency: number, runId: string): Promise<void> {
    const outcomes = await mapWithConcurrency(files, concurrency, async (file) => {
        try {
            await ports.putObject(file);
            return undefined;
        } catch (error) {
            return `${file.key} (${describeError(error)})`;
        }
    });
    const failed = outcomes.filter((o): o is string => o !== undefined);
    if (failed.length > 0) {
        throw new Error(
            `License usage report ${runId}: ${failed.length} of ${files.length} files could not be written, so no manifest was written: ` +
                failed.slice(0, 5).join("; "),
        );
    }
}

function summarise(
    runId: string,
    runTime: Date,
    requestId: string,
    collected: readonly CollectedConfiguration[],
    received: readonly CollectedRegion[],
    warnings: readonly ExpiryWarning[],
    summaryKey: string,
    manifestKey: string,
    filesWritten: number,
): ReportRunResult {
    const failed = collected.filter((c) => !c.ok).length;
    const readRegions = received.filter((r) => r.ok);
    return {
        runId,
        runTime: runTime.toISOString(),
        requestId,
        summaryKey,
        manifestKey,
        configurations: { total: collected.length, succeeded: collected.length - failed, failed },
        usageRows: collected.reduce((sum, c) => sum + (c.ok ? c.usage.length : 0), 0),
        receivedLicenses: {
            regions: received.length,
            failedRegions: received.length - readRegions.length,
            licenses: readRegions.reduce((sum, r) => sum + r.licenses.length, 0),
            expiringSoon: warnings.length,
        },
        filesWritten,
    };
}

function record(
    telemetry: Telemetry,
    result: ReportRunResult,
    collected: readonly CollectedConfiguration[],
    received: readonly CollectedRegion[],
    warnings: readonly ExpiryWarning[],
): void {
    for (const entry of received) {
        if (!entry.ok) telemetry.error("received licenses could not be read", { region: entry.region, error: entry.error });
    }
    for (const warning of warnings) telemetry.warn(`received license ${warning.status === "expired" ? "has expired" : "expires soon"}`, { ...warning });
    for (const entry of collected) {
        if (!entry.ok) {
            telemetry.error("license configuration could not be read", {
                licenseConfigurationArn: entry.configuration.arn,
                region: entry.configuration.region,
                error: entry.error,
            });
        }
    }
    telemetry.metric("LicenseConfigurationsReported", result.configurations.succeeded);
    telemetry.metric("LicenseConfigurationsFailed", result.configurations.failed);
    telemetry.metric("LicenseUsageRowsReported", result.usageRows);
    telemetry.metric("ReportFilesWritten", result.filesWritten);
    if (received.length > 0) {
        telemetry.metric("ReceivedLicensesReported", result.receivedLicenses.licenses);
        telemetry.metric("ReceivedLicenseRegionsFailed", result.receivedLicenses.failedRegions);
        // The alarm on this metric is the alert: it reaches the alarm actions (the governance stack's alert topic).
        telemetry.metric(RECEIVED_LICENSES_EXPIRING_METRIC, warnings.length);
    }
    telemetry.info("license usage report written", { ...result });
}
