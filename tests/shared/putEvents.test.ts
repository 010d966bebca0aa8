import { expect } from "chai";
import type { PutEventsCommand, PutEventsRequestEntry, PutEventsResultEntry } from "@aws-sdk/client-eventbridge";
import { putEvents } from "../../functions/shared/putEvents";

/** A PutEvents endpoint that refuses the entries `refuse` names (by Detail), call by call, as EventBridge answers. */
function fakeEventBridge(refuse: (call: number, detail: string) => boolean) {
    const calls: string[][] = [];
    return {
        calls,
        async send(command: PutEventsCommand) {
            const entries = command.input.Entries ?? [];
            calls.push(entries.map((e) => String(e.Detail)));
            const answers: PutEventsResultEntry[] = entries.map((e, i) =>
                refuse(calls.length, String(e.Detail)) ? { ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" } : { EventId: `${calls.length}-${i}` },
            );
            return { FailedEntryCount: answers.filter((a) => a.ErrorCode).length, Entries: answers, $metadata: {} };
        },
    };
}

const entries = (n: number): PutEventsRequestEntry[] => Array.from({ length: n }, (_, i) => ({ Source: "licensing.hub", DetailType: "Seat Denied", Detail: `e${i}` }));
const noWait = async () => undefined;

describe("putEvents (many entries, partial failures)", () => {
    it("sends 10 entries per call", async () => {
        const eb = fakeEventBridge(() => false);
        await putEvents(eb as any, entries(23), { sleep: noWait });
        expect(eb.calls.map((c) => c.length)).to.deep.equal([10, 10, 3]);
    });

    it("resends only the entries EventBridge refused, so an accepted event is not sent twice", async () => {
        // The first call refuses e1 and e3; the second accepts them.
        const eb = fakeEventBridge((call, detail) => call === 1 && (detail === "e1" || detail === "e3"));
        const waits: number[] = [];
        await putEvents(eb as any, entries(4), { sleep: async (ms) => void waits.push(ms) });
        expect(eb.calls).to.deep.equal([["e0", "e1", "e2", "e3"], ["e1", "e3"]]);
        expect(waits).to.deep.equal([100]);
    });

    it("fails naming how many entries stayed refused and why, after the last attempt", async () => {
        const eb = fakeEventBridge((_, detail) => detail === "e2");
        let error: Error | undefined;
        await putEvents(eb as any, entries(3), { attempts: 3, sleep: noWait }).catch((e: Error) => (error = e));
        expect(error?.message).to.equal("PutEvents refused 1 of 3 event(s) after 3 attempts: ThrottlingException (Rate exceeded)");
        expect(eb.calls).to.deep.equal([["e0", "e1", "e2"], ["e2"], ["e2"]]);
    });
});
