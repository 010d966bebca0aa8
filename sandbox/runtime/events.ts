/**
 * What happens in the sandbox, as structured events: the router, the Lambda runtime, the stream pollers, the
 * scheduler and the license servers emit them; the console reporter prints them and the run's result counts them.
 */
import type { DynamoDBRecord } from "aws-lambda";
import type { LocalEventSourceMapping, LocalFunction, LocalRule, LocalTarget } from "../world/deployment";
import type { InvokeResult } from "./lambdaRuntime";
import type { Ec2StateName } from "../world/scenario";

/** An event as EventBridge delivers it to targets. */
export interface EventBridgeEvent {
    version: "0";
    id: string;
    "detail-type": string;
    source: string;
    account: string;
    time: string;
    region: string;
    resources: string[];
    detail: Record<string, unknown>;
}

/** One product's seats after a sync, as the license server and the seat table show them. */
export interface SeatRow {
    product: string;
    /** Users on the license server's list. */
    holding: string[];
    /** Seats the organisation owns (catalog), undefined for unlimited. */
    seats?: number;
    /** Users with a seat row the sync saw but left off the list: no seat left for them. */
    denied: string[];
    /** Users whose seat row is newer than the sync: the next sync lists them. */
    pending: string[];
}

/** An EC2 state change as the sandbox puts it on an account's default bus. */
export interface Ec2StateChangeRecord {
    accountKey: string;
    accountId: string;
    /** The region of the instance's EC2 (the default bus the event goes on). */
    region: string;
    instance: string;
    instanceId: string;
    state: Ec2StateName;
    occurredAt: number;
    /** Delivered later than it happened (a late or repeated delivery). */
    late: boolean;
    eventId: string;
    redelivery: boolean;
    manual: boolean;
    /** Forged (TimelineEntry.forged): not EC2's event; `region` the region it claims. */
    forged?: { region?: string };
    note?: string;
}

export type SandboxEvent = { at: number } & (
    | ({ kind: "ec2-event" } & Ec2StateChangeRecord)
    | { kind: "fault"; target: string; accountKey?: string; times: number; note?: string; /** change-marks: how many marks were deleted. */ marksDeleted?: number }
    /** A forgery or re-tag attempt from inside a workbench account, and what stopped it (attempts.ts). */
    | { kind: "attempt"; accountKey: string; principal: string; description: string; outcome: string; reason?: string; note?: string }
    /** An event a bus accepted, before its rules are matched. */
    | { kind: "bus-event"; accountId: string; region: string; busName: string; event: EventBridgeEvent }
    | { kind: "no-rule"; accountId: string; region: string; busName: string; event: EventBridgeEvent }
    | { kind: "cross-account"; rule: LocalRule; target: LocalTarget; event: EventBridgeEvent }
    | { kind: "delivery-failed"; rule: LocalRule; target: LocalTarget; event: EventBridgeEvent; reason: string; deadLetter?: string }
    | { kind: "schedule"; rule: LocalRule; event: EventBridgeEvent; periodMs?: number }
    | { kind: "invocation"; fn: LocalFunction; event: unknown; result: InvokeResult; attempt: number; trigger: "event" | "stream" | "deployment" }
    | { kind: "async-retry"; fn: LocalFunction; event: unknown; attempt: number; delayMs: number; error: string }
    | { kind: "async-failure"; fn: LocalFunction; event: unknown; error: string; destination?: string }
    | { kind: "stream-batch"; mapping: LocalEventSourceMapping; fn: LocalFunction; records: DynamoDBRecord[]; filteredOut: number }
    | { kind: "stream-failure"; mapping: LocalEventSourceMapping; records: DynamoDBRecord[]; error: string; destination?: string }
    | { kind: "license-server"; instanceId: string; product: string; generation: string; ok: boolean; users?: string[]; detail: string }
    | { kind: "seats"; rows: SeatRow[]; syncNumber: number }
    | { kind: "alert"; topicArn: string; subject?: string; message: string }
    | { kind: "info"; message: string }
    /** The sandbox itself failed (a stream snapshot, a seat read, an order it could not keep): the run fails. */
    | { kind: "harness-error"; message: string }
    /** Something that makes the run less faithful to its scenario without failing it (e.g. it fell behind the clock). */
    | { kind: "warning"; message: string }
    /** With keepRunning: the control endpoint is open. */
    | { kind: "control-ready"; endpoint: string }
);

export type Emit = (event: SandboxEvent) => void;

/** Distributes events to every listener (reporter, result collector, bench). */
export class EventHub {
    private readonly listeners: Array<(event: SandboxEvent) => void> = [];

    on(listener: (event: SandboxEvent) => void): void {
        this.listeners.push(listener);
    }

    readonly emit: Emit = (event) => {
        for (const listener of this.listeners) listener(event);
    };
}
