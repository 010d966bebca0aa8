import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { LicenseServerHub } from "../components/hub/licenseServerHub";
import { ProductCatalog, catalogProblems } from "../components/hub/catalog";
import { scheduleExpressionProblem } from "../components/lambda/triggers";
import { assertSettings, settingProblem, stringListSetting } from "./settings";
import { SeatLedger } from "../components/hub/seatLedger";
import { LicenseAnalytics } from "../components/analytics/licenseAnalytics";
import { LicenseAuditTrail } from "../components/analytics/auditTrail";
import { readAnalyticsSettings } from "./analyticsSettings";
import { dashboard, hubDashboardBody, queueDepths } from "../components/analytics/dashboards";
import { HUB_BUS_ARN_OUTPUT } from "./workbenchAccount";
import { stackAlertTopicArn } from "./alerts";
import { busAccessProblems } from "../components/hub/busPolicy";
import { DEFAULT_INVENTORY_PERIOD_MINUTES, DEFAULT_SILENT_INVENTORY_PERIODS, inventoryWatchProblems } from "../components/hub/inventoryWatch";
import { trustNamePrefixProblem } from "../components/trust/trustNames";

/**
 * License server account: the hub bus the workbench accounts forward to (open to the listed accounts and/or the
 * organisation), the seat table and the sync that installs each product's named-user list on its license server.
 */
export function deployLicenseServer(config: pulumi.Config): Record<string, pulumi.Output<unknown>> {
    const accountIdsSetting = stringListSetting(config, "workbenchAccountIds");
    const workbenchAccountIds = accountIdsSetting.value;
    const organizationId = config.get("organizationId") || undefined;
    const ouPathsSetting = stringListSetting(config, "workbenchOrganizationalUnitPaths");
    const workbenchOrganizationalUnitPaths = ouPathsSetting.value;
    const admitWholeOrganization = config.getBoolean("admitWholeOrganization") ?? false;
    // The governance stack's WorkbenchStackSet reader (its `membershipReaderRoleArn` output): leavers lose their seats.
    const membershipReaderRoleArn = config.get("membershipReaderRoleArn") || undefined;
    const trustNamePrefix = config.get("trustNamePrefix");
    const regionsSetting = stringListSetting(config, "workbenchRegions");
    const inventoryWatch = {
        regions: regionsSetting.value,
        periodMinutes: config.getNumber("inventoryPeriodMinutes") ?? DEFAULT_INVENTORY_PERIOD_MINUTES,
        silentPeriods: config.getNumber("silentInventoryPeriods") ?? DEFAULT_SILENT_INVENTORY_PERIODS,
    };
    const catalog = config.requireObject<ProductCatalog>("productCatalog");
    const syncSchedule = config.get("syncSchedule");
    const analyticsSettings = readAnalyticsSettings(config);
    assertSettings([
        ...catalogProblems(catalog, "productCatalog"),
        // A setting that is not a list is one mistake: its line alone, not also what its absence would mean.
        ...(accountIdsSetting.problems.length + ouPathsSetting.problems.length > 0
            ? [...accountIdsSetting.problems, ...ouPathsSetting.problems]
            : busAccessProblems({ accountIds: workbenchAccountIds, organizationId, organizationalUnitPaths: workbenchOrganizationalUnitPaths, admitWholeOrganization })),
        ...settingProblem("trustNamePrefix", trustNamePrefix === undefined ? undefined : trustNamePrefixProblem(trustNamePrefix)),
        ...(regionsSetting.problems.length > 0 ? regionsSetting.problems : inventoryWatchProblems(inventoryWatch)),
        ...settingProblem("syncSchedule", syncSchedule === undefined ? undefined : scheduleExpressionProblem(syncSchedule)),
        ...analyticsSettings.problems,
    ]);
    const alertTopicArn = stackAlertTopicArn(config);
    const hub = new LicenseServerHub("hub", {
        catalog,
        workbenchAccountIds: workbenchAccountIds.length > 0 ? workbenchAccountIds : undefined,
        organizationId,
        workbenchOrganizationalUnitPaths: workbenchOrganizationalUnitPaths.length > 0 ? workbenchOrganizationalUnitPaths : undefined,
        admitWholeOrganization,
        membershipReaderRoleArn,
        workbenchNamePrefix: trustNamePrefix,
        workbenchRegions: inventoryWatch.regions.length > 0 ? inventoryWatch.regions : undefined,
        inventoryPeriodMinutes: inventoryWatch.periodMinutes,
        silentInventoryPeriods: inventoryWatch.silentPeriods,
        syncSchedule,
        syncOnChange: config.getBoolean("syncOnChange"),
        licenseServerRoleNames: config.getObject<string[]>("licenseServerRoleNames"),
        alarmActions: [alertTopicArn],
    });
    const ledger = new SeatLedger("seat-ledger", {
        table: hub.table,
        configurationBucketName: hub.userListBucketName,
        configurationObjectKey: hub.configurationObjectKey,
        alarmActions: [alertTopicArn],
    });
    const { usageReportBucketName, usageReportPrefix, accountCostCentres, athenaBytesScannedCutoff, organizationTrail, auditRetentionDays } = analyticsSettings;
    const analytics = new LicenseAnalytics("license-usage", {
        ledgerBucketName: ledger.bucketName,
        usageReports: usageReportBucketName ? { bucketName: usageReportBucketName, reportPrefix: usageReportPrefix } : undefined,
        accountCostCentres,
        bytesScannedCutoffPerQuery: athenaBytesScannedCutoff,
    });
    const queues = [
        { queue: hub.deadLetterQueue, holds: "events not delivered to the hub's Lambdas" },
        { queue: hub.streamFailureQueue, holds: "seat changes the change marker gave up on" },
        { queue: ledger.failureQueue, holds: "seat changes the ledger gave up on" },
        ...([["assignment", hub.assignment], ["sync", hub.sync], ["silence watch", hub.inventoryWatch]] as const).flatMap(([what, fn]) => (fn.failureQueue ? [{ queue: fn.failureQueue, holds: `failed ${what} invocations` }] : [])),
    ];
    const hubDashboard = dashboard(
        "license-hub",
        pulumi.all([aws.getRegionOutput().region, queueDepths(queues)]).apply(([region, queueNames]) =>
            hubDashboardBody({
                region,
                hubName: "hub",
                ledgerService: ledger.metricsService,
                // Stack settings are plain values (read from the stack's configuration).
                products: Object.entries(catalog.products).map(([name, p]) => ({ name, seats: p.seats as number | undefined })),
                queues: queueNames,
            }),
        ),
    );
    // An organisation trail usually records this account already; otherwise the stack keeps its own audit trail.
    const auditTrail = organizationTrail ? undefined : new LicenseAuditTrail("audit", { seatTableArn: hub.table.arn, retentionDays: auditRetentionDays });
    return {
        [HUB_BUS_ARN_OUTPUT]: hub.busArn,
        hubEventBusName: hub.busName,
        seatTableName: hub.tableName,
        syncFunctionName: hub.syncFunctionName,
        inventoryWatchRoleArn: hub.inventoryWatchRoleArn,
        licenseServerDocumentName: hub.documentName,
        userListBucketName: hub.userListBucketName,
        licenseServerPolicy: hub.licenseServerPolicy,
        licenseServerAgentPolicy: hub.licenseServerAgentPolicy,
        alertTopicArn,
        deadLetterQueueUrl: hub.deadLetterQueue.url,
        streamFailureQueueUrl: hub.streamFailureQueue.url,
        seatLedgerBucketName: ledger.bucketName,
        analyticsDatabaseName: analytics.databaseName,
        athenaWorkgroupName: analytics.workgroupName,
        dashboardName: hubDashboard.dashboardName,
        auditTrailArn: auditTrail?.trailArn ?? pulumi.output(undefined),
    };
}
