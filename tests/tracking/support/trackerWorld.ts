import { LOCAL_CLIENT_CONFIG } from "../../../sandbox/aws/awsJsonServer";
import { LicenseManagerStandin, StandinLicenseConfiguration, StandinUsage, startLicenseManagerStandin } from "../../../sandbox/aws/licenseManagerStandin";
import { LocalS3, startS3rver } from "../../../sandbox/aws/s3rver";
import { regionalLicenseManagers, s3ReportWriter } from "../../../functions/license-usage-report/awsPorts";
import type { TrackerPorts } from "../../../functions/license-usage-report/tracker";
import { parseTrackerSettings, TrackerConfig } from "../../../functions/license-usage-report/config";
import { licenseConfigurationsDocument, parseLicenseConfigurationsDocument } from "../../../functions/license-usage-report/configurationObject";
import { configurationArn } from "./fixtures";

export const REPORT_BUCKET = "license-reports";

/** s3rver with the report bucket, and the License Manager stand-in, both on 127.0.0.1. */
export interface TrackerWorld {
    s3: LocalS3;
    licenseManager: LicenseManagerStandin;
    /** The real AWS ports (SDK clients) pointed at the two local services. */
    ports(): TrackerPorts & { destroy(): void };
    close(): Promise<void>;
}

export async function startTrackerWorld(): Promise<TrackerWorld> {
    const s3 = await startS3rver();
    await s3.createBucket(REPORT_BUCKET);
    const licenseManager = await startLicenseManagerStandin();
    return {
        s3,
        licenseManager,
        ports() {
            const managers = regionalLicenseManagers(() => ({ endpoint: licenseManager.endpoint, credentials: LOCAL_CLIENT_CONFIG.credentials }));
            return { licenseManager: managers.readerFor, receivedLicenses: managers.receivedReaderFor, putObject: s3ReportWriter(s3.client, REPORT_BUCKET), destroy: managers.destroy };
        },
        async close() {
            await licenseManager.close();
            await s3.close();
        },
    };
}

/** Adds a configuration with `rows` usage rows to the stand-in and returns its ARN. */
export function addConfiguration(
    standin: LicenseManagerStandin,
    region: string,
    n: number,
    rows: number,
    fields: Partial<StandinLicenseConfiguration> = {},
): string {
    const arn = configurationArn(region, n);
    standin.state.configurations.set(arn, {
        LicenseConfigurationArn: arn,
        Name: `configuration ${n}`,
        LicenseCountingType: "vCPU",
        LicenseCount: 100,
        LicenseCountHardLimit: true,
        ConsumedLicenses: rows * 4,
        ...fields,
    });
    standin.state.usage.set(arn, usageRows(region, n, rows));
    return arn;
}

export function usageRows(region: string, n: number, rows: number): StandinUsage[] {
    return Array.from({ length: rows }, (_, i) => ({
        ResourceArn: `arn:aws:ec2:${region}:111111111111:instance/i-${(n * 1000 + i).toString(16).padStart(17, "0")}`,
        ResourceType: "EC2_INSTANCE",
        ResourceStatus: "running",
        ResourceOwnerId: "111111111111",
        AssociationTime: Date.UTC(2026, 0, 2, 3, 4, 5 + i) / 1000,
        ConsumedLicenses: 4,
    }));
}

/**
 * The configuration the handler builds: its settings (the report bucket, the pinned digest of the ARN list's
 * object, and `settings`), and the ARN list as read from that object.
 */
export function trackerConfigFor(arns: string[], settings: Record<string, string> = {}): TrackerConfig {
    const document = licenseConfigurationsDocument(arns);
    const parsed = parseTrackerSettings({ REPORT_BUCKET, LICENSE_CONFIGURATIONS_SHA256: document.sha256, ...settings });
    return { ...parsed, configurations: parseLicenseConfigurationsDocument(Buffer.from(document.body), parsed.licenseConfigurations) };
}
