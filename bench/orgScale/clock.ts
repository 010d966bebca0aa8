/**
 * Time-scaled runs: virtual time runs `speed` times faster than real time. While installed, Date.now reads
 * virtual time, so the handlers' own clocks (deadlines, generations, debounce, the Run Command polling of the
 * real SSM port) are scaled with everything else; every wait goes through `sleep`, which waits 1/speed of it.
 * Work the handlers do on the CPU is not scaled: it counts `speed` times in virtual time, a pessimistic bias.
 */
export class ScaledClock {
    private readonly realNow = Date.now.bind(Date);
    private readonly realStart = this.realNow();
    private restore?: () => void;

    constructor(
        readonly speed: number,
        /** Virtual epoch ms at the moment the clock is made. */
        readonly startMs: number,
    ) {}

    now(): number {
        return this.startMs + (this.realNow() - this.realStart) * this.speed;
    }

    /** Waits `ms` of virtual time. */
    sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms) / this.speed));

    /** Waits until virtual time `ms`. */
    until(ms: number): Promise<void> {
        return this.sleep(ms - this.now());
    }

    /** Makes Date.now read virtual time until `uninstall`. */
    install(): void {
        const original = Date.now;
        Date.now = () => this.now();
        this.restore = () => (Date.now = original);
    }

    uninstall(): void {
        this.restore?.();
        this.restore = undefined;
    }
}
