import * as pulumi from "@pulumi/pulumi";
import { parseRole, StackRole } from "./roles";
import { deployLicenseGovernance } from "./licenseGovernance";
import { deployLicenseServer } from "./licenseServer";
import { deployWorkbenchAccount } from "./workbenchAccount";

type Composition = (config: pulumi.Config) => Record<string, pulumi.Output<unknown>>;

const COMPOSITIONS: Record<StackRole, Composition> = {
    "workbench-account": deployWorkbenchAccount,
    "license-server": deployLicenseServer,
    "license-governance": deployLicenseGovernance,
};

/** Deploys the composition named by the stack's `role` setting and returns the stack outputs. */
export function deployStack(config = new pulumi.Config()): Record<string, pulumi.Output<unknown>> {
    const role = parseRole(config.get("role"));
    return { role: pulumi.output(role), ...COMPOSITIONS[role](config) };
}
