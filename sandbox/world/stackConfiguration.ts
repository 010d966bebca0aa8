/**
 * The sandbox's stack configuration, in one place: from the scenario, the Pulumi configuration of each stack the
 * project deploys (one license-server stack, one governance stack, one workbench stack per workbench account-region), set
 * the way `pulumi config set` would. Then each stack's program (`deployStack`, the same entry point `pulumi up`
 * runs) runs in-process under Pulumi mocks with its own account id, and what it registers is the sandbox's
 * deployment: every Lambda, rule, target, table, bucket and parameter the local world is built from.
 */
import type * as pulumi from "@pulumi/pulumi";
import { deployStack } from "../../stacks";
import type { StackRole } from "../../stacks/roles";
import { HUB_BUS_ARN_OUTPUT } from "../../stacks/workbenchAccount";
import type { KnownCatalog } from "../../components/hub/catalog";
import { RecordedResource, runUnderMocks } from "../../tests/support/pulumiMocks";
import { Scenario, accountRegions, accountsWithRole } from "./scenario";
import { admissionSettings, guardrailTargets, stackSetSettings } from "./organizationStacks";
import { PROJECT } from "./project";

export { PROJECT };

/** Fully qualified name the workbench stacks reference the license-server stack by. */
export const LICENSE_SERVER_STACK = `sandbox/${PROJECT}/license-server`;

/** The roles the sandbox's guardrails trust: the one that deploys the stacks, the one that tags workbenches. */
export const SANDBOX_DEPLOYMENT_ROLE_NAME = "pulumi-deploy";
export const SANDBOX_DEPLOYMENT_ROLE = `arn:aws:iam::*:role/${SANDBOX_DEPLOYMENT_ROLE_NAME}`;
export const SANDBOX_PROVISIONING_ROLE = "arn:aws:iam::*:role/workbench-provisioner";

/**
 * The inventory period of the sandbox's deployment, in minutes, and the silent periods after which the hub names an
 * account-region silent: a shorter period than the default 5 minutes (the default 3 silent periods) so a silenced account is
 * named within the default scenario's few minutes. The workbench stacks take their inventory at the same period (stack setting
 * `inventorySchedule`), as the hub's `inventoryPeriodMinutes` requires.
 */
export const SANDBOX_INVENTORY_PERIOD_MINUTES = 1;
export const SANDBOX_SILENT_INVENTORY_PERIODS = 3;
const SANDBOX_INVENTORY_SCHEDULE = `rate(${SANDBOX_INVENTORY_PERIOD_MINUTES} minute${SANDBOX_INVENTORY_PERIOD_MINUTES === 1 ? "" : "s"})`;

/** One stack as deployed to the sandbox: its account, its configuration and what its program registered. */
export interface DeployedStack {
    /** Stack name, e.g. `license-server`, `workbench-engineering`. */
    name: string;
    role: StackRole;
    /** Key of the scenario account it is deployed to. */
    accountKey: string;
    accountId: string;
    region: string;
    config: Record<string, string>;
    resources: RecordedResource[];
    outputs: Record<string, unknown>;
}

/**
 * The vendor CLI the sandbox's license servers run, as the catalog's `command` of every product: an argv array
 * with the hub's placeholders, exactly as a platform team configures a real vendor tool.
 */
export function vendorCommand(vendorCliPath: string): string[] {
    return [vendorCliPath, "set-named-users", "--product", "{product}", "--users-file", "{usersFile}"];
}

/** The hub's catalog as the license-server stack is configured with it: the scenario's, plus the vendor CLI. */
export function sandboxCatalog(scenario: Scenario, vendorCliPath: string): KnownCatalog {
    const command = vendorCommand(vendorCliPath);
    return {
        workbenchTypes: scenario.catalog.workbenchTypes,
        products: Object.fromEntries(Object.entries(scenario.catalog.products).map(([name, product]) => [name, { ...product, command }])),
    };
}

/**
 * The workbench stack of an account-region: `workbench-<key>` in the account's home region (its first), so a
 * single-region account's stack keeps its name; `workbench-<key>-<region>` in each further region.
 */
export function workbenchStackName(scenario: Scenario, accountKey: string, region: string): string {
    return region === accountRegions(scenario, accountKey)[0] ? `workbench-${accountKey}` : `workbench-${accountKey}-${region}`;
}

/** Each stack's configuration (`<project>:<key>` -> value, objects as JSON, as the engine hands them over). */
export function stackConfigurations(scenario: Scenario, vendorCliPath: string): Array<Omit<DeployedStack, "resources" | "outputs">> {
    // Every role needs an alerts setting: the sandbox's alarms go to topics the stacks create, mailing this address.
    const common = { "aws:region": scenario.region, [`${PROJECT}:alertEmails`]: JSON.stringify(["licensing-ops@example.com"]) };
    const json = (value: unknown) => JSON.stringify(value);
    const stacks: Array<Omit<DeployedStack, "resources" | "outputs">> = [];
    const [serverKey, server] = accountsWithRole(scenario, "license-server")[0];
    stacks.push({
        name: "license-server",
        role: "license-server",
        accountKey: serverKey,
        accountId: server.accountId,
        region: scenario.region,
        config: {
            ...common,
            [`${PROJECT}:role`]: "license-server",
            ...admissionSettings(scenario),
            [`${PROJECT}:productCatalog`]: json(sandboxCatalog(scenario, vendorCliPath)),
            [`${PROJECT}:inventoryPeriodMinutes`]: String(SANDBOX_INVENTORY_PERIOD_MINUTES),
            [`${PROJECT}:silentInventoryPeriods`]: String(SANDBOX_SILENT_INVENTORY_PERIODS),
        },
    });
    // One workbench stack per account-region: the same program with `aws:region` set, as a second Pulumi.<stack>.yaml
    // would set it.
    for (const [key, account] of accountsWithRole(scenario, "workbench-account")) {
        for (const region of accountRegions(scenario, key)) {
            stacks.push({
                name: workbenchStackName(scenario, key, region),
                role: "workbench-account",
                accountKey: key,
                accountId: account.accountId,
                region,
                // As stacks/Pulumi.workbench-dev.yaml does: the hub bus ARN comes from the license-server stack's outputs.
                config: {
                    ...common,
                    "aws:region": region,
                    [`${PROJECT}:role`]: "workbench-account",
                    [`${PROJECT}:licenseServerStack`]: LICENSE_SERVER_STACK,
                    [`${PROJECT}:inventorySchedule`]: SANDBOX_INVENTORY_SCHEDULE,
                },
            });
        }
    }
    const [governanceKey, governance] = accountsWithRole(scenario, "license-governance")[0];
    stacks.push({
        name: "governance",
        role: "license-governance",
        accountKey: governanceKey,
        accountId: governance.accountId,
        region: scenario.region,
        config: {
            ...common,
            [`${PROJECT}:role`]: "license-governance",
            [`${PROJECT}:licenses`]: json(scenario.licenses),
            [`${PROJECT}:trackedLicenseConfigurationArns`]: json((scenario.trackedLicenseConfigurations ?? []).map((t) => t.arn)),
            // The Organizations guardrails, attached to the workbench OUs (without an organization, to every workbench
            // account): only the provisioning role may set the workbench tags, only the deployment role may change the event path.
            [`${PROJECT}:workbenchGuardrails`]: json({
                deploymentRoleArns: [SANDBOX_DEPLOYMENT_ROLE],
                provisioningRoleArns: [SANDBOX_PROVISIONING_ROLE],
                targetIds: guardrailTargets(scenario),
            }),
        },
    });
    return stacks;
}

/**
 * Runs every stack's program under mocks, the license-server stack first so the workbench stacks can reference
 * its outputs (as a StackReference does). The runs are sequential: the Pulumi runtime is one per process.
 */
export async function deployStacks(scenario: Scenario, vendorCliPath: string): Promise<DeployedStack[]> {
    const deployed: DeployedStack[] = [];
    const stackOutputs: Record<string, Record<string, unknown>> = {};
    for (const stack of stackConfigurations(scenario, vendorCliPath)) {
        // The governance stack's StackSet names the hub's bus and silence watch role (its outputs), as in docs/fleet.md.
        if (stack.role === "license-governance") stack.config = { ...stack.config, ...stackSetSettings(scenario, stackOutputs[LICENSE_SERVER_STACK], SANDBOX_INVENTORY_SCHEDULE) };
        const { result, resources } = await runUnderMocks(() => deployStack(), {
            stack: stack.name,
            project: PROJECT,
            account: { accountId: stack.accountId, region: stack.region },
            config: stack.config,
            stackOutputs,
        });
        const outputs = await resolveOutputs(result);
        deployed.push({ ...stack, resources, outputs });
        if (stack.role === "license-server") {
            if (typeof outputs[HUB_BUS_ARN_OUTPUT] !== "string") throw new Error(`the license-server stack exported no ${HUB_BUS_ARN_OUTPUT}`);
            stackOutputs[LICENSE_SERVER_STACK] = outputs;
        }
    }
    return deployed;
}

async function resolveOutputs(outputs: Record<string, pulumi.Output<unknown>>): Promise<Record<string, unknown>> {
    const resolved: Record<string, unknown> = {};
    for (const [key, output] of Object.entries(outputs)) {
        resolved[key] = await new Promise((resolve) => output.apply((value) => resolve(value)));
    }
    return resolved;
}
