import { INVENTORY_WATCH_ENVIRONMENT } from "../hub-shared/environment";
import { REGION_PATTERN } from "../shared/workbenchEvent";
import type { WatchSettings } from "./watch";

/** The watch's settings from its environment (the accounts come from the hub configuration); throws when broken. */
export function watchSettingsFromEnv(env: Record<string, string | undefined>): Omit<WatchSettings, "admittedAccounts"> & { tombstoneRetentionSeconds: number } {
    const integer = (name: string) => {
        const value = Number(env[name]);
        if (!Number.isInteger(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive integer (got ${JSON.stringify(env[name])})`);
        return value;
    };
    const regions = (env[INVENTORY_WATCH_ENVIRONMENT.regions] ?? "").split(",").map((r) => r.trim()).filter(Boolean);
    for (const region of regions) if (!REGION_PATTERN.test(region)) throw new Error(`${INVENTORY_WATCH_ENVIRONMENT.regions}: ${JSON.stringify(region)} is not a region`);
    return {
        periodSeconds: integer(INVENTORY_WATCH_ENVIRONMENT.periodSeconds),
        silentPeriods: integer(INVENTORY_WATCH_ENVIRONMENT.silentPeriods),
        regions,
        tombstoneRetentionSeconds: integer(INVENTORY_WATCH_ENVIRONMENT.tombstoneRetentionSeconds),
    };
}
