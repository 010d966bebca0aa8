import * as pulumi from "@pulumi/pulumi";
import { LicenseConfigSet } from "../components/config/licenseConfigSet";
import type { LicenseDefinition } from "../components/config/definitions";
import { MultiRegionLicenseTracker } from "../components/tracking/multiRegionLicenseTracker";

/**
 * License governance account (Organizations management account or License Manager's delegated administrator):
 * the licenses the organisation owns with their limits, associations and alerts, License Manager's Organizations
 * integration, and daily usage reports over those configurations (plus any others named in configuration).
 */
export function deployLicenseGovernance(config: pulumi.Config): Record<string, pulumi.Output<unknown>> {
    const licenses = config.requireObject<Record<string, LicenseDefinition>>("licenses");
    const alertEmails = config.getObject<string[]>("alertEmails") ?? [];
    const organizationsIntegration = config.getBoolean("organizationsIntegration") ?? true;

    const licenseSet = new LicenseConfigSet("licenses", {
        licenses,
        alerts: { thresholdPercent: config.getNumber("utilisationThresholdPercent"), emailAddresses: alertEmails },
        organizationSettings: organizationsIntegration ? { organizationIntegration: true, crossAccountDiscovery: true } : undefined,
    });

    const extraArns = config.getObject<string[]>("trackedLicenseConfigurationArns") ?? [];
    const tracker = new MultiRegionLicenseTracker("usage", {
        // A configuration named in both places is tracked once.
        licenseConfigurationArns: licenseSet.configurationArns.apply((arns) => [...new Set([...Object.values(arns).sort(), ...extraArns])]),
        scheduleExpression: config.get("usageReportSchedule"),
        alarmActions: licenseSet.alertTopicArn ? [licenseSet.alertTopicArn] : undefined,
    });

    return {
        licenseConfigurationArns: licenseSet.configurationArns,
        alertTopicArn: licenseSet.alertTopicArn ?? pulumi.output(undefined),
        reportBucketName: tracker.bucketName,
        reportPrefix: pulumi.output(tracker.reportPrefix),
    };
}
