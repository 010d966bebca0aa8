import { randomUUID } from "node:crypto";
import { S3Client } from "@aws-sdk/client-s3";
import { regionalLicenseManagers, s3ObjectReader, s3ReportWriter } from "./awsPorts";
import { TRACKER_ENV, TrackerSettings, parseTrackerSettings } from "./config";
import { loadLicenseConfigurations } from "./configurationObject";
import { runTriggerOf } from "./runIdentity";
import { ReportRunResult, TrackerPorts, runLicenseUsageReport } from "./tracker";
import { powertoolsTelemetry } from "../shared/powertools";

// Created once per container and reused across invocations. Endpoints come from the SDK's standard
// AWS_ENDPOINT_URL_LICENSE_MANAGER / AWS_ENDPOINT_URL_S3 variables, which is how this same bundle runs against
// local stand-ins; S3_FORCE_PATH_STYLE=true is only for local S3 emulators.
const licenseManagers = regionalLicenseManagers();
const s3 = new S3Client({ forcePathStyle: process.env[TRACKER_ENV.s3ForcePathStyle] === "true" });
const telemetry = powertoolsTelemetry("license-usage-report");
let settings: TrackerSettings | undefined;
let ports: (TrackerPorts & { readObject: ReturnType<typeof s3ObjectReader> }) | undefined;

/**
 * Scheduled entry point. Resolves with the run's summary; rejects when any configuration or file failed, after
 * writing everything it could, so Lambda's retries, the on-failure destination and the errors alarm see it.
 */
export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<ReportRunResult> {
    try {
        // Validated on first use rather than at import, so a bad configuration fails an invocation with a clear error.
        settings ??= parseTrackerSettings(process.env);
        ports ??= {
            licenseManager: licenseManagers.readerFor,
            receivedLicenses: licenseManagers.receivedReaderFor,
            putObject: s3ReportWriter(s3, settings.bucket),
            readObject: s3ObjectReader(s3, settings.bucket),
        };
        // The ARN list is read and verified on every invocation, not cached: one small GET per run, and a list that was
        // deleted or altered since this container started is caught by the very next run.
        const configurations = await loadLicenseConfigurations(ports.readObject, settings.licenseConfigurations).catch((error: Error) => {
            telemetry.error("license configuration list rejected; no report written", { error: error.message });
            telemetry.metric("LicenseConfigurationListRejected", 1);
            throw error;
        });
        return await runLicenseUsageReport({ ...settings, configurations }, ports, telemetry, {
            requestId: context?.awsRequestId ?? randomUUID(),
            now: () => new Date(),
            trigger: runTriggerOf(event),
        });
    } finally {
        telemetry.flush();
    }
}
