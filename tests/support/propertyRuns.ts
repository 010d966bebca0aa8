import type { Parameters } from "fast-check";

/**
 * fast-check parameters for the property tests: `FC_SEED` (and `FC_PATH`) replay a reported failure, `FC_RUNS`
 * overrides the number of runs (e.g. a soak of thousands). fast-check reports the seed and path of every failure in
 * its message; `verbose` adds the failing run's own error, so a harness fault is seen as itself.
 */
export function propertyRuns<T>(numRuns: number): Parameters<T> {
    const seed = process.env.FC_SEED;
    return {
        numRuns: process.env.FC_RUNS ? Number(process.env.FC_RUNS) : numRuns,
        ...(seed !== undefined ? { seed: Number(seed), path: process.env.FC_PATH } : {}),
        verbose: 1,
    };
}

/** Wall-clock budget per property run for the test's timeout: a guard against a hang, not a performance limit. */
const HANG_GUARD_MS_PER_RUN = 3000;

/**
 * The mocha timeout of a property test of `numRuns` runs (or FC_RUNS): proportional to the runs, so a loaded machine
 * (measured: 200 runs took 112 s with the machine's load average at 20) fails only on a hang, never on slowness.
 */
export function propertyTimeoutMs(numRuns: number): number {
    return (process.env.FC_RUNS ? Number(process.env.FC_RUNS) : numRuns) * HANG_GUARD_MS_PER_RUN;
}
