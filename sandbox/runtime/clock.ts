/**
 * The sandbox's scaled clock. Scenario time runs `speed` times faster than real time: schedules, Lambda's retry
 * delays and the stream batching window wait `1/speed` of their real duration. Handlers themselves run at real
 * speed with the real clock, so the events the sandbox stamps (EC2 event times, schedule times) are placed in the
 * past: the scenario's last moment is a little before the run started, and the hub never sees a time from the future.
 *
 * The clock never runs ahead of the scenario's next step: the player holds it at that step's time (`holdAt`) until
 * the step has started, so on a machine slower than `speed` the scenario slows down instead of falling behind its
 * clock, and every step starts at its own scenario time. How long it was held, in real seconds, is `heldSeconds`.
 */
export class ScaledClock {
    /** Real time of scenario second 0; `start` sets it when the timeline begins. */
    realStartMs: number;
    /** The real-world time scenario second 0 corresponds to. */
    readonly epochMs: number;
    /** False until `start`: the deployment happens at scenario second 0. */
    private started = false;
    /** Real ms the clock stood still at a hold, in total (the scenario clock is real time less these, scaled). */
    private heldMs = 0;
    /** Scenario second the clock stops at until released (Infinity: not held). */
    private holdSeconds = Number.POSITIVE_INFINITY;
    /** The last hold the clock stood at: readings never fall below it (no rounding step backwards on release). */
    private floorSeconds = 0;

    constructor(
        readonly speed: number,
        /** Scenario seconds the timeline spans; the epoch is placed so that all of them lie in the past. */
        scenarioSpanSeconds: number,
        now = Date.now(),
        private readonly realNow: () => number = Date.now,
    ) {
        if (!(speed > 0)) throw new Error(`speed must be a positive number (got ${speed})`);
        this.realStartMs = now;
        // A whole minute, a couple of minutes before the span would reach the present.
        this.epochMs = Math.floor((now - (scenarioSpanSeconds + 120) * 1000) / 60_000) * 60_000;
    }

    /** Makes now scenario second 0 (the timeline starts after set-up, which takes real time). */
    start(now = this.realNow()): void {
        this.realStartMs = now;
        this.started = true;
    }

    /** Scenario seconds elapsed since the run started (never past a hold, never backwards). */
    scenarioNow(): number {
        if (!this.started) return 0;
        return Math.max(this.floorSeconds, Math.min(this.runningSeconds(), this.holdSeconds));
    }

    /**
     * Holds the clock at scenario second `seconds` (it stops there until the next `holdAt` or `release`), releasing
     * the previous hold: the clock goes on from where it stood, without a jump.
     */
    holdAt(seconds: number): void {
        const overshoot = this.runningSeconds() - this.holdSeconds;
        if (this.started && overshoot > 0) {
            this.heldMs += (overshoot * 1000) / this.speed;
            this.floorSeconds = Math.max(this.floorSeconds, this.holdSeconds);
        }
        this.holdSeconds = seconds;
    }

    /** Lets the clock run freely again (after the last step). */
    release(): void {
        this.holdAt(Number.POSITIVE_INFINITY);
    }

    /** Real seconds the clock stood still at holds so far (0 when the machine kept up with the scenario). */
    heldSeconds(): number {
        const overshoot = this.started ? Math.max(0, this.runningSeconds() - this.holdSeconds) : 0;
        return (this.heldMs + (overshoot * 1000) / this.speed) / 1000;
    }

    /** The world time of a scenario second. */
    timeAt(scenarioSeconds: number): Date {
        return new Date(this.epochMs + scenarioSeconds * 1000);
    }

    /** Real milliseconds until a scenario second (0 if already past). */
    realDelayUntil(scenarioSeconds: number): number {
        return Math.max(0, this.realStartMs + this.heldMs + (scenarioSeconds * 1000) / this.speed - this.realNow());
    }

    /** Real milliseconds a scenario duration takes. */
    scaled(scenarioMs: number): number {
        return scenarioMs / this.speed;
    }

    /** Waits a scenario duration. */
    sleep(scenarioMs: number): Promise<void> {
        return new Promise((resolve) => setTimeout(resolve, this.scaled(scenarioMs)));
    }

    /** Where the clock would be without the current hold. */
    private runningSeconds(): number {
        return ((this.realNow() - this.realStartMs - this.heldMs) * this.speed) / 1000;
    }
}

/** EventBridge's `time` format: UTC, whole seconds. */
export function eventTime(date: Date): string {
    return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** `cron(<offset>/<n> * * * ? *)`: every n minutes (the forwarders' spread inventory schedule). */
const MINUTE_STEP_CRON = /^cron\(\s*\d+\/(\d+)\s+\*\s+\*\s+\*\s+\?\s+\*\s*\)$/;

/**
 * Period of an EventBridge `rate(...)` schedule, or of a minute-step `cron(m/n * * * ? *)`, in ms; undefined for other
 * `cron(...)` expressions, which have no fixed period. (The sandbox plays a minute-step cron at its period, not at its
 * minute: its clock has no wall-clock minutes.)
 */
export function schedulePeriodMs(expression: string): number | undefined {
    const step = MINUTE_STEP_CRON.exec(expression);
    if (step) return Number(step[1]) * UNIT_MS.minute;
    const match = RATE.exec(expression);
    if (!match) return undefined;
    return Number(match[1]) * UNIT_MS[match[2].replace(/s$/, "")];
}

/**
 * Counts work in flight (event deliveries, invocations, retries waiting, stream batches waiting for their window),
 * so the sandbox knows when everything set off so far has settled.
 */
export class WorkTracker {
    private count = 0;
    private waiters: Array<() => void> = [];

    /** Tracks a promise until it settles. */
    track<T>(work: Promise<T>): Promise<T> {
        const done = this.begin();
        return work.finally(done);
    }

    /** Marks the start of a piece of work; call the returned function when it is done. */
    begin(): () => void {
        this.count++;
        let ended = false;
        return () => {
            if (ended) return;
            ended = true;
            this.count--;
            if (this.count === 0) setImmediate(() => this.wake());
        };
    }

    get busy(): boolean {
        return this.count > 0;
    }

    /** Resolves once nothing is in flight. */
    idle(): Promise<void> {
        if (this.count === 0) return Promise.resolve();
        return new Promise((resolve) => this.waiters.push(resolve));
    }

    private wake(): void {
        if (this.count > 0) return;
        this.waiters.splice(0).forEach((resolve) => resolve());
    }
}
