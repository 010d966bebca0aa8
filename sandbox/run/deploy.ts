/** Phase 1, deploy: every stack's program runs under Pulumi mocks, and the deployment is read from what they registered. */
import { describeDeployment, LocalDeployment } from "../world/deployment";
import { DeployedStack, deployStacks } from "../world/stackConfiguration";
import { deployedAtStart } from "../world/organizationStacks";
import type { RunContext } from "./context";

export interface Deployed {
    stacks: DeployedStack[];
    deployment: LocalDeployment;
    /** Workbench stacks of accounts that join a workbench OU later: the StackSets stand-in deploys them then. */
    pending: DeployedStack[];
}

export async function deploy(run: RunContext, vendorCli: string): Promise<Deployed> {
    run.out("");
    run.out("Deploying the stacks: the programs `pulumi up` runs, under Pulumi mocks, one per account (a workbench account: one per region)");
    const planned = await deployStacks(run.scenario, vendorCli);
    const stacks = planned.filter((s) => s.role !== "workbench-account" || deployedAtStart(run.scenario, s.accountKey));
    const pending = planned.filter((s) => !stacks.includes(s));
    const deployment = describeDeployment(stacks);
    run.options.adjustDeployment?.(deployment);
    for (const stack of stacks) {
        const fns = deployment.functions.filter((f) => f.stack === stack.name).map((f) => f.name);
        run.out(`  ${stack.name.padEnd(22)} ${`${stack.accountId} ${stack.region} (${stack.accountKey})`.padEnd(40)} ${String(stack.resources.length).padStart(3)} resources, Lambdas: ${fns.join(", ")}`);
    }
    for (const stack of pending) run.out(`  ${stack.name.padEnd(22)} ${`${stack.accountId} (${stack.accountKey})`.padEnd(27)} not yet: the StackSet deploys it when the account joins a workbench OU`);
    return { stacks, deployment, pending };
}
