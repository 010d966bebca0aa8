/** What a sandbox run can be told: the scenario, its speed, where its files go, and hooks for benchmarks. */
import type { Scenario } from "../world/scenario";
import type { LocalDeployment } from "../world/deployment";
import type { SandboxEvent } from "../runtime/events";
import type { Output } from "../story/reporter";

/** Scenario seconds per real second by default: the default scenario's five minutes take about five seconds. */
export const DEFAULT_SPEED = 60;

export interface SandboxOptions {
    /** A scenario, or the path of a scenario file. Default: scenarios/default.json. */
    scenario?: Scenario | string;
    /** Scenario seconds per real second. Default 60. */
    speed?: number;
    /**
     * Output directory (bundles, logs, license server files, the timeline in timeline.log). Default
     * `<repository>/.sandbox`. A run locks it: a second run on the same directory refuses to start.
     */
    outDir?: string;
    /** Where the timeline goes; null for a quiet run. Default: console.log. */
    output?: Output | null;
    /** Print every sync, also the unchanged ones. */
    verbose?: boolean;
    /** After the scenario, keep everything running (and the control endpoint open) until `signal` aborts. */
    keepRunning?: boolean;
    /** Port of the control endpoint with keepRunning. Default 0 (a free port). */
    controlPort?: number;
    /** Aborts the run (Ctrl-C); everything is shut down. */
    signal?: AbortSignal;
    /** Sees every event as it happens (e.g. a benchmark measuring latencies). */
    onEvent?: (event: SandboxEvent) => void;
    /** Names of rules to switch off, as `aws events disable-rule` would (e.g. `hub-sync-on-change`). */
    disabledRules?: string[];
    /**
     * Changes the deployment the stacks produced before anything starts, as a changed setting would (a benchmark
     * comparing settings, e.g. a stream's batching window or a function's environment).
     */
    adjustDeployment?: (deployment: LocalDeployment) => void;
}
