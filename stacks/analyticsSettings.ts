import * as pulumi from "@pulumi/pulumi";
import { accountCostCentresProblems, bytesScannedCutoffProblems, reportPrefixProblems } from "../components/analytics/licenseAnalytics";
import { retentionDaysProblems } from "../components/analytics/auditTrail";
import { BUCKET_NAME } from "../functions/license-usage-report/config";
import { settingProblem } from "./settings";

/** The license-server stack's analytics and audit settings (docs/analytics.md), with their problems by setting name. */
export interface AnalyticsSettings {
    usageReportBucketName?: string;
    usageReportPrefix?: string;
    accountCostCentres?: Record<string, string>;
    athenaBytesScannedCutoff?: number;
    /** True (the default) when the organisation's trail records the account: the stack then creates no trail. */
    organizationTrail: boolean;
    auditRetentionDays?: number;
    problems: string[];
}

export function readAnalyticsSettings(config: pulumi.Config): AnalyticsSettings {
    const usageReportBucketName = config.get("usageReportBucketName") || undefined;
    const usageReportPrefix = config.get("usageReportPrefix");
    const accountCostCentres = config.getObject<Record<string, string>>("accountCostCentres");
    const athenaBytesScannedCutoff = config.getNumber("athenaBytesScannedCutoff");
    const auditRetentionDays = config.getNumber("auditRetentionDays");
    return {
        usageReportBucketName,
        usageReportPrefix,
        accountCostCentres,
        athenaBytesScannedCutoff,
        organizationTrail: config.getBoolean("organizationTrail") ?? true,
        auditRetentionDays,
        problems: [
            ...settingProblem("usageReportBucketName", usageReportBucketName === undefined || BUCKET_NAME.test(usageReportBucketName) ? undefined : `${JSON.stringify(usageReportBucketName)} is not an S3 bucket name`),
            ...(usageReportPrefix === undefined ? [] : reportPrefixProblems(usageReportPrefix, "usageReportPrefix")),
            ...(accountCostCentres === undefined ? [] : accountCostCentresProblems(accountCostCentres, "accountCostCentres")),
            ...(athenaBytesScannedCutoff === undefined ? [] : bytesScannedCutoffProblems(athenaBytesScannedCutoff, "athenaBytesScannedCutoff")),
            ...(auditRetentionDays === undefined ? [] : retentionDaysProblems(auditRetentionDays, "auditRetentionDays")),
        ],
    };
}
