/**
 * Plays the scenario's departures (world/departures.ts): each is a license-server redeploy planned at deployment
 * (the stack's program run again under mocks with the account left out, as `pulumi up` would run it) and applied at
 * its time: the new hub configuration object written, the hub functions' environment pointed at its key (their
 * next invocations cold-start with it), the hub bus policy replaced. What the silence watch then releases for the
 * account is the departure's observation, checked against its `expect`.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { checkExpectation, ExpectationCheck } from "../story/expectations";
import { departedSeats } from "../story/outcomes";
import { describeDeployment, LocalDeployment } from "../world/deployment";
import type { Departure } from "../world/departures";
import { formatScenarioTime, Scenario, scenarioSeconds } from "../world/scenario";
import { deployStacks } from "../world/stackConfiguration";
import type { RunContext } from "./context";
import type { LocalSystem } from "./start";

/** A departure and the deployment `pulumi up` makes with it (and every earlier one) applied. */
export interface PlannedRedeploy {
    departure: Departure;
    accountId: string;
    deployment: LocalDeployment;
}

/** Each departure's redeploy, in time order; none (and no extra stack runs) without departures. */
export async function planRedeploys(scenario: Scenario, vendorCli: string): Promise<PlannedRedeploy[]> {
    const planned: PlannedRedeploy[] = [];
    const gone = new Set<string>();
    for (const departure of [...(scenario.departures ?? [])].sort((a, b) => scenarioSeconds(a.at) - scenarioSeconds(b.at))) {
        gone.add(departure.account);
        const accounts = Object.fromEntries(Object.entries(scenario.accounts).map(([key, a]) => [key, gone.has(key) ? { ...a, allowedOnHub: false } : a]));
        const deployment = describeDeployment(await deployStacks({ ...scenario, accounts }, vendorCli));
        planned.push({ departure, accountId: scenario.accounts[departure.account].accountId, deployment });
    }
    return planned;
}

interface DepartureTrace {
    planned: PlannedRedeploy;
    /** Seat holders the silence watch released for the account after the redeploy. */
    seatsReleased: number;
    applied: boolean;
}

export class HubDepartures {
    private readonly traces: DepartureTrace[];

    constructor(
        private readonly run: RunContext,
        planned: PlannedRedeploy[],
    ) {
        this.traces = planned.map((p) => ({ planned: p, seatsReleased: 0, applied: false }));
        run.hub.on((event) => {
            for (const released of departedSeats(event)) {
                const trace = this.traces.find((t) => t.applied && t.planned.accountId === released.account);
                if (trace) trace.seatsReleased += released.seatsReleased;
            }
        });
    }

    /** The redeploy of this departure, applied to the running system as `pulumi up` would. */
    async apply(departure: Departure, system: LocalSystem): Promise<void> {
        const trace = this.traces.find((t) => t.planned.departure === departure);
        if (!trace) throw new Error(`no redeploy was planned for the departure of ${departure.account}`);
        const { deployment, services, runtime } = system;
        const after = trace.planned.deployment;
        const hubStack = (d: LocalDeployment) => d.functions.filter((f) => f.stack === "license-server");
        for (const object of after.objects.filter((o) => !deployment.objects.some((old) => old.bucket === o.bucket && old.key === o.key))) {
            await services.s3.client.send(new PutObjectCommand({ Bucket: object.bucket, Key: object.key, Body: object.content, ContentType: object.contentType }));
            deployment.objects.push(object);
        }
        const updated: string[] = [];
        for (const fn of hubStack(after)) {
            const old = deployment.functions.find((f) => f.arn === fn.arn);
            if (!old || JSON.stringify(old.environment) === JSON.stringify(fn.environment)) continue;
            runtime.updateConfiguration(fn.arn, fn.environment);
            old.environment = fn.environment;
            updated.push(fn.name);
        }
        const hubAccount = hubStack(after)[0]?.accountId;
        for (const bus of after.buses.filter((b) => b.accountId === hubAccount)) {
            const old = deployment.buses.find((b) => b.arn === bus.arn);
            if (old) old.policy = bus.policy;
        }
        trace.applied = true;
        const { hub, clock } = this.run;
        hub.emit({
            at: clock.scenarioNow(),
            kind: "info",
            message: `hub redeployed without ${departure.account} (${trace.planned.accountId}) in its admitted accounts: new configuration for ${updated.length} functions (${updated.join(", ")}), hub bus policy replaced${departure.note ? `  -- ${departure.note}` : ""}`,
        });
    }

    /** Each departure's expectation, checked. */
    checks(): ExpectationCheck[] {
        return this.traces
            .filter((t) => t.planned.departure.expect !== undefined)
            .map((t) => {
                const d = t.planned.departure;
                return checkExpectation(`t=${formatScenarioTime(scenarioSeconds(d.at))} ${d.account} leaves the admitted set`, d.note, d.expect!, { seatsReleased: t.seatsReleased });
            });
    }
}
