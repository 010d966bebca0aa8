import { randomUUID } from "node:crypto";
import { EC2_INSTANCE_STATES, Ec2InstanceState, InventoryInstance, InventorySnapshotDetail, snapshotChunks } from "../shared/inventorySnapshot";
import { INSTANCE_ID_PATTERN, WORKBENCH_EVENT_SOURCE, WORKBENCH_SNAPSHOT_DETAIL_TYPE, isValidUserId, isValidWorkbenchType } from "../shared/workbenchEvent";
import type { Telemetry } from "../shared/telemetry";
import type { WorkbenchTagKeys } from "../workbench-forwarder/forwarder";

/** One instance as DescribeInstances reports it: id, state and the workbench tags it carries. */
export interface DescribedInstance {
    instanceId: string;
    state: string;
    tags: Record<string, string>;
}

/** The AWS calls of the inventory; both throw on API errors so that the invocation fails and is retried. */
export interface InventoryPorts {
    /** Every instance carrying any of `tagKeys`, in every state, all pages; tags restricted to those keys. */
    describeTaggedInstances(tagKeys: string[]): Promise<DescribedInstance[]>;
    /** Puts one event on the account's bus; throws unless the bus accepted it. */
    publish(source: string, detailType: string, detail: InventorySnapshotDetail): Promise<void>;
}

export interface InventoryOutcome {
    snapshotId: string;
    asOf: string;
    instances: number;
    chunks: number;
}

/**
 * Lists every instance carrying a workbench tag key and sends the list to the hub as one snapshot: chunks that
 * share an id and name their position and count, so the hub acts only on a complete snapshot. `as-of` is taken
 * before the first DescribeInstances call: every state change after it is either seen by the listing or reaches
 * the hub as an event that orders after the snapshot. Only valid owner and type values are sent (the hub checks
 * them again); an instance with an invalid one is still listed, so that the hub releases what it may hold.
 */
export async function takeInventory(
    scope: { account: string; region: string },
    keys: WorkbenchTagKeys,
    ports: InventoryPorts,
    telemetry: Telemetry,
    clock: { now(): Date; newId(): string } = { now: () => new Date(), newId: randomUUID },
): Promise<InventoryOutcome> {
    const asOf = clock.now().toISOString();
    const snapshotId = clock.newId();
    const described = await ports.describeTaggedInstances([keys.ownerTagKey, keys.typeTagKey]);
    const seen = new Set<string>();
    const instances: InventoryInstance[] = [];
    for (const instance of described) {
        if (!INSTANCE_ID_PATTERN.test(instance.instanceId) || seen.has(instance.instanceId)) continue;
        if (!(EC2_INSTANCE_STATES as readonly string[]).includes(instance.state)) {
            throw new Error(`DescribeInstances reported state ${JSON.stringify(instance.state)} for ${instance.instanceId}; the snapshot would be wrong`);
        }
        seen.add(instance.instanceId);
        const owner = instance.tags[keys.ownerTagKey];
        const type = instance.tags[keys.typeTagKey];
        instances.push({
            "instance-id": instance.instanceId,
            "ec2-state": instance.state as Ec2InstanceState,
            ...(isValidUserId(owner) ? { "user-id": owner } : {}),
            ...(isValidWorkbenchType(type) ? { "workbench-type": type } : {}),
        });
    }
    const chunks = snapshotChunks({ ...scope, snapshotId, asOf }, instances);
    for (const chunk of chunks) {
        await ports.publish(WORKBENCH_EVENT_SOURCE, WORKBENCH_SNAPSHOT_DETAIL_TYPE, chunk);
    }
    telemetry.metric("InventoryInstancesListed", instances.length);
    telemetry.metric("InventoryChunksSent", chunks.length);
    telemetry.info("inventory snapshot sent", { snapshotId, asOf, instances: instances.length, chunks: chunks.length, ...scope });
    return { snapshotId, asOf, instances: instances.length, chunks: chunks.length };
}
