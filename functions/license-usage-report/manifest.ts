import type { CollectedConfiguration } from "./collect";
import type { CollectedRegion } from "./receivedLicenses";
import type { ReportLayout } from "./config";
import type { LicenseConfigurationsLocation } from "./configurationObject";
import { JSON_CONTENT_TYPE, ReportFile, reportFile } from "./reportFiles";
import type { RunTrigger } from "./runIdentity";

/** 2: `runId` is the scheduled event's id, `runTime` names the folder, the attempt is recorded apart. */
export const MANIFEST_SCHEMA_VERSION = 2;

export interface RunDescription {
    /** The scheduled event's id, or the request id of a manual invocation. */
    runId: string;
    /** The time the run's keys are named after: the scheduled time, or the start of a manual invocation. */
    runTime: Date;
    /** This attempt: its Lambda request id, when it started and when License Manager reading finished. */
    attempt: { requestId: string; startedAt: Date; collectedAt: Date };
    bucket: string;
    prefix: string;
    layout: ReportLayout;
    /** The ARN list this run reported on. */
    licenseConfigurations: Pick<LicenseConfigurationsLocation, "key" | "sha256">;
    trigger?: RunTrigger;
}

/** The manifest body: written last, so a run folder with a manifest is complete. */
export interface Manifest {
    schemaVersion: number;
    runId: string;
    runTime: string;
    /** The attempt that wrote this manifest; a retry of the same scheduled run overwrites it with its own. */
    attempt: { requestId: string; startedAt: string; collectedAt: string };
    bucket: string;
    prefix: string;
    layout: ReportLayout;
    licenseConfigurations: { key: string; sha256: string };
    trigger?: RunTrigger;
    configurations: { total: number; succeeded: number; failed: number; usageRows: number };
    files: Array<{ kind: ReportFile["kind"]; key: string; contentType: string; rows?: number; bytes: number; sha256: string; licenseConfigurationArn?: string }>;
    failures: Array<{ licenseConfigurationArn: string; region: string; error: string }>;
    /** Received licenses per region read (absent when none are reported); a failed region has its error. */
    receivedLicenses?: Array<{ region: string; licenses?: number; error?: string }>;
}

export function buildManifest(
    run: RunDescription,
    collected: readonly CollectedConfiguration[],
    dataFiles: readonly ReportFile[],
    key: string,
    received: readonly CollectedRegion[] = [],
): ReportFile {
    const failures = collected.flatMap((c) => (c.ok ? [] : [{ licenseConfigurationArn: c.configuration.arn, region: c.configuration.region, error: c.error }]));
    const manifest: Manifest = {
        schemaVersion: MANIFEST_SCHEMA_VERSION,
        runId: run.runId,
        runTime: run.runTime.toISOString(),
        attempt: {
            requestId: run.attempt.requestId,
            startedAt: run.attempt.startedAt.toISOString(),
            collectedAt: run.attempt.collectedAt.toISOString(),
        },
        bucket: run.bucket,
        prefix: run.prefix,
        layout: run.layout,
        licenseConfigurations: { key: run.licenseConfigurations.key, sha256: run.licenseConfigurations.sha256 },
        ...(run.trigger ? { trigger: run.trigger } : {}),
        configurations: {
            total: collected.length,
            succeeded: collected.length - failures.length,
            failed: failures.length,
            usageRows: collected.reduce((sum, c) => sum + (c.ok ? c.usage.length : 0), 0),
        },
        files: dataFiles.map(({ kind, key: fileKey, contentType, rows, bytes, sha256, licenseConfigurationArn }) => ({
            kind,
            key: fileKey,
            contentType,
            rows,
            bytes,
            sha256,
            licenseConfigurationArn,
        })),
        failures,
        ...(received.length > 0 ? { receivedLicenses: received.map((r) => (r.ok ? { region: r.region, licenses: r.licenses.length } : { region: r.region, error: r.error })) } : {}),
    };
    return reportFile("manifest", key, `${JSON.stringify(manifest, null, 2)}\n`, JSON_CONTENT_TYPE);
}
