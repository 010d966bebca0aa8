import { expect } from "chai";
import type { SandboxEvent } from "../../sandbox/runtime/events";
import type { LocalFunction } from "../../sandbox/world/deployment";
import { TimelineReporter } from "../../sandbox/story/reporter";

const FORWARDER = { name: "license-ops-workbench-forwarder", handler: "workbench-forwarder", accountId: "111111111111" } as LocalFunction;
const INSTANCE = "i-0a1b2c3d4e5f60718";

function forwarded(state: "started" | "stopped", owner?: { user: string; type: string }): SandboxEvent {
    const detail = { "schema-version": "2", ...(owner ? { "user-id": owner.user, "workbench-type": owner.type } : {}), "workbench-state": state, "instance-id": INSTANCE };
    return { at: 65, kind: "invocation", fn: FORWARDER, event: { detail: { "instance-id": INSTANCE } }, result: { ok: true, result: { outcome: "forwarded", detail } } as never, attempt: 0, trigger: "event" };
}

describe("sandbox timeline reporter", () => {
    const lines = (verbose: boolean, events: SandboxEvent[]) => {
        const out: string[] = [];
        const reporter = new TimelineReporter((line) => out.push(line), { accountName: () => "engineering", instanceName: (id) => (id === INSTANCE ? "bob-cae" : undefined), verbose });
        events.forEach(reporter.onEvent);
        return { out, routine: reporter.takeRoutineLines() };
    };

    it("names real values for a forwarded stop, which carries no owner or type (contract version 2): never undefined", () => {
        const { out } = lines(true, [forwarded("started", { user: "bob", type: "cae-matlab" }), forwarded("stopped")]);
        expect(out).to.deep.equal([
            "t=01:05  engineering   forwarder: forwarded bob / cae-matlab started -> hub bus",
            "t=01:05  engineering   forwarder: forwarded bob-cae stopped -> hub bus",
        ]);
        expect(out.join("\n")).not.to.contain("undefined");
    });

    it("counts routine lines instead of printing them unless verbose", () => {
        expect(lines(false, [forwarded("stopped")])).to.deep.equal({ out: [], routine: 1 });
        expect(lines(true, [forwarded("stopped")]).routine).to.equal(0);
    });
});
