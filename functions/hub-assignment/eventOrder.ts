import { createHash } from "node:crypto";
import type { Ec2State } from "../shared/workbenchEvent";

/**
 * Lifecycle position of each EC2 state: at the same timestamp, the later state wins, so a stop reported in the
 * same second as a start ends the session rather than leaving a seat held.
 */
export const EC2_STATE_RANK: Record<Ec2State, number> = { running: 0, stopping: 1, stopped: 2, "shutting-down": 3, terminated: 4 };

/**
 * A total order of the events of one instance, as a string DynamoDB compares byte-wise in a condition:
 * event time (ms, zero-padded), then state rank, then a hash of the event id (so two distinct events never tie
 * and the outcome does not depend on arrival order). Re-applying the same event yields the same key, which the
 * update accepts, so retries are idempotent.
 *
 * The event time counts no later than `receivedAtMs`, when the hub applies the event: a time stamped ahead of the
 * hub's clock (inside the accepted skew) buys nothing. Otherwise a stop stamped a few minutes ahead would outrank,
 * and so silently discard, the genuine start that follows it. The cost: when the hub's clock lags EC2's by more
 * than an event's delivery delay, two events of the same instance arriving reordered within that lag keep their
 * arrival order instead of their EC2 order (AWS's clocks are NTP-synchronised, so the lag is milliseconds).
 */
export function eventOrderKey(ec2EventTime: string, ec2State: Ec2State, ec2EventId: string, receivedAtMs: number): string {
    const ms = Math.min(Date.parse(ec2EventTime), receivedAtMs);
    const idHash = createHash("sha256").update(ec2EventId, "utf8").digest("hex").slice(0, 16);
    return `${String(ms).padStart(15, "0")}#${EC2_STATE_RANK[ec2State]}#${idHash}`;
}
