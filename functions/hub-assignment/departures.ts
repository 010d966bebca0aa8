/**
 * Leaving is clean (#21 item 5): when an account (or a region) is no longer admitted, the seats its workbenches hold
 * are released, as if each had stopped at that moment, and the release is logged. Without it they would stay held,
 * keeping their seniority, since the account can no longer send the stops (the hub refuses its events).
 *
 * The hook any hub function can call with the admission it read (the silence watch calls it every period; the sync
 * could call it before computing lists); it reads only the departed account-region's own partition.
 */
import type { Telemetry } from "../shared/telemetry";
import { AssignmentPorts, InstanceState, InstanceUpdate, applyUpdate } from "./assignment";
import { eventOrderKey } from "./eventOrder";

/** Who may hold seats: accounts by name (empty: every account the bus admits), regions (empty: every region). */
export interface Admission {
    accountIds: readonly string[];
    regions: readonly string[];
}

export function isAdmitted(admission: Admission, account: string, region: string): boolean {
    return (admission.accountIds.length === 0 || admission.accountIds.includes(account)) && (admission.regions.length === 0 || admission.regions.includes(region));
}

export interface DeparturePorts extends AssignmentPorts {
    /** Instance items of one account-region (its partition). */
    instancesOf(account: string, region: string): Promise<InstanceState[]>;
}

export interface DepartureRelease {
    account: string;
    region: string;
    /** Instances that held seats and were stopped. */
    instancesStopped: number;
    seatsReleased: number;
}

/**
 * Stops every started instance of a departed account-region at `now` (an observation ordered like an event at that
 * time, so anything the account sent before is overtaken) and releases its seats; logs and counts the release.
 */
export async function releaseDepartedAccountRegion(
    account: string,
    region: string,
    ports: DeparturePorts,
    tombstoneRetentionSeconds: number,
    telemetry: Telemetry,
    now: number = Date.now(),
): Promise<DepartureRelease> {
    const at = new Date(now).toISOString();
    const eventId = `departed/${account}/${region}/${at}`;
    let instancesStopped = 0;
    let seatsReleased = 0;
    for (const instance of await ports.instancesOf(account, region)) {
        if (instance.state !== "started") continue;
        const update: InstanceUpdate = {
            ref: instance.ref,
            orderKey: eventOrderKey(at, "terminated", eventId, now),
            state: "stopped",
            products: [],
            ec2State: "terminated",
            ec2EventTime: at,
            ec2EventId: eventId,
            seatRefs: [],
            expiresAt: Math.floor(now / 1000) + tombstoneRetentionSeconds,
        };
        const { released } = await applyUpdate(update, ports);
        instancesStopped++;
        seatsReleased += released;
    }
    const release = { account, region, instancesStopped, seatsReleased };
    if (seatsReleased > 0) telemetry.metric("DepartedSeatsReleased", seatsReleased);
    telemetry.warn("account-region no longer admitted: its seats released", { ...release });
    return release;
}
