import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { LicenseConfigSet } from "../components/config/licenseConfigSet";
import { CHECKER_DEFAULTS, LicenseDefinition, licenseDefinitionsProblems } from "../components/config/definitions";
import { scheduleExpressionProblem } from "../components/lambda/triggers";
import { parseLicenseConfigurationArn } from "../components/tracking/definitions";
import { assertSettings, settingProblem } from "./settings";
import { MultiRegionLicenseTracker } from "../components/tracking/multiRegionLicenseTracker";
import { OnPremisesServers, OnPremisesServersArgs, activationProblems, discoveredProductsProblems } from "../components/config/onPremisesServers";
import { readAlertsSetting } from "./alerts";
import { REPORT_LAYOUTS, TRACKER_HANDLER, type ReportLayout } from "../components/tracking/definitions";
import { dashboard, governanceDashboardBody, queueDepths } from "../components/analytics/dashboards";
import { LicenseBudgetDefinition, LicenseBudgets, budgetDefinitionsProblems } from "../components/config/licenseBudgets";
import { LicenseDistribution, LicenseGrants, licenseDistributionsProblems } from "../components/config/licenseGrants";

/** The usage tracker's name: its alarms are named `usage-*`, which the utilisation alerts topic admits. */
const TRACKER_NAME = "usage";
import type { DiscoveredProduct } from "../components/config/discoveryRulesProvider";

/** The `onPremises` stack setting: the hybrid activation, and per license (by name in `licenses`) what to discover. */
interface OnPremisesSetting extends Omit<OnPremisesServersArgs, "discovery"> {
    discovery?: Record<string, DiscoveredProduct[]>;
}
import { WorkbenchGuardrails, WorkbenchGuardrailsArgs } from "../components/trust/workbenchGuardrails";
import { WorkbenchStackSetSetting, deployWorkbenchStackSet } from "./workbenchFleet";

/**
 * License governance account (Organizations management account or License Manager's delegated administrator):
 * the licenses the organisation owns with their limits, associations and alerts, License Manager's Organizations
 * integration, daily usage reports over those configurations (plus any others named in configuration), and, with
 * the `workbenchGuardrails` setting, the Organizations guardrails of the workbench trust model (docs/trust-model.md).
 */
export function deployLicenseGovernance(config: pulumi.Config): Record<string, pulumi.Output<unknown>> {
    const licenses = config.requireObject<Record<string, LicenseDefinition>>("licenses");
    const organizationsIntegration = config.getBoolean("organizationsIntegration") ?? true;
    const extraArns = config.getObject<string[]>("trackedLicenseConfigurationArns") ?? [];
    const usageReportSchedule = config.get("usageReportSchedule");
    const onPremises = config.getObject<OnPremisesSetting>("onPremises");
    const budgets = config.getObject<Record<string, LicenseBudgetDefinition>>("budgets");
    const licenseGrants = config.getObject<Record<string, LicenseDistribution>>("licenseGrants");
    const usageReportLayout = config.get("usageReportLayout") || undefined;
    assertSettings([
        ...(licenseGrants === undefined ? [] : licenseDistributionsProblems(licenseGrants, "licenseGrants")),
        ...(budgets === undefined ? [] : budgetDefinitionsProblems(budgets, "budgets")),
        ...settingProblem(
            "usageReportLayout",
            usageReportLayout === undefined || (REPORT_LAYOUTS as readonly string[]).includes(usageReportLayout) ? undefined : `${JSON.stringify(usageReportLayout)} is not one of ${REPORT_LAYOUTS.join(", ")}`,
        ),
        ...onPremisesProblems(onPremises, licenses),
        ...licenseDefinitionsProblems(licenses, "licenses"),
        ...trackedArnProblems(extraArns),
        ...settingProblem("usageReportSchedule", usageReportSchedule === undefined ? undefined : scheduleExpressionProblem(usageReportSchedule)),
    ]);

    // The stack's other alarms go to alertTopicArn, or else to the utilisation alerts topic (which then admits them).
    const alerts = readAlertsSetting(config);
    const licenseSet = new LicenseConfigSet("licenses", {
        licenses,
        alerts: {
            thresholdPercent: config.getNumber("utilisationThresholdPercent"),
            emailAddresses: "emails" in alerts ? alerts.emails : [],
            admitAlarmsNamed: "emails" in alerts ? [`${TRACKER_NAME}-`] : [],
            admitBudgets: "emails" in alerts && budgets !== undefined,
        },
        organizationSettings: organizationsIntegration ? { organizationIntegration: true, crossAccountDiscovery: true } : undefined,
    });

    const alarmsTopicArn = pulumi.output("topicArn" in alerts ? alerts.topicArn : licenseSet.alertTopicArn!);
    // Spend License Manager does not count (Marketplace, license-included usage), against the same topic.
    const spend = budgets ? new LicenseBudgets("license-spend", { budgets, alertTopicArn: alarmsTopicArn }) : undefined;

    const tracker = new MultiRegionLicenseTracker(TRACKER_NAME, {
        // A configuration named in both places is tracked once.
        licenseConfigurationArns: licenseSet.configurationArns.apply((arns) => [...new Set([...Object.values(arns).sort(), ...extraArns])]),
        scheduleExpression: usageReportSchedule,
        layout: usageReportLayout as ReportLayout | undefined,
        alarmActions: [alarmsTopicArn],
    });

    let servers: OnPremisesServers | undefined;
    if (onPremises) {
        const { discovery, ...activation } = onPremises;
        servers = new OnPremisesServers("on-premises", {
            ...activation,
            discovery: Object.entries(discovery ?? {}).map(([license, products]) => ({ licenseConfigurationArn: licenseSet.configurationArns.apply((arns) => arns[license]), products })),
        });
    }

    // Received licenses (Marketplace, vendor grants) distributed to organisation accounts, which accept them.
    const grants = licenseGrants ? new LicenseGrants("received-licenses", { distributions: licenseGrants }) : undefined;

    // Zero-touch coverage of the workbench OUs: the forwarder as a StackSet (docs/decisions/0003).
    const stackSetSetting = config.getObject<WorkbenchStackSetSetting>("workbenchStackSet");
    const stackSet = stackSetSetting ? deployWorkbenchStackSet(stackSetSetting, alerts) : undefined;

    const guardrailSettings = config.getObject<WorkbenchGuardrailsArgs>("workbenchGuardrails");
    const guardrails = guardrailSettings
        ? new WorkbenchGuardrails("workbench-guardrails", {
              ...guardrailSettings,
              // StackSets deploy the forwarder as their execution role in each account: a deployment role too.
              stackSetsExecution: guardrailSettings.stackSetsExecution ?? stackSet !== undefined,
          })
        : undefined;

    const threshold = config.getNumber("utilisationThresholdPercent") ?? CHECKER_DEFAULTS.thresholdPercent;
    const checker = licenseSet.alerts;
    const queues = [
        { queue: tracker.deadLetterQueue, holds: "report runs EventBridge could not deliver" },
        ...(tracker.reportFunction.failureQueue ? [{ queue: tracker.reportFunction.failureQueue, holds: "failed report runs" }] : []),
        ...(checker ? [{ queue: checker.checkUndelivered, holds: "utilisation checks EventBridge could not deliver" }] : []),
        ...(checker?.checker.failureQueue ? [{ queue: checker.checker.failureQueue, holds: "failed utilisation checks" }] : []),
    ];
    const governanceDashboard = dashboard(
        "license-governance",
        pulumi
            .all([aws.getRegionOutput().region, licenseSet.configurationArns, tracker.reportFunction.functionName, queueDepths(queues)])
            .apply(([region, arns, trackerFunctionName, queueNames]) =>
                // The tracker's metrics carry its handler's name as their service (BundledFunction's default).
                governanceDashboardBody({
                    region,
                    configurations: arns,
                    thresholdPercent: threshold,
                    trackerFunctionName,
                    trackerService: TRACKER_HANDLER,
                    queues: queueNames,
                }),
            ),
    );

    return {
        dashboardName: governanceDashboard.dashboardName,
        // The activation id and code (a secret) that `amazon-ssm-agent -register` needs on each server.
        ...(servers ? { onPremisesActivationId: servers.activationId, onPremisesActivationCode: servers.activationCode } : {}),
        workbenchGuardrailsPolicyId: guardrails?.serviceControlPolicyId ?? pulumi.output(undefined),
        ...(stackSet ? { workbenchStackSetName: stackSet.stackSetName } : {}),
        licenseConfigurationArns: licenseSet.configurationArns,
        alertTopicArn: licenseSet.alertTopicArn ?? pulumi.output(undefined),
        alarmsTopicArn,
        ...(spend ? { budgetNames: spend.budgetNames } : {}),
        // Each grantee accepts its grant: the workbench-account stack's acceptLicenseGrantArns setting.
        ...(grants ? { licenseGrantArns: grants.grantArns } : {}),
        reportBucketName: tracker.bucketName,
        reportPrefix: pulumi.output(tracker.reportPrefix),
    };
}

/** The `onPremises` setting: activation fields, and discovery keyed by a license the `licenses` setting defines. */
function onPremisesProblems(setting: OnPremisesSetting | undefined, licenses: Record<string, unknown>): string[] {
    if (setting === undefined) return [];
    const { discovery, ...activation } = setting;
    return [
        ...activationProblems(activation, "onPremises"),
        ...Object.entries(discovery ?? {}).flatMap(([license, products]) =>
            license in licenses
                ? discoveredProductsProblems(products, `onPremises.discovery.${license}`)
                : [`onPremises.discovery.${license}: no such license in the licenses setting (it has ${Object.keys(licenses).join(", ")})`],
        ),
    ];
}

/** The extra ARNs by the setting's own index: the tracker sees them only after the set's, under other indexes. */
function trackedArnProblems(arns: unknown): string[] {
    if (!Array.isArray(arns)) return ["trackedLicenseConfigurationArns: must be a list of license configuration ARNs"];
    return arns.flatMap((arn, i) =>
        typeof arn === "string" && parseLicenseConfigurationArn(arn)
            ? []
            : [`trackedLicenseConfigurationArns[${i}]: ${JSON.stringify(arn)} is not a License Manager configuration ARN (arn:aws:license-manager:<region>:<account>:license-configuration:lic-<32 hex>)`],
    );
}
