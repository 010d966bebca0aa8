/**
 * The hub table's item layout (one table, string keys `pk`/`sk`). Handlers build every key through this module, and
 * the component derives its stream filter from the same prefixes, so the layout is stated once.
 *
 *   instance item  pk INSTANCE#<account>/<region>   sk <instance-id>
 *                  latest applied EC2 event of one workbench instance (a tombstone with a TTL once stopped); one
 *                  partition per account-region, so a snapshot reads exactly its own instances (a Query)
 *   legacy item    pk INSTANCE#<account>/<region>/<instance-id>   sk STATE
 *                  the instance item of releases before 0.2.0, adopted into the partition above by the first
 *                  snapshot of its account-region (snapshotPorts.ts)
 *   inventory      pk INVENTORY   sk <account>/<region>
 *                  the last complete snapshot of an account-region (the silence watch reads them all)
 *   layout marker  pk LAYOUT   sk INSTANCE-ITEMS
 *                  written once the legacy instance items were moved (functions/hub-assignment/legacyInstances.ts)
 *   seat row       pk SEAT#<product>   sk USER#<user-id>
 *                  one (product, user) that holds a seat: workbenchCount, firstAssignedAt, instances (string set)
 *   snapshot chunk pk SNAPSHOT#<account>/<region>/<snapshot-id>   sk CHUNK#<index, 4 digits>
 *                  one chunk of a workbench account's inventory, kept (with a TTL) until the snapshot is complete
 *   change mark    pk CHANGED   sk <product>
 *                  a product whose seat rows changed since its list was last delivered: a counter the change marker
 *                  adds to, and the sync deletes (conditionally on the counter) once the list is on its server
 *   delivery       pk SYNC   sk PRODUCT#<product>
 *                  what the product's license server last confirmed (checksum, generation, target)
 *   server         pk SYNC   sk SERVER#<instance-id>
 *                  one license server's last command time, round trip and failures (its backoff)
 *   checks         pk SYNC   sk CHECKS
 *                  the deployment fingerprint every delivery was compared with, and the safety net's position
 *   generation     pk SYNC   sk GENERATION
 *                  the last generation a sync claimed, and that sync's lease (functions/hub-sync/generation.ts)
 * (`pk SYNC sk STATE`, one item with every product, was the state of earlier releases; nothing reads it now.)
 */
import { isValidUserId } from "../shared/workbenchEvent";

export const PARTITION_KEY = "pk";
export const SORT_KEY = "sk";
/** Attribute DynamoDB's TTL deletes stopped-instance tombstones by (epoch seconds). */
export const TTL_ATTRIBUTE = "expiresAt";

export const INSTANCE_PARTITION_PREFIX = "INSTANCE#";
/** Sort key of the instance items of releases before 0.2.0 (one partition per instance). */
export const LEGACY_INSTANCE_SORT_KEY = "STATE";
/** Partition of the last-snapshot records, one item per account-region. */
export const INVENTORY_PARTITION = "INVENTORY";
/** The marker saying the table's instance items are all in their account-region partitions. */
export const LAYOUT_MARKER_KEY = { pk: "LAYOUT", sk: "INSTANCE-ITEMS" } as const;
export const SEAT_PARTITION_PREFIX = "SEAT#";
export const SEAT_SORT_PREFIX = "USER#";
export const SNAPSHOT_PARTITION_PREFIX = "SNAPSHOT#";
export const SNAPSHOT_SORT_PREFIX = "CHUNK#";
/** Partition of the sync's own items (deliveries, servers, checks, generation). */
export const SYNC_PARTITION = "SYNC";
/** Partition of the change marks: one item per product whose seats changed since its last delivery. */
export const CHANGE_MARK_PARTITION = "CHANGED";
export const DELIVERY_SORT_PREFIX = "PRODUCT#";
export const SERVER_SORT_PREFIX = "SERVER#";
export const SYNC_CHECKS_KEY = { [PARTITION_KEY]: SYNC_PARTITION, [SORT_KEY]: "CHECKS" } as const;
export const SYNC_GENERATION_KEY = { [PARTITION_KEY]: SYNC_PARTITION, [SORT_KEY]: "GENERATION" } as const;

/**
 * Licensed product names: they appear in table keys, S3 keys, SSM document parameters and file names on the license
 * server, so the set is as strict as workbench types: letters, digits and `. _ -`, starting with a letter or digit.
 */
export const PRODUCT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isValidProductName(value: unknown): value is string {
    return typeof value === "string" && PRODUCT_NAME_PATTERN.test(value);
}

export interface TableKey {
    pk: string;
    sk: string;
}

/** Identifies one workbench instance across accounts and regions: `<account>/<region>/<instance-id>`. */
export function instanceRef(account: string, region: string, instanceId: string): string {
    return `${accountRegionPrefix(account, region)}${instanceId}`;
}

/** The instance item: in its account-region's partition, keyed by instance id. */
export function instanceItemKey(ref: string): TableKey {
    const { account, region, instanceId } = parseInstanceRef(ref);
    return { pk: instancePartition(account, region), sk: instanceId };
}

/** The partition holding every instance item of one account and region. */
export function instancePartition(account: string, region: string): string {
    return `${INSTANCE_PARTITION_PREFIX}${account}/${region}`;
}

/** Where releases before 0.2.0 kept an instance item. */
export function legacyInstanceItemKey(ref: string): TableKey {
    return { pk: `${INSTANCE_PARTITION_PREFIX}${ref}`, sk: LEGACY_INSTANCE_SORT_KEY };
}

/** `<account>/<region>/<instance-id>` -> its parts (account ids and region codes contain no `/`). */
export function parseInstanceRef(ref: string): { account: string; region: string; instanceId: string } {
    const [account, region, instanceId, ...rest] = ref.split("/");
    if (!account || !region || !instanceId || rest.length > 0) throw new Error(`${JSON.stringify(ref)} is not an instance ref (<account>/<region>/<instance-id>)`);
    return { account, region, instanceId };
}

/** Prefix of the refs of every instance of one account and region. */
export function accountRegionPrefix(account: string, region: string): string {
    return `${account}/${region}/`;
}

/** The record of an account-region's last complete snapshot. */
export function inventoryRecordKey(account: string, region: string): TableKey {
    return { pk: INVENTORY_PARTITION, sk: `${account}/${region}` };
}

export function snapshotPartition(account: string, region: string, snapshotId: string): string {
    return `${SNAPSHOT_PARTITION_PREFIX}${account}/${region}/${snapshotId}`;
}

export function snapshotChunkKey(account: string, region: string, snapshotId: string, index: number): TableKey {
    return { pk: snapshotPartition(account, region, snapshotId), sk: `${SNAPSHOT_SORT_PREFIX}${String(index).padStart(4, "0")}` };
}

export function seatRowKey(product: string, userId: string): TableKey {
    return { pk: `${SEAT_PARTITION_PREFIX}${product}`, sk: `${SEAT_SORT_PREFIX}${userId}` };
}

export function changeMarkKey(product: string): TableKey {
    return { pk: CHANGE_MARK_PARTITION, sk: product };
}

export function deliveryKey(product: string): TableKey {
    return { pk: SYNC_PARTITION, sk: `${DELIVERY_SORT_PREFIX}${product}` };
}

export function serverKey(instanceId: string): TableKey {
    return { pk: SYNC_PARTITION, sk: `${SERVER_SORT_PREFIX}${instanceId}` };
}

export function seatPartition(product: string): string {
    return `${SEAT_PARTITION_PREFIX}${product}`;
}

/** The (product, user) a seat row key names, or undefined when the key is not a well-formed seat row key. */
export function parseSeatRowKey(pk: unknown, sk: unknown): { product: string; userId: string } | undefined {
    if (typeof pk !== "string" || typeof sk !== "string") return undefined;
    if (!pk.startsWith(SEAT_PARTITION_PREFIX) || !sk.startsWith(SEAT_SORT_PREFIX)) return undefined;
    const product = pk.slice(SEAT_PARTITION_PREFIX.length);
    const userId = sk.slice(SEAT_SORT_PREFIX.length);
    return isValidProductName(product) && isValidUserId(userId) ? { product, userId } : undefined;
}

/**
 * A seat an instance may hold, as kept in the instance item's `seatRefs` set: `<product>#<user-id>`. Neither
 * charset contains `#`, so the split is unambiguous.
 */
export function seatRef(product: string, userId: string): string {
    return `${product}#${userId}`;
}

export function parseSeatRef(ref: string): { product: string; userId: string } {
    const at = ref.indexOf("#");
    return { product: ref.slice(0, at), userId: ref.slice(at + 1) };
}
