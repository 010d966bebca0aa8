/**
 * Lambda's asynchronous invocation, as the bench needs it: an event either runs at once or, when the function's
 * reserved concurrency is in use, is throttled and retried by Lambda's event queue with exponential backoff (1 s
 * doubling up to 5 minutes) until it runs or is older than the function's maximum event age.
 */
import type { ScaledClock } from "./clock";

export interface AsyncFunctionOptions<E> {
    clock: ScaledClock;
    /** Undefined: no reserved concurrency (the account's pool, never reached here). */
    reservedConcurrency?: number;
    maxEventAgeMs: number;
    handler(event: E): Promise<unknown>;
}

export class AsyncFunction<E> {
    invocations = 0;
    throttles = 0;
    dropped = 0;
    errors: string[] = [];
    private running = 0;
    private readonly pending = new Set<Promise<unknown>>();

    constructor(private readonly options: AsyncFunctionOptions<E>) {}

    invoke(event: E): void {
        this.attempt(event, this.options.clock.now(), 0);
    }

    /** Resolves once no invocation runs and no throttled event waits for a retry. */
    async idle(): Promise<void> {
        while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    }

    private attempt(event: E, firstAt: number, throttled: number): void {
        const { clock, reservedConcurrency, maxEventAgeMs, handler } = this.options;
        if (reservedConcurrency !== undefined && this.running >= reservedConcurrency) {
            this.throttles++;
            const delay = Math.min(1000 * 2 ** throttled, 300_000);
            if (clock.now() + delay - firstAt > maxEventAgeMs) {
                this.dropped++;
                return;
            }
            this.track(clock.sleep(delay).then(() => this.attempt(event, firstAt, throttled + 1)));
            return;
        }
        this.running++;
        this.invocations++;
        this.track(
            handler(event)
                .catch((err) => {
                    this.errors.push(String((err as Error)?.message ?? err));
                })
                .finally(() => this.running--),
        );
    }

    private track(work: Promise<unknown>): void {
        this.pending.add(work);
        void work.finally(() => this.pending.delete(work));
    }
}
