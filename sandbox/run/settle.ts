/**
 * Phase 4, settle: after the timeline, wait until nothing is in flight and the syncs saw every change, so the
 * license servers' lists are final before they are checked.
 */
import type { HubView } from "../story/hubView";
import type { TimelineReporter } from "../story/reporter";
import type { RunContext } from "./context";
import type { Schedules } from "./schedules";

/** Ticks of each recurring schedule the sandbox waits, once everything else settled, for its targets to succeed. */
const MAX_SETTLING_TICKS = 10;

export class Settler {
    /** While settling: the ids of each recurring schedule's ticks, and who to tell when one succeeded. */
    private readonly settlingTicks = new Map<string, Set<string>>();
    private syncSettled?: (ruleArn: string) => void;

    /** Starts noting which scheduled ticks succeed. */
    constructor(
        private readonly run: RunContext,
        private readonly schedules: Schedules,
        private readonly hubView: HubView,
        private readonly reporter: TimelineReporter,
    ) {
        run.hub.on((event) => {
            if (event.kind === "schedule" && event.periodMs !== undefined) this.settlingTicks.get(event.rule.arn)?.add(event.event.id);
            if (event.kind === "invocation" && event.trigger === "event" && event.result.ok) {
                const id = (event.event as { id?: string })?.id;
                for (const { rule } of this.schedules.recurring) {
                    if (id && this.settlingTicks.get(rule.arn)?.has(id)) this.syncSettled?.(rule.arn);
                }
            }
        });
    }

    /**
     * Waits until nothing is in flight and every recurring schedule's targets succeeded on a tick that fired after
     * that, and until no product is marked as changed any more (every change delivered). Gives up after
     * MAX_SETTLING_TICKS periods.
     */
    async settle(): Promise<boolean> {
        const { work, clock, timers } = this.run;
        const longest = this.schedules.longestPeriodMs;
        let settled = true;
        for (let round = 0; ; round++) {
            await work.idle();
            if (this.schedules.recurring.length === 0) break;
            // Each round has its own budget, counted once nothing else is in flight (a slow machine's backlog, e.g.
            // Lambda's retry delays, does not eat into it); the rounds are bounded too.
            if (round === MAX_SETTLING_TICKS || !(await this.ticksSucceed(Date.now() + clock.scaled(longest * MAX_SETTLING_TICKS)))) {
                settled = false;
                break;
            }
            await work.idle();
            if (!work.busy && (await this.hubView.changeMarks()).length === 0) break;
        }
        const unchanged = this.reporter.takeUnchangedSyncs();
        const routine = this.reporter.takeRoutineLines();
        const hidden = [unchanged ? `${unchanged} unchanged syncs` : "", routine ? `${routine} routine lines` : ""].filter(Boolean).join(" and ");
        this.reporter.line(
            clock.scenarioNow(),
            "",
            settled ? `settled: nothing in flight, the last sync saw every change${hidden ? ` (${hidden} not shown; --verbose shows them)` : ""}` : "NOT SETTLED: the syncs did not succeed after the last change",
        );
        timers.abortIfRequested();
        return settled;
    }

    /** Resolves true once every recurring schedule's targets succeeded on a tick fired from now on; false at the deadline. */
    private async ticksSucceed(deadline: number): Promise<boolean> {
        // A schedule disabled during the run (an allowed DisableRule) fires no more: it is not waited for.
        const pending = new Set(this.schedules.enabled().map((r) => r.rule.arn));
        if (pending.size === 0) return true;
        for (const arn of pending) this.settlingTicks.set(arn, new Set());
        let timer: NodeJS.Timeout | undefined;
        const signal = this.run.timers.signal;
        const succeeded = await new Promise<boolean>((resolve) => {
            this.syncSettled = (ruleArn) => {
                pending.delete(ruleArn);
                if (pending.size === 0) resolve(true);
            };
            timer = this.run.timers.setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
            signal?.addEventListener("abort", () => resolve(false), { once: true });
        });
        clearTimeout(timer);
        this.syncSettled = undefined;
        return succeeded;
    }
}
