/** Phase 1, deploy: every stack's program runs under Pulumi mocks, and the deployment is read from what they registered. */
import { describeDeployment, LocalDeployment } from "../world/deployment";
import { DeployedStack, deployStacks } from "../world/stackConfiguration";
import type { RunContext } from "./context";

export interface Deployed {
    stacks: DeployedStack[];
    deployment: LocalDeployment;
}

export async function deploy(run: RunContext, vendorCli: string): Promise<Deployed> {
    run.out("");
    run.out("Deploying the stacks: the programs `pulumi up` runs, under Pulumi mocks, one per account (a workbench account: one per region)");
    const stacks = await deployStacks(run.scenario, vendorCli);
    const deployment = describeDeployment(stacks);
    run.options.adjustDeployment?.(deployment);
    for (const stack of stacks) {
        const fns = deployment.functions.filter((f) => f.stack === stack.name).map((f) => f.name);
        run.out(`  ${stack.name.padEnd(22)} ${`${stack.accountId} ${stack.region} (${stack.accountKey})`.padEnd(40)} ${String(stack.resources.length).padStart(3)} resources, Lambdas: ${fns.join(", ")}`);
    }
    return { stacks, deployment };
}
