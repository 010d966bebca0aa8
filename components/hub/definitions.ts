/**
 * What the LicenseServerHub deploys, as plain data: the table's keys, the stream filter, the default schedule and
 * the environment each handler reads. The component builds its resources from these, and the local sandbox
 * imports them to route events, stream records and schedules exactly as deployed. No Pulumi import here.
 */
import { PARTITION_KEY, SEAT_PARTITION_PREFIX, SORT_KEY, TTL_ATTRIBUTE } from "../../functions/hub-shared/tableKeys";
import { workbenchEventPattern } from "../../functions/shared/workbenchEvent";
import { SEAT_CHANGE_EVENT } from "../../functions/hub-change-marker/seatChangeEvent";

export { ASSIGNMENT_ENVIRONMENT, CHANGE_MARKER_ENVIRONMENT, SYNC_ENVIRONMENT } from "../../functions/hub-shared/environment";

/** The hub table: one table, string partition and sort keys, TTL on stopped-instance tombstones. */
export const HUB_TABLE = {
    keySchema: [
        { attributeName: PARTITION_KEY, keyType: "HASH" },
        { attributeName: SORT_KEY, keyType: "RANGE" },
    ],
    attributes: [
        { name: PARTITION_KEY, type: "S" },
        { name: SORT_KEY, type: "S" },
    ],
    ttlAttribute: TTL_ATTRIBUTE,
    /** The change marker needs to know a seat row appeared or disappeared; both images help when debugging. */
    streamViewType: "NEW_AND_OLD_IMAGES",
} as const;

/**
 * Lambda event-filter pattern of the change marker's event source mapping: only a seat row being created or
 * deleted changes a user list (MODIFY only moves a workbench count; instance and sync items are not seats).
 */
export function seatChangeStreamFilter(): Record<string, unknown> {
    return {
        eventName: ["INSERT", "REMOVE"],
        dynamodb: { Keys: { [PARTITION_KEY]: { S: [{ prefix: SEAT_PARTITION_PREFIX }] } } },
    };
}

/** EventBridge pattern of the hub bus rule that feeds the assignment Lambda. */
export function hubBusPattern(): Record<string, unknown> {
    return workbenchEventPattern();
}

/**
 * EventBridge pattern of the hub bus rule that runs the sync when the change marker announces a seat change
 * (`syncOnChange`). Only the hub's own account: the bus also admits the workbench accounts' events.
 */
export function seatChangeEventPattern(hubAccountId: string): Record<string, unknown> {
    return { source: [SEAT_CHANGE_EVENT.source], "detail-type": [SEAT_CHANGE_EVENT.detailType], account: [hubAccountId] };
}

/** How often the sync compares the change marker with what it last delivered. */
export const DEFAULT_SYNC_SCHEDULE = "rate(1 minute)";

/**
 * Stopped-instance tombstones outlive every retry of a late start: EventBridge retries a target for 24 h and
 * Lambda retries an asynchronous event for up to 6 h, on each of the two hops (workbench account, hub). Starts
 * older than the retention are refused, so a forgotten stop can never be overtaken.
 */
export const DEFAULT_TOMBSTONE_RETENTION_DAYS = 7;
export const MIN_TOMBSTONE_RETENTION_DAYS = 3;

/** Change-marker event source mapping settings. */
export const CHANGE_MARKER_EVENT_SOURCE = {
    batchSize: 100,
    /**
     * No batching window: each change is marked as soon as Lambda reads the stream (about 4 polls a second per shard),
     * and the sync's debounce (one command per product per second) coalesces a login storm. The former 5 s window
     * cost 5 s on every change (docs/operations.md, latency).
     */
    maximumBatchingWindowInSeconds: 0,
    /** Re-read old records when the mapping is (re)created: a spurious marker write only costs a sync. */
    startingPosition: "TRIM_HORIZON",
    bisectBatchOnFunctionError: true,
    functionResponseTypes: ["ReportBatchItemFailures"],
    /** The write is idempotent and cheap; retrying hard keeps a throttled marker from missing a change. */
    maximumRetryAttempts: 100,
    maximumRecordAgeInSeconds: 86400,
} as const;
