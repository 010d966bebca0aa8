/**
 * CloudFormation StackSets' automatic deployment, as the sandbox plays it (decision 0003). The stand-in reads the
 * StackSets the governance stack declared (`autoDeployment`, and each StackSetInstance's region and target OUs) and
 * reacts to the scenario's moves between OUs as the service reacts to Organizations: an account that enters a
 * target OU gets a stack instance in every instance region; one that leaves loses them (unless
 * `retainStacksOnAccountRemoval`). No scenario step deploys anything by hand.
 *
 * What a stack instance is here: the workbench-account stack's program, run for the account under mocks at
 * deployment (as for the accounts deployed before the run), whose resources are added to the running system at the
 * move: functions in containers, buses, rules and their schedules, permissions, role policies, parameters. It is the
 * same WorkbenchAccountForwarder the StackSet's template is rendered from, but not the template itself; and as the
 * template has no first inventory at deployment (CloudFormation has no `aws.lambda.Invocation`), none is run: the
 * account's first snapshot comes at its schedule. A removed instance's rules stop matching and ticking.
 */
import { checkExpectation, ExpectationCheck } from "../story/expectations";
import { departedSeats } from "../story/outcomes";
import { describeDeployment, LocalDeployment } from "../world/deployment";
import type { AccountMove } from "../world/organization";
import { formatScenarioTime, scenarioSeconds } from "../world/scenario";
import type { DeployedStack } from "../world/stackConfiguration";
import { provision } from "../runtime/services";
import type { RunContext } from "./context";
import type { Schedules } from "./schedules";
import type { LocalSystem } from "./start";

/** A StackSet as the governance stack declared it, with its instances' regions and target OUs. */
export interface DeclaredStackSet {
    name: string;
    /** The template body and the StackSet's parameters, as declared. */
    template: { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
    parameters: Record<string, string>;
    autoDeployment: boolean;
    retainStacksOnAccountRemoval: boolean;
    instances: Array<{ region: string; organizationalUnitIds: string[] }>;
}

/** The StackSets every stack declared (in the sandbox: the governance stack's WorkbenchStackSet). */
export function declaredStackSets(stacks: DeployedStack[]): DeclaredStackSet[] {
    return stacks.flatMap((stack) => {
        const of = (type: string) => stack.resources.filter((r) => r.type === type);
        return of("aws:cloudformation/stackSet:StackSet").map((set) => {
            const name = String(set.outputs?.name ?? set.inputs.name);
            return {
                name,
                template: JSON.parse(String(set.inputs.templateBody ?? "{}")),
                parameters: { ...(set.inputs.parameters ?? {}) },
                autoDeployment: set.inputs.autoDeployment?.enabled === true,
                retainStacksOnAccountRemoval: set.inputs.autoDeployment?.retainStacksOnAccountRemoval === true,
                instances: of("aws:cloudformation/stackSetInstance:StackSetInstance")
                    .filter((i) => String(i.inputs.stackSetName) === name)
                    .map((i) => ({ region: String(i.inputs.stackSetInstanceRegion), organizationalUnitIds: [...(i.inputs.deploymentTargets?.organizationalUnitIds ?? [])] })),
            };
        });
    });
}

interface MoveTrace {
    move: AccountMove;
    accountId: string;
    forwarderRegions: string[];
    seatsReleased: number;
    /** The move took the account out of a StackSet's OUs (its seats are the silence watch's to release). */
    left: boolean;
}

/** `Fn::Sub` of a template name: the StackSet's parameters and the pseudo parameters of the account-region. */
function substitute(value: unknown, parameters: Record<string, string>, region: string, accountId: string): string | undefined {
    const template = typeof value === "string" ? value : (value as { "Fn::Sub"?: unknown } | undefined)?.["Fn::Sub"];
    if (typeof template !== "string") return undefined;
    const pseudo: Record<string, string> = { "AWS::Region": region, "AWS::AccountId": accountId, "AWS::Partition": "aws" };
    return template.replace(/\$\{([^}]+)\}/g, (_, name: string) => pseudo[name] ?? parameters[name] ?? `\${${name}}`);
}

/**
 * How the stack the stand-in deploys differs from what the StackSet's template creates in the account-region, by the
 * names of its functions, rules, custom buses and roles (decision 0001's fixed names); none when they agree.
 */
export function templateNameDifferences(set: DeclaredStackSet, region: string, accountId: string, stack: LocalDeployment): string[] {
    const resources = Object.values(set.template.Resources ?? {});
    const named = (type: string, property: string) => resources.filter((r) => r.Type === type).map((r) => substitute(r.Properties?.[property], set.parameters, region, accountId) ?? "(unnamed)").sort();
    const kinds: Array<[string, string[], string[]]> = [
        ["functions", named("AWS::Lambda::Function", "FunctionName"), stack.functions.map((f) => f.name).sort()],
        ["rules", named("AWS::Events::Rule", "Name"), stack.rules.map((r) => r.name).sort()],
        ["buses", named("AWS::Events::EventBus", "Name"), stack.buses.filter((b) => b.name !== "default").map((b) => b.name).sort()],
        ["roles", named("AWS::IAM::Role", "RoleName"), [...stack.roleTrustPolicies.keys()].map((arn) => arn.split("/").pop()!).sort()],
    ];
    return kinds.filter(([, template, deployed]) => JSON.stringify(template) !== JSON.stringify(deployed)).map(([kind, template, deployed]) => `${kind}: template ${template.join(", ") || "(none)"}, stack ${deployed.join(", ") || "(none)"}`);
}

export class StackSetsStandin {
    private readonly traces: MoveTrace[] = [];

    constructor(
        private readonly run: RunContext,
        private readonly system: LocalSystem,
        private readonly schedules: Schedules,
        /** Workbench stacks planned at deployment for accounts that join a workbench OU later. */
        private readonly pending: DeployedStack[],
    ) {
        run.hub.on((event) => {
            for (const released of departedSeats(event)) {
                const trace = this.traces.find((t) => t.left && t.accountId === released.account);
                if (trace) trace.seatsReleased += released.seatsReleased;
            }
        });
    }

    /** The service's reaction to an account moved between OUs (the move is in the organisation model from its time on). */
    async onMove(move: AccountMove): Promise<void> {
        const { scenario, organization, hub, clock } = this.run;
        if (!organization) throw new Error("moves need the scenario's organization");
        const accountId = scenario.accounts[move.account].accountId;
        const at = scenarioSeconds(move.at);
        const trace: MoveTrace = { move, accountId, forwarderRegions: [], seatsReleased: 0, left: false };
        this.traces.push(trace);
        const say = (message: string) => hub.emit({ at: clock.scenarioNow(), kind: "info", message });
        say(`Organizations: ${move.account} (${accountId}) moved to ${move.to}${move.note ? `  -- ${move.note}` : ""}`);
        for (const set of declaredStackSets(this.system.stacks).filter((s) => s.autoDeployment)) {
            for (const instance of set.instances) {
                const before = organization.underAnyOf(accountId, instance.organizationalUnitIds, at - 1e-3);
                const after = organization.underAnyOf(accountId, instance.organizationalUnitIds, at);
                if (!before && after) await this.createInstance(set, instance.region, move.account, accountId, trace, say);
                if (before && !after && !set.retainStacksOnAccountRemoval) {
                    trace.left = true;
                    const removed = this.remove(accountId, instance.region);
                    if (removed > 0) say(`StackSets: ${set.name} deletes its stack instance in ${move.account} ${instance.region}: ${removed} rules removed`);
                }
            }
        }
    }

    private async createInstance(set: DeclaredStackSet, region: string, accountKey: string, accountId: string, trace: MoveTrace, say: (message: string) => void): Promise<void> {
        if (this.system.stacks.some((s) => s.role === "workbench-account" && s.accountId === accountId && s.region === region)) return say(`StackSets: ${accountKey} ${region} already runs the forwarder (a hand-deployed stack)`);
        const stack = this.pending.find((s) => s.accountId === accountId && s.region === region);
        if (!stack) return say(`StackSets: ${set.name} would create a stack instance in ${accountKey} ${region}; the scenario gives the account no workbench in that region, so the sandbox does not play it`);
        const differences = templateNameDifferences(set, region, accountId, describeDeployment([stack]));
        if (differences.length > 0) throw new Error(`the workbench stack the sandbox would deploy for ${accountKey} ${region} is not what ${set.name}'s template creates: ${differences.join("; ")}`);
        const added = await this.add(stack);
        trace.forwarderRegions.push(region);
        say(`StackSets: ${set.name} auto-deploys a stack instance to ${accountKey} ${region}: ${added.functions.map((f) => f.name).join(", ")} and ${added.rules.length} rules`);
    }

    /** A stack's resources added to the running system, as CloudFormation creates them. */
    private async add(stack: DeployedStack): Promise<LocalDeployment> {
        const { deployment, services, runtime } = this.system;
        const added = describeDeployment([stack]);
        await provision(services, added);
        for (const fn of added.functions) runtime.deploy(fn);
        await runtime.warm();
        deployment.stacks.push(stack);
        deployment.functions.push(...added.functions);
        deployment.buses.push(...added.buses);
        deployment.rules.push(...added.rules);
        deployment.permissions.push(...added.permissions);
        deployment.parameters.push(...added.parameters);
        deployment.topics.push(...added.topics);
        for (const [role, policies] of added.rolePolicies) deployment.rolePolicies.set(role, [...(deployment.rolePolicies.get(role) ?? []), ...policies]);
        for (const [role, trust] of added.roleTrustPolicies) deployment.roleTrustPolicies.set(role, trust);
        for (const rule of added.rules.filter((r) => r.scheduleExpression)) this.schedules.add(rule);
        return added;
    }

    /** The account-region's rules leave the running system (their schedules stop ticking); returns how many. */
    private remove(accountId: string, region: string): number {
        const { rules } = this.system.deployment;
        const kept = rules.filter((r) => r.accountId !== accountId || r.region !== region);
        const removed = rules.length - kept.length;
        rules.splice(0, rules.length, ...kept);
        return removed;
    }

    /** Each move's expectation, checked. */
    checks(): ExpectationCheck[] {
        return this.traces
            .filter((t) => t.move.expect !== undefined)
            .map((t) =>
                checkExpectation(`t=${formatScenarioTime(scenarioSeconds(t.move.at))} ${t.move.account} moves to ${t.move.to}`, t.move.note, t.move.expect!, {
                    forwarderRegions: t.forwarderRegions,
                    seatsReleased: t.seatsReleased,
                }),
            );
    }
}
