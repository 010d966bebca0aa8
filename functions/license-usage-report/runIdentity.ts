/** What started a run, when the event says (EventBridge schedule or a manual invocation with these fields). */
export interface RunTrigger {
    source?: string;
    detailType?: string;
    eventId?: string;
    time?: string;
}

/** Which run an invocation belongs to: the run id and the time its keys are named after. */
export interface RunIdentity {
    runId: string;
    runTime: Date;
    /**
     * True when taken from a scheduled EventBridge event. Lambda's retries of a failed invocation (and duplicate
     * deliveries) carry the same event, so they share this identity and overwrite one run folder.
     */
    scheduled: boolean;
}

const SCHEDULED = { source: "aws.events", detailType: "Scheduled Event" } as const;
// EventBridge's `time`: UTC, second precision (milliseconds tolerated for hand-written test events).
const EVENT_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d{1,3})?Z$/;

/** The trigger fields of an EventBridge event (or a manual test event with the same fields), bounded in length. */
export function runTriggerOf(event: unknown): RunTrigger | undefined {
    if (typeof event !== "object" || event === null) return undefined;
    const e = event as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === "string" && value.length > 0 ? value.slice(0, 256) : undefined);
    const trigger: RunTrigger = { source: text(e.source), detailType: text(e["detail-type"]), eventId: text(e.id), time: text(e.time) };
    return Object.values(trigger).some((v) => v !== undefined) ? trigger : undefined;
}

/** True when the trigger claims to be an EventBridge schedule (whether or not its id and time are usable). */
export function isScheduledTrigger(trigger: RunTrigger | undefined): boolean {
    return trigger?.source === SCHEDULED.source && trigger.detailType === SCHEDULED.detailType;
}

/** The event's `time` as a Date when it is a real UTC calendar time in the years 1000-9999, else undefined. */
export function scheduledTime(time: string | undefined): Date | undefined {
    const match = time === undefined ? null : EVENT_TIME.exec(time);
    if (!match) return undefined;
    const parsed = new Date(time!);
    // Date rolls 2026-02-30 over to March: refuse anything that does not round-trip.
    if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 19) !== match[1]) return undefined;
    const year = parsed.getUTCFullYear();
    return year >= 1000 && year <= 9999 ? parsed : undefined;
}

/**
 * A scheduled EventBridge event names the run after its scheduled `time` and `id`, so every attempt at that
 * scheduled run writes the same folder. Anything else (a manual invocation) is a run of its own, named after the
 * attempt's start time and request id.
 */
export function runIdentity(trigger: RunTrigger | undefined, requestId: string, startedAt: Date): RunIdentity {
    if (isScheduledTrigger(trigger) && trigger?.eventId) {
        const time = scheduledTime(trigger.time);
        if (time) return { runId: trigger.eventId, runTime: time, scheduled: true };
    }
    return { runId: requestId, runTime: startedAt, scheduled: false };
}
