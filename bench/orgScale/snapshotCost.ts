/**
 * Snapshot cost against the estate's size (issue #20 item 6): on a real DynamoDB (dynalite) with the real assignment
 * and snapshot ports, the estate grows to each of `scales` account-regions (each seated through the assignment with
 * `workbenchesPerRegion` running workbenches), and at each size the same few account-regions send a complete
 * inventory snapshot; what each reconciliation asks of DynamoDB is counted at the ports (calls, items read and
 * written). dynalite keeps up here: seating 3,200 account-regions is about 10,000 events, one at a time per region.
 */
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { assignmentCatalog } from "../../components/hub/catalog";
import { assignSeats } from "../../functions/hub-assignment/assignment";
import { dynamoAssignmentPorts } from "../../functions/hub-assignment/awsPorts";
import { reconcileSnapshot } from "../../functions/hub-assignment/snapshot";
import { dynamoSnapshotPorts } from "../../functions/hub-assignment/snapshotPorts";
import type { AssignmentConfig } from "../../functions/hub-shared/config";
import { InventoryInstance, snapshotChunks } from "../../functions/shared/inventorySnapshot";
import { WORKBENCH_EVENT_SOURCE, WORKBENCH_SNAPSHOT_DETAIL_TYPE } from "../../functions/shared/workbenchEvent";
import type { Telemetry } from "../../functions/shared/telemetry";
import { startDynalite } from "../../sandbox/aws/dynalite";
import { DynamoCost, countingClient, noCost } from "../../tests/support/countingDocumentClient";
import type { Estate, Workbench } from "./estate";
import { workbenchEvent } from "./storm";

export interface SnapshotCostRow {
    accountRegions: number;
    /** Account-regions whose snapshot was measured at this size. */
    sampled: number;
    /** Per snapshot, averaged over the sample: calls per operation, items read, items written or deleted. */
    perSnapshot: { calls: Record<string, number>; itemsRead: number; itemsWritten: number };
    /** The largest and smallest items read by one snapshot of the sample (all equal when the cost is constant). */
    itemsReadRange: [number, number];
}

const quiet: Telemetry = { info() {}, warn() {}, error() {}, metric() {} };

export async function measureSnapshotCost(estate: Estate, scales: number[], workbenchesPerRegion = 3, sample = 5): Promise<SnapshotCostRow[]> {
    const dynamo = await startDynalite();
    try {
        const table = await dynamo.createHubTable();
        const config: AssignmentConfig = { tableName: table, workbenchTypes: assignmentCatalog(estate.catalog), allowedAccounts: new Set(), tombstoneRetentionSeconds: 7 * 86400, maxClockSkewSeconds: 30 };
        const portsOn = (db: DynamoDBDocumentClient) => ({ ...dynamoAssignmentPorts(db, table), ...dynamoSnapshotPorts(db, table) });
        const ports = portsOn(dynamo.documents);
        const types = Object.keys(estate.catalog.workbenchTypes);
        const startedAt = Date.now() - 3600_000;
        const workbenchesOf = (index: number): Workbench[] => {
            const { account, region } = estate.accountRegions[index];
            return Array.from({ length: workbenchesPerRegion }, (_, i) => ({
                user: `eng${index}x${i}`,
                type: types[(index + i) % types.length],
                account,
                region,
                instanceId: `i-${(index * workbenchesPerRegion + i).toString(16).padStart(17, "0")}`,
                startAt: 0,
            }));
        };
        const seat = async (index: number) => {
            for (const wb of workbenchesOf(index)) await assignSeats(workbenchEvent(wb, "running", startedAt), config, ports, quiet, Date.now());
        };
        let snapshots = 0;
        const snapshotOf = async (index: number, db: DynamoDBDocumentClient) => {
            const { account, region } = estate.accountRegions[index];
            const observed: InventoryInstance[] = workbenchesOf(index).map((wb) => ({ "instance-id": wb.instanceId, "ec2-state": "running", "user-id": wb.user, "workbench-type": wb.type }));
            const asOf = new Date(Date.now() - 1000).toISOString();
            for (const detail of snapshotChunks({ account, region, snapshotId: `bench-${++snapshots}`, asOf }, observed)) {
                const event = { version: "0", id: `snapshot-${snapshots}-${detail["chunk-index"]}`, "detail-type": WORKBENCH_SNAPSHOT_DETAIL_TYPE, source: WORKBENCH_EVENT_SOURCE, account, region, time: asOf, resources: [], detail };
                const outcome = await reconcileSnapshot(event, config, portsOn(db), quiet, Date.now());
                if (outcome.outcome !== "reconciled" || outcome.corrected !== 0) throw new Error(`snapshot of ${account}/${region} was not reconciled cleanly: ${JSON.stringify(outcome)}`);
            }
        };

        const sampled = Math.min(sample, ...scales);
        const rows: SnapshotCostRow[] = [];
        let seated = 0;
        for (const scale of [...scales].sort((a, b) => a - b)) {
            if (scale > estate.accountRegions.length) throw new Error(`the estate has ${estate.accountRegions.length} account-regions, fewer than ${scale}`);
            // Ten account-regions seated at once: each one's events in order, as its forwarder sends them.
            for (let next = seated; next < scale; next += 10) await Promise.all(Array.from({ length: Math.min(10, scale - next) }, (_, k) => seat(next + k)));
            // Not counted: the table's first snapshot looks once for an earlier release's items (a Scan in the table's
            // life), and an account-region's first has no last snapshot to read; every later one costs the same.
            if (seated === 0) for (let s = 0; s < sampled; s++) await snapshotOf(s, dynamo.documents);
            seated = scale;
            const costs: DynamoCost[] = [];
            // The same account-regions at every size, so that only the rest of the estate differs.
            for (let s = 0; s < sampled; s++) {
                const cost = noCost();
                await snapshotOf(s, countingClient(dynamo.documents, cost));
                costs.push(cost);
            }
            const calls: Record<string, number> = {};
            for (const cost of costs) for (const [name, n] of Object.entries(cost.calls)) calls[name] = (calls[name] ?? 0) + n / costs.length;
            const reads = costs.map((c) => c.itemsRead);
            rows.push({
                accountRegions: scale,
                sampled: costs.length,
                perSnapshot: { calls, itemsRead: reads.reduce((a, b) => a + b, 0) / costs.length, itemsWritten: costs.reduce((n, c) => n + c.itemsWritten, 0) / costs.length },
                itemsReadRange: [Math.min(...reads), Math.max(...reads)],
            });
        }
        return rows;
    } finally {
        await dynamo.close();
    }
}

export function formatSnapshotCost(rows: SnapshotCostRow[], workbenchesPerRegion = 3): string[] {
    const lines = [`Snapshot cost (dynalite, the real ports; ${workbenchesPerRegion} running workbenches per account-region, each snapshot of its own account-region):`];
    lines.push("  account-regions  sampled  per snapshot: items read  items written  calls");
    for (const r of rows) {
        const calls = Object.entries(r.perSnapshot.calls).sort(([a], [b]) => a.localeCompare(b)).map(([name, n]) => `${name} ${Number(n.toFixed(1))}`).join(", ");
        lines.push(`  ${String(r.accountRegions).padStart(15)}  ${String(r.sampled).padStart(7)}  ${String(r.perSnapshot.itemsRead).padStart(22)}  ${String(r.perSnapshot.itemsWritten).padStart(13)}  ${calls}`);
    }
    return lines;
}
