import { INVENTORY_WATCH_ENVIRONMENT } from "../hub-shared/environment";
import { REGION_PATTERN } from "../shared/workbenchEvent";
import type { WatchSettings } from "./watch";

/** Who holds seats in organisation mode: the members of these OUs, read through this role. */
export interface MembershipSettings {
    roleArn: string;
    ouIds: string[];
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;

/** The watch's settings from its environment (the accounts come from the hub configuration); throws when broken. */
export function watchSettingsFromEnv(env: Record<string, string | undefined>): Omit<WatchSettings, "admittedAccounts"> & { tombstoneRetentionSeconds: number; membership?: MembershipSettings } {
    const integer = (name: string) => {
        const value = Number(env[name]);
        if (!Number.isInteger(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive integer (got ${JSON.stringify(env[name])})`);
        return value;
    };
    const regions = (env[INVENTORY_WATCH_ENVIRONMENT.regions] ?? "").split(",").map((r) => r.trim()).filter(Boolean);
    for (const region of regions) if (!REGION_PATTERN.test(region)) throw new Error(`${INVENTORY_WATCH_ENVIRONMENT.regions}: ${JSON.stringify(region)} is not a region`);
    const roleArn = env[INVENTORY_WATCH_ENVIRONMENT.membershipReaderRoleArn] || undefined;
    const ouIds = (env[INVENTORY_WATCH_ENVIRONMENT.workbenchOuIds] ?? "").split(",").map((id) => id.trim()).filter(Boolean);
    if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) throw new Error(`${INVENTORY_WATCH_ENVIRONMENT.membershipReaderRoleArn}: ${JSON.stringify(roleArn)} is not an IAM role ARN`);
    for (const id of ouIds) if (!OU_ID.test(id)) throw new Error(`${INVENTORY_WATCH_ENVIRONMENT.workbenchOuIds}: ${JSON.stringify(id)} is not an OU id (ou-...)`);
    if ((roleArn === undefined) !== (ouIds.length === 0)) {
        throw new Error(`${INVENTORY_WATCH_ENVIRONMENT.membershipReaderRoleArn} and ${INVENTORY_WATCH_ENVIRONMENT.workbenchOuIds} are set together or not at all`);
    }
    return {
        ...(roleArn ? { membership: { roleArn, ouIds } } : {}),
        periodSeconds: integer(INVENTORY_WATCH_ENVIRONMENT.periodSeconds),
        silentPeriods: integer(INVENTORY_WATCH_ENVIRONMENT.silentPeriods),
        regions,
        tombstoneRetentionSeconds: integer(INVENTORY_WATCH_ENVIRONMENT.tombstoneRetentionSeconds),
    };
}
