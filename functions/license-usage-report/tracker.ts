import { CollectedConfiguration, LicenseManagerReader, collectConfigurations, describeError } from "./collect";
import type { TrackerConfig } from "./config";
import { reportKeys } from "./keys";
import { mapWithConcurrency } from "../shared/concurrency";
import { buildManifest } from "./manifest";
import { ReportFile, buildDataFiles } from "./reportFiles";
import { RunTrigger, isScheduledTrigger, runIdentity } from "./runIdentity";
import type { Telemetry } from "../shared/telemetry";

/** The AWS calls a run needs. */
export interface TrackerPorts {
    /** License Manager reads in `region` (one client per region, reused). */
    licenseManager(region: string): LicenseManagerReader;
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
    filesWritten: number;
}

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
    const collected = await collectConfigurations(config.configurations, (region) => ports.licenseManager(region), config.concurrency);
    const collectedAt = context.now();

    const dataFiles = buildDataFiles(collected, keys);
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
    );
    await uploadAll(dataFiles, ports, config.concurrency, run.runId);
    await ports.putObject(manifest);

    const result = summarise(run.runId, run.runTime, context.requestId, collected, keys.summary, keys.manifest, dataFiles.length + 1);
    record(telemetry, result, collected);
    const failed = collected.filter((c): c is Extract<CollectedConfiguration, { ok: false }> => !c.ok);
    if (failed.length > 0) {
        const listed = failed.slice(0, 5).map((f) => `${f.configuration.arn} (${f.error})`).join("; ");
        const more = failed.length > 5 ? `; and ${failed.length - 5} more` : "";
        throw new ReportIncompleteError(
            `License usage report ${run.runId}: ${failed.length} of ${collected.length} license configurations could not be read: ` +
                `${listed}${more}. The others are written; see ${keys.summary} and ${keys.manifest}.`,
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
    summaryKey: string,
    manifestKey: string,
    filesWritten: number,
): ReportRunResult {
    const failed = collected.filter((c) => !c.ok).length;
    return {
        runId,
        runTime: runTime.toISOString(),
        requestId,
        summaryKey,
        manifestKey,
        configurations: { total: collected.length, succeeded: collected.length - failed, failed },
        usageRows: collected.reduce((sum, c) => sum + (c.ok ? c.usage.length : 0), 0),
        filesWritten,
    };
}

function record(telemetry: Telemetry, result: ReportRunResult, collected: readonly CollectedConfiguration[]): void {
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
    telemetry.info("license usage report written", { ...result });
}
