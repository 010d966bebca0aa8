/**
 * Silence is an alarm (#21 item 4): every workbench account-region the hub expects sends an inventory snapshot each
 * period; one that stays silent (its forwarder stack deleted, its schedule disabled, its functions throttled, its
 * account frozen) is named, per account and region, in a metric the hub's alarm watches by contributor.
 */
import type { InventoryRecord } from "../hub-shared/inventoryRecords";
import type { Telemetry } from "../shared/telemetry";
import { DepartureRelease, isAdmitted } from "../hub-assignment/departures";

export interface WatchSettings {
    /** Seconds between two inventories of one account-region (the forwarders' schedule). */
    periodSeconds: number;
    /** Periods without a complete snapshot after which an expected account-region is silent. */
    silentPeriods: number;
    /** Regions every admitted account runs workbenches in (configured); empty: only the regions seen. */
    regions: readonly string[];
    /** Accounts admitted by name (the hub configuration's admission list); empty: only the accounts seen. */
    admittedAccounts: readonly string[];
}

/** An account-region heard from in the last day is expected to keep sending, configured or not. */
export const SEEN_MEMORY_SECONDS = 86_400;

export interface SilentAccountRegion {
    account: string;
    region: string;
    /** When its last complete snapshot was taken (its as-of); undefined: never (configured, not heard from yet). */
    lastSnapshotAt?: string;
    /** Whole periods since then (or since the watch knows of it, for one never heard from: at least silentPeriods). */
    silentPeriods: number;
    expectedBecause: "configured" | "seen in the last day";
}

export interface WatchOutcome {
    expected: number;
    silent: SilentAccountRegion[];
    /** Account-regions heard from that are no longer admitted: their seats released. */
    departed: DepartureRelease[];
}

export interface WatchPorts {
    /** Every account-region's last-snapshot record (one partition, every page). */
    lastSnapshots(): Promise<InventoryRecord[]>;
    /** Releases every seat of an account-region no longer admitted, then forgets its record (it is not expected). */
    releaseDeparted(account: string, region: string, now: number): Promise<DepartureRelease>;
    /**
     * The active accounts of the workbench OUs now (organisation mode with a membership reader, membership.ts);
     * absent: admission by the configured list and regions only.
     */
    workbenchMembers?(): Promise<ReadonlySet<string>>;
}

const admissionOf = (settings: WatchSettings) => ({ accountIds: settings.admittedAccounts, regions: settings.regions });

/** The expected account-regions that sent no complete snapshot for `silentPeriods` periods. */
export function silentAccountRegions(records: readonly InventoryRecord[], settings: WatchSettings, now: number): { expected: number; silent: SilentAccountRegion[] } {
    const last = new Map(records.map((r) => [`${r.account}/${r.region}`, r]));
    const expected = new Map<string, SilentAccountRegion["expectedBecause"]>();
    for (const account of settings.admittedAccounts) for (const region of settings.regions) expected.set(`${account}/${region}`, "configured");
    for (const record of records) {
        const key = `${record.account}/${record.region}`;
        if (!isAdmitted(admissionOf(settings), record.account, record.region)) continue;
        if (!expected.has(key) && now - Date.parse(record.asOf) <= SEEN_MEMORY_SECONDS * 1000) expected.set(key, "seen in the last day");
    }
    const silent: SilentAccountRegion[] = [];
    for (const [key, because] of expected) {
        const [account, region] = key.split("/");
        const record = last.get(key);
        if (!record) {
            silent.push({ account, region, silentPeriods: settings.silentPeriods, expectedBecause: because });
            continue;
        }
        // By the snapshot's own time: when the account last looked, however late its snapshot arrived.
        const periods = Math.floor((now - Date.parse(record.asOf)) / (settings.periodSeconds * 1000));
        if (periods >= settings.silentPeriods) silent.push({ account, region, lastSnapshotAt: record.asOf, silentPeriods: periods, expectedBecause: because });
    }
    silent.sort((a, b) => (a.account === b.account ? a.region.localeCompare(b.region) : a.account.localeCompare(b.account)));
    return { expected: expected.size, silent };
}

/**
 * One watch: reads every last-snapshot record; releases the seats of each account-region heard from that is no
 * longer admitted (an account removed from the admission list, a region removed from `workbenchRegions`: leaving is
 * clean, #21 item 5); and for each silent expected account-region emits `InventorySilentPeriods` with its account
 * and region as dimensions (the alarm's contributors) and logs it; the number of silent ones is
 * `SilentAccountRegions`. Throws on AWS errors (the next period watches again).
 */
export async function watchInventories(ports: WatchPorts, settings: WatchSettings, telemetry: Telemetry, now: number = Date.now()): Promise<WatchOutcome> {
    const records = await ports.lastSnapshots();
    const members = await readMembers(ports, records, telemetry);
    const departs = (r: InventoryRecord) => !isAdmitted(admissionOf(settings), r.account, r.region) || (members !== undefined && !members.has(r.account));
    const departed: DepartureRelease[] = [];
    for (const record of records.filter(departs)) {
        departed.push(await ports.releaseDeparted(record.account, record.region, now));
    }
    const outcome = { ...silentAccountRegions(records.filter((r) => !departs(r)), settings, now), departed };
    for (const s of outcome.silent) {
        telemetry.metric("InventorySilentPeriods", s.silentPeriods, "Count", { account: s.account, region: s.region });
        telemetry.warn("workbench account-region silent: no inventory snapshot", { ...s });
    }
    telemetry.metric("SilentAccountRegions", outcome.silent.length);
    telemetry.info("inventories watched", { expected: outcome.expected, silent: outcome.silent.length });
    return outcome;
}

/**
 * The workbench OUs' members, or undefined when there is no reader or its answer cannot be trusted: a failed read
 * (throttled, access denied, the role not deployed yet) or an empty one while accounts are heard from (an OU id
 * mistyped or emptied by mistake) releases nothing; it is logged and counted (`WorkbenchMembershipUnread`), and the
 * next period reads again.
 */
async function readMembers(ports: WatchPorts, records: readonly InventoryRecord[], telemetry: Telemetry): Promise<ReadonlySet<string> | undefined> {
    if (!ports.workbenchMembers) return undefined;
    let members: ReadonlySet<string>;
    try {
        members = await ports.workbenchMembers();
    } catch (err) {
        telemetry.metric("WorkbenchMembershipUnread", 1);
        telemetry.error("workbench OU membership unread: no account released this period", { reason: err instanceof Error ? err.message : String(err) });
        return undefined;
    }
    if (members.size === 0 && records.length > 0) {
        telemetry.metric("WorkbenchMembershipUnread", 1);
        telemetry.error("workbench OUs list no active account while accounts are heard from: no account released this period", { heardFrom: records.length });
        return undefined;
    }
    return members;
}
