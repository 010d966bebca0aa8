import { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry, PutEventsResultEntry } from "@aws-sdk/client-eventbridge";

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

export interface PutEventsRetry {
    /** Calls per batch, the first included, before the entries still refused are reported. Default 3. */
    attempts?: number;
    /** Waits between calls (injected by tests). Default: 100 ms, then 200 ms, ... */
    sleep?: (ms: number) => Promise<void>;
}

/**
 * Puts many events, 10 per call. PutEvents answers 200 even when it refused some entries (throttling, an internal
 * failure): it says which in `Entries[i].ErrorCode`, in request order. Only those are sent again, with backoff, so an
 * accepted entry is never sent twice by this function; the entries still refused after the last attempt are named in
 * the error thrown (the caller's retry then sends the batch again, and consumers de-duplicate).
 */
export async function putEvents(
    events: Pick<EventBridgeClient, "send">,
    entries: readonly PutEventsRequestEntry[],
    { attempts = 3, sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)) }: PutEventsRetry = {},
): Promise<void> {
    for (let start = 0; start < entries.length; start += PUT_EVENTS_MAX_ENTRIES) {
        let pending = entries.slice(start, start + PUT_EVENTS_MAX_ENTRIES);
        let refusals: PutEventsResultEntry[] = [];
        for (let attempt = 1; pending.length > 0 && attempt <= attempts; attempt++) {
            if (attempt > 1) await sleep(100 * 2 ** (attempt - 2));
            const result = await events.send(new PutEventsCommand({ Entries: pending }));
            if ((result.FailedEntryCount ?? 0) === 0) pending = [];
            else {
                const answers = result.Entries ?? [];
                // An entry without an answer counts as refused: better sent twice than lost.
                refusals = pending.map((_, i) => answers[i] ?? { ErrorCode: "NoAnswer" }).filter((a) => a.ErrorCode);
                pending = pending.filter((_, i) => answers[i]?.ErrorCode !== undefined || answers[i] === undefined);
            }
        }
        if (pending.length > 0) {
            const codes = [...new Set(refusals.map((r) => `${r.ErrorCode}${r.ErrorMessage ? ` (${r.ErrorMessage})` : ""}`))].join(", ");
            throw new Error(`PutEvents refused ${pending.length} of ${entries.length} event(s) after ${attempts} attempts: ${codes}`);
        }
    }
}
