/** Counts what happened in a sandbox run, and keeps the refusals and the events Lambda gave up on. */
import type { SandboxEvent } from "../runtime/events";
import { detailOf, outcomeOf } from "./outcomes";
import { SNAPSHOT_ALREADY_RECONCILED } from "../../functions/hub-assignment/snapshot";

/** How often each outcome happened. */
export interface SandboxCounts {
    ec2Events: number;
    forwarded: number;
    ignoredByForwarder: number;
    rejectedByForwarder: number;
    noMatchingRule: number;
    droppedDeliveries: number;
    rejectedByHub: number;
    applied: number;
    superseded: number;
    /** Inventory snapshots the workbench accounts sent, and complete ones the hub reconciled (with their corrections). */
    inventories: number;
    snapshotsReconciled: number;
    /**
     * Snapshot chunks the hub found stale, by why: a later snapshot of the same account-region reconciled first (two
     * inventories overlapped and the later one won; the older observations change nothing), or a chunk redelivered
     * after its snapshot was reconciled. Both are the hub working as designed, not losses.
     */
    snapshotsStale: { laterReconciled: number; alreadyReconciled: number };
    inventoryCorrections: number;
    seatRowChanges: number;
    markedBatches: number;
    syncs: number;
    syncsUnchanged: number;
    listsInstalled: number;
    commandsFailed: number;
    invocations: number;
    invocationErrors: number;
    asyncRetries: number;
    sentToOnFailure: number;
}

/** An event refused on its way to the hub: by the forwarder, at delivery (bus policy, permissions) or by the hub. */
export interface Refusal {
    at: number;
    stage: "forwarder" | "delivery" | "hub";
    instanceId?: string;
    userId?: unknown;
    reason: string;
}

/** An event Lambda gave up on after its retries, sent to the function's on-failure destination. */
export interface GaveUp {
    function: string;
    accountId: string;
    destination?: string;
    error: string;
}

export class RunTally {
    readonly counts: SandboxCounts = {
        ec2Events: 0,
        forwarded: 0,
        ignoredByForwarder: 0,
        rejectedByForwarder: 0,
        noMatchingRule: 0,
        droppedDeliveries: 0,
        rejectedByHub: 0,
        applied: 0,
        superseded: 0,
        inventories: 0,
        snapshotsReconciled: 0,
        snapshotsStale: { laterReconciled: 0, alreadyReconciled: 0 },
        inventoryCorrections: 0,
        seatRowChanges: 0,
        markedBatches: 0,
        syncs: 0,
        syncsUnchanged: 0,
        listsInstalled: 0,
        commandsFailed: 0,
        invocations: 0,
        invocationErrors: 0,
        asyncRetries: 0,
        sentToOnFailure: 0,
    };
    readonly refused: Refusal[] = [];
    readonly onFailure: GaveUp[] = [];
    /** Failures of the sandbox itself: any one fails the run. */
    readonly harnessErrors: string[] = [];
    readonly warnings: string[] = [];

    readonly onEvent = (event: SandboxEvent): void => {
        const c = this.counts;
        switch (event.kind) {
            case "ec2-event":
                c.ec2Events++;
                return;
            case "no-rule":
                c.noMatchingRule++;
                return;
            case "delivery-failed":
                c.droppedDeliveries++;
                // An inventory snapshot names no single instance.
                this.refused.push({ at: event.at, stage: "delivery", instanceId: optionalString(event.event.detail["instance-id"]), userId: event.event.detail["user-id"], reason: event.reason });
                return;
            case "async-retry":
                c.asyncRetries++;
                return;
            case "async-failure":
                c.sentToOnFailure++;
                this.onFailure.push({ function: event.fn.name, accountId: event.fn.accountId, destination: event.destination, error: event.error });
                return;
            case "stream-batch":
                c.markedBatches++;
                c.seatRowChanges += event.records.length;
                return;
            case "license-server":
                if (event.ok) c.listsInstalled++;
                else c.commandsFailed++;
                return;
            case "invocation":
                this.countInvocation(event);
                return;
            case "harness-error":
                this.harnessErrors.push(event.message);
                return;
            case "warning":
                this.warnings.push(event.message);
                return;
            default:
                return;
        }
    };

    private countInvocation(event: Extract<SandboxEvent, { kind: "invocation" }>): void {
        const c = this.counts;
        c.invocations++;
        if (!event.result.ok) {
            c.invocationErrors++;
            return;
        }
        const detail = detailOf(event.event);
        const typed = outcomeOf(event.fn.handler, event.result.result, event.event);
        switch (typed.handler) {
            case "workbench-forwarder": {
                const o = typed.outcome;
                if (o.outcome === "forwarded") c.forwarded++;
                else if (o.outcome === "ignored") c.ignoredByForwarder++;
                else {
                    c.rejectedByForwarder++;
                    this.refused.push({ at: event.at, stage: "forwarder", instanceId: String(detail["instance-id"]), reason: o.reason });
                }
                return;
            }
            case "hub-assignment": {
                const o = typed.outcome;
                if (o.outcome === "rejected") {
                    c.rejectedByHub++;
                    this.refused.push({ at: event.at, stage: "hub", instanceId: String(detail["instance-id"]), userId: detail["user-id"], reason: o.reason });
                } else if (o.outcome === "applied") c.applied++;
                else c.superseded++;
                return;
            }
            case "workbench-inventory":
                c.inventories++;
                return;
            case "hub-snapshot": {
                const o = typed.outcome;
                if (o.outcome === "rejected") {
                    c.rejectedByHub++;
                    this.refused.push({ at: event.at, stage: "hub", reason: `inventory snapshot: ${o.reason}` });
                } else if (o.outcome === "reconciled") {
                    c.snapshotsReconciled++;
                    c.inventoryCorrections += o.corrected;
                } else if (o.outcome === "stale") {
                    if (o.reason === SNAPSHOT_ALREADY_RECONCILED) c.snapshotsStale.alreadyReconciled++;
                    else c.snapshotsStale.laterReconciled++;
                }
                return;
            }
            case "hub-sync":
                c.syncs++;
                if (typed.outcome.outcome === "unchanged") c.syncsUnchanged++;
                return;
            default:
                return;
        }
    }
}

function optionalString(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}
