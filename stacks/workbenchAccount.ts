import * as pulumi from "@pulumi/pulumi";
import { EVENT_BUS_ARN, WorkbenchAccountForwarder } from "../components/workbench/workbenchAccountForwarder";
import { assertSettings } from "./settings";

/** Name of the output the license-server stack exports and workbench stacks read through a StackReference. */
export const HUB_BUS_ARN_OUTPUT = "hubEventBusArn";

/**
 * Workbench (user) account: forwards workbench start/stop events to the license server account's hub bus. The
 * bus ARN comes from `hubEventBusArn`, or from the `licenseServerStack` stack's output of the same name.
 */
export function deployWorkbenchAccount(config: pulumi.Config): Record<string, pulumi.Output<unknown>> {
    const explicitArn = config.get("hubEventBusArn");
    const licenseServerStack = config.get("licenseServerStack");
    if (!explicitArn && !licenseServerStack) {
        throw new pulumi.RunError('Role workbench-account needs "hubEventBusArn" or "licenseServerStack" (e.g. my-org/license-ops/license-server).');
    }
    // Checked here, where the user wrote it: a wrong ARN (a queue's, say) would otherwise fail in every resource it feeds.
    if (explicitArn && !EVENT_BUS_ARN.test(explicitArn)) {
        assertSettings([`hubEventBusArn: ${JSON.stringify(explicitArn)} is not an EventBridge event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)`]);
    }
    const hubEventBusArn = explicitArn
        ? pulumi.output(explicitArn)
        : (new pulumi.StackReference(licenseServerStack!).requireOutput(HUB_BUS_ARN_OUTPUT) as pulumi.Output<string>);

    const forwarder = new WorkbenchAccountForwarder("workbench", {
        hubEventBusArn,
        ownerTagKey: config.get("ownerTagKey"),
        workbenchTypeTagKey: config.get("workbenchTypeTagKey"),
    });
    return {
        hubEventBusArn,
        forwarderFunctionName: forwarder.forwarderFunctionName,
        deadLetterQueueUrl: forwarder.deadLetterQueue.url,
    };
}
