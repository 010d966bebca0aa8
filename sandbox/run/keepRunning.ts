/**
 * `--keep-running`: after the scenario the system stays up, its schedules ticking, with a control endpoint that
 * fires EC2 state changes by hand (`npm run sandbox:fire`), until the run is aborted.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { eventTime } from "../runtime/clock";
import { ControlServer, FireRequest, FireResponse, startControlServer } from "../runtime/control";
import { EC2_STATES, Ec2StateName, accountRegions, instanceIdOf, instanceRegion } from "../world/scenario";
import { workbenchTagKeys } from "../world/seed";
import { RunContext, accountName } from "./context";
import { emitEc2Event } from "./play";
import type { Schedules } from "./schedules";
import type { LocalSystem } from "./start";

/** Opens the control endpoint, writes every endpoint to `<out>/endpoints.json`, restarts the schedules, waits for the abort. */
export async function keepRunning(run: RunContext, system: LocalSystem, schedules: Schedules, held: { control?: ControlServer }): Promise<void> {
    const { scenario, out, hub, clock, options, outDir } = run;
    const { services } = system;
    const control = (held.control = await startControlServer(options.controlPort ?? 0, (request) => fire(run, system, request)));
    const endpoints = {
        control: control.endpoint,
        dynamodb: services.dynamo.endpoint,
        s3: services.s3.endpoint,
        licenseManager: services.licenseManager.endpoint,
        sns: services.sns.endpoint,
        accounts: Object.fromEntries(
            [...services.accounts.values()].map(({ accountId, region, eventBridge, ssm, ec2 }) => [
                accountName(scenario, accountId, region),
                { accountId, region, eventBridge: eventBridge.endpoint, ssm: ssm.endpoint, ec2: ec2.endpoint },
            ]),
        ),
    };
    fs.writeFileSync(path.join(outDir, "endpoints.json"), `${JSON.stringify(endpoints, null, 2)}\n`);
    schedules.start();
    out("");
    out(`Still running (--keep-running). Control endpoint ${control.endpoint}; every endpoint is in ${path.join(outDir, "endpoints.json")}.`);
    out("Fire an EC2 state change by hand, e.g.:");
    out("  npm run sandbox:fire -- --account engineering --instance bob-cae --state stopped");
    out("  npm run sandbox:fire -- --account research --instance i-0123456789abcdef0 --owner judy --type cad --state running");
    out("Press Ctrl-C to stop.");
    hub.emit({ at: clock.scenarioNow(), kind: "control-ready", endpoint: control.endpoint });
    await new Promise<void>((resolve) => {
        if (options.signal?.aborted) return resolve();
        options.signal?.addEventListener("abort", () => resolve(), { once: true });
    });
}

/** A hand-fired EC2 state change (control endpoint). */
function fire(run: RunContext, system: LocalSystem, request: FireRequest): FireResponse {
    const { scenario, clock, ec2Truth } = run;
    const accountEntry = Object.entries(scenario.accounts).find(([key, a]) => key === request.account || a.accountId === request.account);
    if (!accountEntry || accountEntry[1].role !== "workbench-account") throw new Error(`account ${JSON.stringify(request.account)} is not a workbench account of the scenario`);
    const [accountKey, account] = accountEntry;
    if (!(EC2_STATES as readonly string[]).includes(request.state)) throw new Error(`state must be one of ${EC2_STATES.join(", ")}`);
    const known = Object.keys(scenario.instances).find((key) => key === request.instance || instanceIdOf(scenario, key) === request.instance);
    if (known && scenario.instances[known].account !== accountKey) throw new Error(`instance ${request.instance} runs in account ${scenario.instances[known].account}`);
    const instanceId = known ? instanceIdOf(scenario, known) : request.instance;
    if (!/^i-[0-9a-f]{8,17}$/.test(instanceId)) throw new Error(`${JSON.stringify(request.instance)} is neither an instance of the scenario nor an EC2 instance id`);
    // A scenario instance's own region, else the account's home region.
    const region = known ? instanceRegion(scenario, known) : accountRegions(scenario, accountKey)[0];
    const ec2 = system.services.in(account.accountId, region).ec2;
    if (request.owner !== undefined || request.type !== undefined) {
        const keys = workbenchTagKeys(system.stacks.find((s) => s.role === "workbench-account" && s.accountKey === accountKey && s.region === region)!);
        ec2.instances.set(instanceId, { ...(ec2.instances.get(instanceId) ?? {}), ...(request.owner !== undefined ? { [keys.owner]: request.owner } : {}), ...(request.type !== undefined ? { [keys.type]: request.type } : {}) });
    }
    if (!ec2Truth.has(instanceId)) ec2Truth.seed(account.accountId, region, instanceId, "stopped", ec2.instances.get(instanceId) ?? {});
    ec2Truth.change(instanceId, clock.scenarioNow(), request.state as Ec2StateName, ec2.instances.get(instanceId));
    // Hand-fired events happen now: later than every scenario event, whose times lie in the past.
    const now = new Date();
    const eventId = randomUUID();
    emitEc2Event(run, system.router, {
        accountKey,
        accountId: account.accountId,
        region,
        instance: known ?? instanceId,
        instanceId,
        state: request.state as Ec2StateName,
        time: now,
        occurredAt: clock.scenarioNow(),
        late: false,
        eventId,
        redelivery: false,
        manual: true,
    });
    return { accountId: account.accountId, instanceId, eventId, time: eventTime(now) };
}
