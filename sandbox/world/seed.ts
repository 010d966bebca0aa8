/**
 * The world outside the stacks, from the scenario: the workbench instances (with their tags) in each account's EC2,
 * and License Manager's view of the governance stack's configurations (the ARNs the stacks produced) with usage.
 */
import { createHash } from "node:crypto";
import { DEFAULT_TAG_KEYS } from "../../functions/workbench-forwarder/forwarder";
import type { StandinLicenseConfiguration, StandinReceivedLicense, StandinUsage } from "../aws/licenseManagerStandin";
import type { LocalDeployment } from "./deployment";
import type { SandboxServices } from "../runtime/services";
import type { Ec2Truth } from "./ec2Truth";
import { PROJECT, DeployedStack } from "./stackConfiguration";
import { Scenario, UsageSeed, accountsWithRole, instanceIdOf, instanceRegion } from "./scenario";

/** What the License Manager stand-in was seeded with, by configuration ARN (the usage report must show all of it). */
export interface SeededConfiguration {
    configuration: StandinLicenseConfiguration;
    usage: StandinUsage[];
}

/** The tag keys a workbench account's forwarder reads: its stack's settings, else the forwarder's defaults. */
export function workbenchTagKeys(stack: DeployedStack): { owner: string; type: string } {
    return {
        owner: stack.config[`${PROJECT}:ownerTagKey`] || DEFAULT_TAG_KEYS.ownerTagKey,
        type: stack.config[`${PROJECT}:workbenchTypeTagKey`] || DEFAULT_TAG_KEYS.typeTagKey,
    };
}

/** The tags an instance carries in its account. */
export function instanceTags(scenario: Scenario, key: string, stacks: DeployedStack[]): Record<string, string> {
    const instance = scenario.instances[key];
    if (instance.tags) return { ...instance.tags };
    const keys = workbenchTagKeys(instanceStack(scenario, key, stacks));
    return { [keys.owner]: instance.owner!, [keys.type]: instance.type! };
}

/** The workbench stack of the account-region an instance runs in (its forwarder reads its tags). */
export function instanceStack(scenario: Scenario, key: string, stacks: DeployedStack[]): DeployedStack {
    const account = scenario.instances[key].account;
    const region = instanceRegion(scenario, key);
    const stack = stacks.find((s) => s.role === "workbench-account" && s.accountKey === account && s.region === region);
    if (!stack) throw new Error(`instance ${key}: no workbench stack of account ${account} in ${region}`);
    return stack;
}

/** The instance's tags without the workbench tag keys of its account's forwarder (a timeline entry's `removeTags`). */
export function withoutWorkbenchTags(scenario: Scenario, stacks: DeployedStack[], instance: string): Record<string, string> {
    const keys = workbenchTagKeys(instanceStack(scenario, instance, stacks));
    const tags = instanceTags(scenario, instance, stacks);
    delete tags[keys.owner];
    delete tags[keys.type];
    return tags;
}

/**
 * Puts every scenario instance, with its tags, into its account-region's EC2 (what DescribeInstances reads), and into
 * EC2's truth over time (what DescribeInstances lists) in its state at deployment: stopped unless the scenario says otherwise.
 */
export function seedInstances(services: SandboxServices, truth: Ec2Truth, scenario: Scenario, stacks: DeployedStack[]): void {
    for (const key of Object.keys(scenario.instances)) {
        const accountId = scenario.accounts[scenario.instances[key].account].accountId;
        const region = instanceRegion(scenario, key);
        const tags = instanceTags(scenario, key, stacks);
        services.in(accountId, region).ec2.instances.set(instanceIdOf(scenario, key), tags);
        truth.seed(accountId, region, instanceIdOf(scenario, key), scenario.instances[key].stateAtDeployment ?? "stopped", tags);
    }
}

/**
 * Seeds License Manager: each configuration the governance stack defines (its ARN as the stack produced it, its
 * counting type and limits as declared) and each extra tracked configuration, with the scenario's usage rows. Usage
 * rows belong to resources in the workbench accounts, in the configuration's region.
 */
export function seedLicenseManager(services: SandboxServices, deployment: LocalDeployment, scenario: Scenario, epochMs: number): SeededConfiguration[] {
    const owners = accountsWithRole(scenario, "workbench-account").map(([, a]) => a.accountId);
    const seeded: SeededConfiguration[] = [];
    const add = (configuration: Omit<StandinLicenseConfiguration, "ConsumedLicenses" | "Status">, seed: UsageSeed) => {
        const region = configuration.LicenseConfigurationArn.split(":")[3];
        const usage = Array.from({ length: seed.resources }, (_, i): StandinUsage => {
            const owner = owners[i % owners.length];
            const id = createHash("sha256").update(`${configuration.LicenseConfigurationArn}/${i}`).digest("hex").slice(0, 17);
            const host = seed.resourceType === "EC2_HOST";
            return {
                ResourceArn: `arn:aws:ec2:${region}:${owner}:${host ? `dedicated-host/h-${id}` : `instance/i-${id}`}`,
                ResourceType: seed.resourceType,
                ResourceStatus: host ? "available" : "running",
                ResourceOwnerId: owner,
                AssociationTime: Math.floor(epochMs / 1000) - (i + 1) * 86_400,
                ConsumedLicenses: seed.consumedPerResource,
            };
        });
        const full: StandinLicenseConfiguration = {
            ...configuration,
            ConsumedLicenses: usage.reduce((sum, u) => sum + (u.ConsumedLicenses ?? 0), 0),
            Status: "AVAILABLE",
        };
        services.licenseManager.state.configurations.set(full.LicenseConfigurationArn, full);
        services.licenseManager.state.usage.set(full.LicenseConfigurationArn, usage);
        seeded.push({ configuration: full, usage });
    };
    for (const c of deployment.licenseConfigurations) {
        const seed = scenario.licenseUsage[c.name];
        if (!seed) throw new Error(`the governance stack defines license ${c.name}, but the scenario's licenseUsage has no entry for it`);
        add(
            {
                LicenseConfigurationArn: c.arn,
                LicenseConfigurationId: c.arn.split(":").pop(),
                Name: c.name,
                Description: c.description,
                LicenseCountingType: c.countingType,
                LicenseCount: c.licenseCount,
                LicenseCountHardLimit: c.hardLimit,
                LicenseRules: c.rules,
            },
            seed,
        );
    }
    for (const t of scenario.trackedLicenseConfigurations ?? []) {
        add(
            { LicenseConfigurationArn: t.arn, LicenseConfigurationId: t.arn.split(":").pop(), Name: t.name, LicenseCountingType: t.countingType, LicenseCount: t.licenseCount },
            t.usage,
        );
    }
    return seeded;
}

/** Seeds the licenses the scenario says the governance account received, validity relative to the sandbox's start. */
export function seedReceivedLicenses(services: SandboxServices, scenario: Scenario, epochMs: number): StandinReceivedLicense[] {
    const seeded = (scenario.receivedLicenses ?? []).map((license, i): StandinReceivedLicense => {
        const id = createHash("sha256").update(`${license.issuer}/${license.product}/${i}`).digest("hex").slice(0, 32);
        return {
            LicenseArn: `arn:aws:license-manager::294406891311:license:l-${id}`,
            LicenseName: license.product,
            ProductName: license.product,
            ProductSKU: `sku-${id.slice(0, 8)}`,
            Issuer: { Name: license.issuer },
            HomeRegion: license.region,
            Status: "AVAILABLE",
            Validity: {
                Begin: new Date(epochMs - 365 * 86_400_000).toISOString(),
                ...(license.expiresInDays !== undefined ? { End: new Date(epochMs + license.expiresInDays * 86_400_000).toISOString() } : {}),
            },
            Entitlements: license.entitlements.map((e) => ({ Name: e.name, MaxCount: e.max, Unit: "Count" })),
            ReceivedMetadata: { ReceivedStatus: "ACTIVE" },
            consumed: Object.fromEntries(license.entitlements.map((e) => [e.name, e.consumed])),
        };
    });
    services.licenseManager.state.receivedLicenses.push(...seeded);
    return seeded;
}
