import * as pulumi from "@pulumi/pulumi";
import { EVENT_BUS_ARN, WorkbenchAccountForwarder } from "../components/workbench/workbenchAccountForwarder";
import { assertSettings, settingProblem } from "./settings";
import { trustNamePrefixProblem } from "../components/trust/trustNames";
import { stackAlertTopicArn } from "./alerts";
import { LicenseGrantAcceptances, grantArnProblems } from "../components/config/licenseGrants";

/** Name of the output the license-server stack exports and workbench stacks read through a StackReference. */
export const HUB_BUS_ARN_OUTPUT = "hubEventBusArn";

/**
 * Workbench (user) account: forwards workbench start/stop events to the license server account's hub bus. The
 * bus ARN comes from `hubEventBusArn`, or from the `licenseServerStack` stack's output of the same name. With
 * `acceptLicenseGrantArns`, it also accepts the License Manager grants the governance account made to it.
 */
export function deployWorkbenchAccount(config: pulumi.Config): Record<string, pulumi.Output<unknown>> {
    const explicitArn = config.get("hubEventBusArn");
    const licenseServerStack = config.get("licenseServerStack");
    if (!explicitArn && !licenseServerStack) {
        throw new pulumi.RunError('Role workbench-account needs "hubEventBusArn" or "licenseServerStack" (e.g. license-server).');
    }
    // Checked here, where the user wrote it: a wrong ARN (a queue's, say) would otherwise fail in every resource it feeds.
    if (explicitArn && !EVENT_BUS_ARN.test(explicitArn)) {
        assertSettings([`hubEventBusArn: ${JSON.stringify(explicitArn)} is not an EventBridge event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)`]);
    }
    const grantArns = config.getObject<string[]>("acceptLicenseGrantArns") ?? [];
    const trustNamePrefix = config.get("trustNamePrefix");
    assertSettings([
        ...(grantArns.length > 0 ? grantArnProblems(grantArns, "acceptLicenseGrantArns") : []),
        ...settingProblem("trustNamePrefix", trustNamePrefix === undefined ? undefined : trustNamePrefixProblem(trustNamePrefix)),
    ]);
    const hubEventBusArn = explicitArn
        ? pulumi.output(explicitArn)
        : (new pulumi.StackReference(qualifiedStackName(licenseServerStack!)).requireOutput(HUB_BUS_ARN_OUTPUT) as pulumi.Output<string>);

    const alertTopicArn = stackAlertTopicArn(config);
    const forwarder = new WorkbenchAccountForwarder("workbench", {
        hubEventBusArn,
        ownerTagKey: config.get("ownerTagKey"),
        workbenchTypeTagKey: config.get("workbenchTypeTagKey"),
        // Must match the hub's inventoryPeriodMinutes when either is changed (the hub's silence watch counts its periods).
        inventorySchedule: config.get("inventorySchedule"),
        alarmActions: [alertTopicArn],
        namePrefix: trustNamePrefix,
    });
    // Licenses the governance account distributes to this one (its licenseGrantArns output).
    if (grantArns.length > 0) new LicenseGrantAcceptances("license-grants", { grantArns });
    return {
        hubEventBusArn,
        forwarderFunctionName: forwarder.forwarderFunctionName,
        workbenchEventBusArn: forwarder.bus.arn,
        deadLetterQueueUrl: forwarder.deadLetterQueue.url,
        alertTopicArn,
    };
}

/**
 * Stacks are named `<org>/license-ops/<stack>`, with `<stack>` the suffix of their stacks/Pulumi.<stack>.yaml file.
 * A bare stack name is qualified with the organization and project of the stack being deployed, so the
 * organization is written in one place only: the Pulumi login (CI: the PULUMI_ORG variable). A fully qualified
 * `org/project/stack` is used as given.
 */
export function qualifiedStackName(stack: string): string {
    return stack.includes("/") ? stack : `${pulumi.getOrganization()}/${pulumi.getProject()}/${stack}`;
}
