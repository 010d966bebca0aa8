/**
 * What every phase of a sandbox run shares: the scenario and its clock, the event hub everything reports to, the
 * run's bookkeeping (work in flight, the story, the tally, EC2's truth), and the real-time waits that an abort
 * (Ctrl-C) cuts short.
 */
import type { Scenario } from "../world/scenario";
import type { OrganizationModel } from "../world/organization";
import { accountRegions, instanceIdOf } from "../world/scenario";
import type { Ec2Truth } from "../world/ec2Truth";
import type { ScaledClock, WorkTracker } from "../runtime/clock";
import type { EventHub } from "../runtime/events";
import type { Story } from "../story/story";
import type { SeatEventLog } from "../story/seatEvents";
import type { RunTally } from "../story/tally";
import type { Output } from "../story/reporter";
import type { SandboxOptions } from "./options";

export interface RunContext {
    readonly scenario: Scenario;
    readonly options: SandboxOptions;
    readonly speed: number;
    readonly outDir: string;
    /** The timeline's output (the console and timeline.log). */
    readonly out: Output;
    readonly clock: ScaledClock;
    readonly hub: EventHub;
    readonly work: WorkTracker;
    readonly story: Story;
    /** The hub's seat events for people, as they reach a bus. */
    readonly seatEvents: SeatEventLog;
    readonly tally: RunTally;
    /** EC2's state and tags over scenario time: what the inventory lists (DescribeInstances). */
    readonly ec2Truth: Ec2Truth;
    readonly timers: RunTimers;
    /** Where each account is in the organisation over scenario time (scenarios with an organization). */
    readonly organization?: OrganizationModel;
}

/** The scenario's instance key of an instance id (undefined for instances the scenario does not know). */
export function instanceName(scenario: Scenario, instanceId: string | undefined): string | undefined {
    return Object.keys(scenario.instances).find((key) => instanceIdOf(scenario, key) === instanceId);
}

/**
 * The scenario's account key of an account id (the id itself for accounts the scenario does not name); with a region
 * other than the account's home region, `<key>/<region>`, so an account-region's lines say where they happened.
 */
export function accountName(scenario: Scenario, accountId: string, region?: string): string {
    const key = Object.entries(scenario.accounts).find(([, a]) => a.accountId === accountId)?.[0];
    if (key === undefined) return region === undefined ? accountId : `${accountId}/${region}`;
    return region === undefined || region === accountRegions(scenario, key)[0] ? key : `${key}/${region}`;
}

/** Thrown when the run is aborted (Ctrl-C) before it finished. */
export class SandboxAborted extends Error {
    constructor() {
        super("the sandbox run was aborted");
        this.name = "SandboxAborted";
    }
}

/** The run's real-time timers: waits that an abort ends, and timers cleared when the run closes. */
export class RunTimers {
    private readonly timers = new Set<NodeJS.Timeout>();

    constructor(readonly signal: AbortSignal | undefined) {}

    /** Throws SandboxAborted once the run was aborted. */
    abortIfRequested(): void {
        if (this.signal?.aborted) throw new SandboxAborted();
    }

    /** Waits real milliseconds; rejects with SandboxAborted on an abort. */
    sleep(ms: number): Promise<void> {
        this.abortIfRequested();
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.timers.delete(timer);
                this.signal?.removeEventListener("abort", onAbort);
                resolve();
            }, ms);
            this.timers.add(timer);
            const onAbort = () => {
                clearTimeout(timer);
                reject(new SandboxAborted());
            };
            this.signal?.addEventListener("abort", onAbort, { once: true });
        });
    }

    /** A timer cleared when the run closes. */
    setTimeout(callback: () => void, ms: number): NodeJS.Timeout {
        const timer = setTimeout(callback, ms);
        this.timers.add(timer);
        return timer;
    }

    clearAll(): void {
        for (const timer of this.timers) clearTimeout(timer);
    }
}
