import * as pulumi from "@pulumi/pulumi";
import { LicenseServerHub } from "../components/hub/licenseServerHub";
import { ProductCatalog, catalogProblems } from "../components/hub/catalog";
import { scheduleExpressionProblem } from "../components/lambda/triggers";
import { assertSettings, settingProblem } from "./settings";
import { HUB_BUS_ARN_OUTPUT } from "./workbenchAccount";
import { stackAlertTopicArn } from "./alerts";

/**
 * License server account: the hub bus the workbench accounts forward to (open to the listed accounts and/or the
 * organisation), the seat table and the sync that installs each product's named-user list on its license server.
 */
export function deployLicenseServer(config: pulumi.Config): Record<string, pulumi.Output<unknown>> {
    const workbenchAccountIds = config.getObject<string[]>("workbenchAccountIds") ?? [];
    const organizationId = config.get("organizationId") || undefined;
    const catalog = config.requireObject<ProductCatalog>("productCatalog");
    const syncSchedule = config.get("syncSchedule");
    assertSettings([
        ...catalogProblems(catalog, "productCatalog"),
        ...settingProblem("syncSchedule", syncSchedule === undefined ? undefined : scheduleExpressionProblem(syncSchedule)),
    ]);
    const alertTopicArn = stackAlertTopicArn(config);
    const hub = new LicenseServerHub("hub", {
        catalog,
        workbenchAccountIds: workbenchAccountIds.length > 0 ? workbenchAccountIds : undefined,
        organizationId,
        workbenchNamePrefix: config.get("trustNamePrefix"),
        syncSchedule,
        syncOnChange: config.getBoolean("syncOnChange"),
        licenseServerRoleNames: config.getObject<string[]>("licenseServerRoleNames"),
        alarmActions: [alertTopicArn],
    });
    return {
        [HUB_BUS_ARN_OUTPUT]: hub.busArn,
        hubEventBusName: hub.busName,
        seatTableName: hub.tableName,
        changeMarkerParameterName: hub.changeMarkerParameterName,
        syncFunctionName: hub.syncFunctionName,
        licenseServerDocumentName: hub.documentName,
        userListBucketName: hub.userListBucketName,
        licenseServerPolicy: hub.licenseServerPolicy,
        alertTopicArn,
        deadLetterQueueUrl: hub.deadLetterQueue.url,
        streamFailureQueueUrl: hub.streamFailureQueue.url,
    };
}
