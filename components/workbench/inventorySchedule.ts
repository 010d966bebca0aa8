/**
 * When each workbench account-region takes its inventory. Every forwarder deployed at once with `rate(5 minutes)`
 * would send its snapshot in the same seconds; by default each account-region runs at its own minute of the period,
 * derived from its account and region (stable across deployments), so snapshots spread over the period (#20 item 6).
 * Plain data, no Pulumi.
 */
import { createHash } from "node:crypto";

/** Minutes between two inventories by default (the hub's `inventoryPeriodMinutes` default matches). */
export const DEFAULT_INVENTORY_PERIOD_MINUTES = 5;

/** The minute of the period (0 .. period-1) an account-region takes its inventory at. */
export function inventoryMinuteOffset(account: string, region: string, periodMinutes = DEFAULT_INVENTORY_PERIOD_MINUTES): number {
    return createHash("sha256").update(`${account}/${region}`).digest().readUInt32BE(0) % periodMinutes;
}

/** `cron(<offset>/<period> * * * ? *)`: every `periodMinutes` (a divisor of 60) at the account-region's own minute. */
export function spreadInventorySchedule(account: string, region: string, periodMinutes = DEFAULT_INVENTORY_PERIOD_MINUTES): string {
    if (!Number.isInteger(periodMinutes) || periodMinutes < 1 || 60 % periodMinutes !== 0) throw new Error(`an inventory period of ${periodMinutes} minutes does not divide the hour`);
    return `cron(${inventoryMinuteOffset(account, region, periodMinutes)}/${periodMinutes} * * * ? *)`;
}
