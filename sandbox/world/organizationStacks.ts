/**
 * The stack settings of a zero-touch estate (decision 0003, docs/fleet.md "Accounts that join and leave"), for a
 * scenario with an organization: the license-server stack in organisation mode (the organisation and the workbench
 * OUs' paths, no account list) with the governance stack's membership reader as `membershipReaderRoleArn`; the
 * governance stack's `workbenchStackSet` (the workbench OUs, the scenario's region, the hub's bus and silence watch
 * role, read from the license-server stack's outputs as the stacks are deployed one after the other). Without an
 * organization the hub lists the admitted accounts (`allowedOnHub`), as before.
 */
import { membershipReaderRoleName } from "../../components/stackset/membershipReader";
import { DEFAULT_TRUST_NAME_PREFIX } from "../../components/trust/trustNames";
import { HUB_BUS_ARN_OUTPUT } from "../../stacks/workbenchAccount";
import { organizationModel } from "./organization";
import { PROJECT } from "./project";
import { Scenario, accountRegions, accountsWithRole, scenarioSeconds } from "./scenario";

/** The license-server stack's admission settings: listed accounts, or the organisation and its workbench OUs. */
export function admissionSettings(scenario: Scenario): Record<string, string> {
    const model = organizationModel(scenario, scenarioSeconds);
    if (!model) {
        const admitted = accountsWithRole(scenario, "workbench-account").filter(([, a]) => a.allowedOnHub);
        return { [`${PROJECT}:workbenchAccountIds`]: JSON.stringify(admitted.map(([, a]) => a.accountId)) };
    }
    const [, governance] = accountsWithRole(scenario, "license-governance")[0];
    return {
        [`${PROJECT}:organizationId`]: model.organization.id,
        [`${PROJECT}:workbenchOrganizationalUnitPaths`]: JSON.stringify(model.organization.workbenchUnits.map((key) => model.pathOfUnit(key))),
        // The reader's fixed name, set before the governance stack makes it (docs/fleet.md).
        [`${PROJECT}:membershipReaderRoleArn`]: `arn:aws:iam::${governance.accountId}:role/${membershipReaderRoleName(DEFAULT_TRUST_NAME_PREFIX)}`,
    };
}

/** The governance stack's `workbenchStackSet` setting, from the license-server stack's outputs; none without an organization. */
export function stackSetSettings(scenario: Scenario, hubOutputs: Record<string, unknown> | undefined, inventorySchedule: string): Record<string, string> {
    const model = organizationModel(scenario, scenarioSeconds);
    if (!model) return {};
    if (!hubOutputs) throw new Error("the governance stack's workbenchStackSet needs the license-server stack deployed first");
    return {
        [`${PROJECT}:workbenchStackSet`]: JSON.stringify({
            hubEventBusArn: hubOutputs[HUB_BUS_ARN_OUTPUT],
            organizationId: model.organization.id,
            organizationalUnitIds: model.organization.workbenchUnits.map((key) => model.idOf(key)),
            regions: stackSetRegions(scenario),
            inventorySchedule,
            hubInventoryWatchRoleArn: hubOutputs.inventoryWatchRoleArn,
        }),
    };
}

/** The regions the sandbox's StackSet deploys the forwarder to: every region a workbench account of the scenario runs in. */
export function stackSetRegions(scenario: Scenario): string[] {
    return [...new Set(accountsWithRole(scenario, "workbench-account").flatMap(([key]) => accountRegions(scenario, key)))];
}

/**
 * Whether a workbench account's stack is deployed before the scenario starts. Every one is (the StackSet's
 * instances of the accounts in the workbench OUs, hand-deployed stacks elsewhere, like the contractor's), except
 * an account outside the workbench OUs at the start that a move brings into them: the StackSets stand-in deploys
 * its forwarder at that move.
 */
export function deployedAtStart(scenario: Scenario, accountKey: string): boolean {
    const model = organizationModel(scenario, scenarioSeconds);
    if (!model) return true;
    const accountId = scenario.accounts[accountKey].accountId;
    const joinsLater = (scenario.moves ?? []).some((m) => m.account === accountKey && model.inWorkbenchUnits(accountId, scenarioSeconds(m.at)));
    return model.inWorkbenchUnits(accountId, 0) || !joinsLater;
}

/** Keys of the workbench accounts the hub admits at the start: in a workbench OU, or listed (`allowedOnHub`). */
export function admittedAtStart(scenario: Scenario): string[] {
    const model = organizationModel(scenario, scenarioSeconds);
    return accountsWithRole(scenario, "workbench-account")
        .filter(([, a]) => (model ? model.inWorkbenchUnits(a.accountId, 0) : a.allowedOnHub === true))
        .map(([key]) => key);
}

/**
 * Where the governance stack attaches the guardrail SCP (`workbenchGuardrails.targetIds`): the workbench OUs, as in a
 * zero-touch estate (an account that joins is covered by the move itself); without an organization, every workbench
 * account by id.
 */
export function guardrailTargets(scenario: Scenario): string[] {
    const model = organizationModel(scenario, scenarioSeconds);
    if (model) return model.organization.workbenchUnits.map((key) => model.idOf(key));
    return accountsWithRole(scenario, "workbench-account").map(([, a]) => a.accountId);
}
