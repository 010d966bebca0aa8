/**
 * The largest events the workbench side puts on EventBridge: the longest names the workbench event contract admits
 * (64-character owner and type, 17-digit instance ids), and EventBridge's measure of a PutEvents entry.
 */
import type { InventoryInstance } from "../../functions/shared/inventorySnapshot";

export const LONGEST_USER_ID = `u${"x".repeat(63)}`;
export const LONGEST_WORKBENCH_TYPE = `t${"y".repeat(63)}`;

/** `count` running workbenches with the longest owner, type and instance id. */
export function longestInventory(count: number): InventoryInstance[] {
    return Array.from({ length: count }, (_, i) => ({ "instance-id": `i-${i.toString(16).padStart(17, "0")}`, "ec2-state": "running", "user-id": LONGEST_USER_ID, "workbench-type": LONGEST_WORKBENCH_TYPE }));
}

/** EventBridge's size of a PutEvents entry: 14 bytes for a Time, then the UTF-8 bytes of Source, DetailType, Detail and each resource. */
export function eventEntryBytes(entry: { Time?: unknown; Source: string; DetailType: string; Detail: string; Resources?: string[] }): number {
    const bytes = (s: string) => Buffer.byteLength(s, "utf8");
    return (entry.Time === undefined ? 0 : 14) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail) + (entry.Resources ?? []).reduce((n, r) => n + bytes(r), 0);
}
