/**
 * The inventory snapshot: what a workbench account's EC2 holds, sent periodically so that the hub can repair what
 * lost events left wrong (anti-entropy). Part of the workbench event contract (workbenchEvent.ts).
 *
 *   source        "licensing.workbench"
 *   detail-type   "Workbench Inventory Snapshot"
 *   detail        {
 *     "schema-version": "2",
 *     "account":        workbench account id,
 *     "region":         region the inventory covers,
 *     "snapshot-id":    one id per inventory run (SNAPSHOT_ID_PATTERN), shared by its chunks,
 *     "as-of":          ISO 8601 time taken before the first DescribeInstances call,
 *     "chunk-index":    0-based position of this chunk,
 *     "chunk-count":    number of chunks of the snapshot (the hub acts only once it holds them all),
 *     "instances":      [{ "instance-id", "ec2-state" (any EC2 state), "user-id"?, "workbench-type"? }]
 *   }
 * Every instance carrying either workbench tag key is listed once, in every state; an instance the inventory did
 * not list is, for the hub, not a workbench (terminated, or its tags removed). `user-id` / `workbench-type` are
 * present only when the tag holds a valid value.
 */
import { ACCOUNT_ID_PATTERN, INSTANCE_ID_PATTERN, REGION_PATTERN, isIsoUtcTime } from "./workbenchEvent";

/**
 * The snapshot format the inventory writes: its own version, apart from the state change's, so that either can
 * change without the other. (It began as "2", the state change's version when snapshots were added.)
 */
export const INVENTORY_SNAPSHOT_FORMAT = "2";
/** Every snapshot format the hub accepts: the current one and, after a change, the previous (docs/upgrading.md). */
export const INVENTORY_SNAPSHOT_FORMATS: readonly string[] = ["2"];

/** Every state DescribeInstances reports. */
export const EC2_INSTANCE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"] as const;
export type Ec2InstanceState = (typeof EC2_INSTANCE_STATES)[number];

export interface InventoryInstance {
    "instance-id": string;
    "ec2-state": Ec2InstanceState;
    "user-id"?: string;
    "workbench-type"?: string;
}

export interface InventorySnapshotDetail {
    "schema-version": string;
    account: string;
    region: string;
    "snapshot-id": string;
    "as-of": string;
    "chunk-index": number;
    "chunk-count": number;
    instances: InventoryInstance[];
}

export const SNAPSHOT_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
/** More chunks than this (about 200 MB of inventory) is not a real account: refused. */
export const MAX_SNAPSHOT_CHUNKS = 1000;
/**
 * Detail bytes per chunk. EventBridge refuses entries over 256 KB (source, detail-type, detail and resources
 * together); the rest of the entry is under 100 bytes, so this leaves room to spare.
 */
export const MAX_CHUNK_DETAIL_BYTES = 200_000;

/** Why a detail is not a valid inventory snapshot chunk, or undefined when it is. */
export function snapshotDetailProblem(detail: unknown): string | undefined {
    if (typeof detail !== "object" || detail === null) return "detail is not an object";
    const d = detail as Record<string, unknown>;
    if (!INVENTORY_SNAPSHOT_FORMATS.includes(d["schema-version"] as string)) return `unsupported snapshot schema-version ${JSON.stringify(d["schema-version"])}`;
    if (typeof d.account !== "string" || !ACCOUNT_ID_PATTERN.test(d.account)) return "account is not a 12-digit account id";
    if (typeof d.region !== "string" || !REGION_PATTERN.test(d.region)) return "region is not an AWS region";
    if (typeof d["snapshot-id"] !== "string" || !SNAPSHOT_ID_PATTERN.test(d["snapshot-id"])) return "snapshot-id is missing or not letters, digits and dashes";
    if (!isIsoUtcTime(d["as-of"])) return "as-of is not an ISO 8601 UTC time";
    const count = d["chunk-count"];
    const index = d["chunk-index"];
    if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > MAX_SNAPSHOT_CHUNKS) return `chunk-count must be an integer from 1 to ${MAX_SNAPSHOT_CHUNKS}`;
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= (count as number)) return "chunk-index must be an integer from 0 to chunk-count - 1";
    if (!Array.isArray(d.instances)) return "instances is not a list";
    for (const [i, entry] of d.instances.entries()) {
        const problem = instanceProblem(entry);
        if (problem) return `instances[${i}]: ${problem}`;
    }
    return undefined;
}

function instanceProblem(entry: unknown): string | undefined {
    if (typeof entry !== "object" || entry === null) return "not an object";
    const e = entry as Record<string, unknown>;
    if (typeof e["instance-id"] !== "string" || !INSTANCE_ID_PATTERN.test(e["instance-id"])) return "instance-id is not an EC2 instance id";
    if (!(EC2_INSTANCE_STATES as readonly unknown[]).includes(e["ec2-state"])) return "ec2-state is not an EC2 instance state";
    // user-id and workbench-type are checked where they are used: an invalid one only means "not a valid workbench".
    for (const field of ["user-id", "workbench-type"]) {
        if (e[field] !== undefined && typeof e[field] !== "string") return `${field} is not a string`;
    }
    return undefined;
}

/**
 * Splits one inventory into snapshot chunks whose serialized detail stays within `maxDetailBytes`: every chunk
 * names the snapshot, its position and the total, so the hub can tell a complete snapshot from a partial one. An
 * empty inventory is one chunk with no instances (it still says "nothing runs here").
 */
export function snapshotChunks(
    head: { account: string; region: string; snapshotId: string; asOf: string },
    instances: readonly InventoryInstance[],
    maxDetailBytes: number = MAX_CHUNK_DETAIL_BYTES,
): InventorySnapshotDetail[] {
    const base = (index: number, count: number, list: InventoryInstance[]): InventorySnapshotDetail => ({
        "schema-version": INVENTORY_SNAPSHOT_FORMAT,
        account: head.account,
        region: head.region,
        "snapshot-id": head.snapshotId,
        "as-of": head.asOf,
        "chunk-index": index,
        "chunk-count": count,
        instances: list,
    });
    // Envelope with the largest index and count it could have: each entry adds its JSON and a comma.
    const envelopeBytes = Buffer.byteLength(JSON.stringify(base(MAX_SNAPSHOT_CHUNKS, MAX_SNAPSHOT_CHUNKS, [])), "utf8");
    const groups: InventoryInstance[][] = [[]];
    let used = envelopeBytes;
    for (const instance of instances) {
        const bytes = Buffer.byteLength(JSON.stringify(instance), "utf8") + 1;
        if (envelopeBytes + bytes > maxDetailBytes) throw new Error(`inventory entry of ${instance["instance-id"]} alone exceeds ${maxDetailBytes} bytes`);
        if (used + bytes > maxDetailBytes) {
            groups.push([]);
            used = envelopeBytes;
        }
        groups[groups.length - 1].push(instance);
        used += bytes;
    }
    if (groups.length > MAX_SNAPSHOT_CHUNKS) throw new Error(`inventory needs ${groups.length} chunks; at most ${MAX_SNAPSHOT_CHUNKS} are accepted`);
    return groups.map((list, index) => base(index, groups.length, list));
}
