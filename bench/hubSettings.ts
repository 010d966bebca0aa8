/**
 * The hub's latency settings the benchmarks compare side by side: `after` is what the stacks deploy today, `before`
 * the settings before the latency work of issue #12 (a 5 s stream batching window, no debounce in the sync).
 */
import { CHANGE_MARKER_EVENT_SOURCE } from "../components/hub/definitions";
import { DEFAULT_MIN_COMMAND_INTERVAL_MS, SYNC_ENVIRONMENT } from "../functions/hub-shared/environment";
import type { LocalDeployment } from "../sandbox/world/deployment";

export type HubSettingsName = "before" | "after";

export interface HubSettings {
    /** The change marker's stream batching window. */
    batchingWindowSeconds: number;
    /** The sync's debounce: least time between one sync's commands and the next's (1: none). */
    minCommandIntervalMs: number;
}

export const HUB_SETTINGS: Record<HubSettingsName, HubSettings> = {
    before: { batchingWindowSeconds: 5, minCommandIntervalMs: 1 },
    after: { batchingWindowSeconds: CHANGE_MARKER_EVENT_SOURCE.maximumBatchingWindowInSeconds, minCommandIntervalMs: DEFAULT_MIN_COMMAND_INTERVAL_MS },
};

export function describeHubSettings(name: HubSettingsName): string {
    const s = HUB_SETTINGS[name];
    return `${name}: batching window ${s.batchingWindowSeconds} s, debounce ${s.minCommandIntervalMs > 1 ? `${s.minCommandIntervalMs} ms` : "none"}`;
}

/** Names from a comma-separated list (an environment variable), each checked. */
export function hubSettingsNames(list: string): HubSettingsName[] {
    return list.split(",").map((name) => {
        if (!(name in HUB_SETTINGS)) throw new Error(`unknown hub settings "${name}" (use ${Object.keys(HUB_SETTINGS).join(", ")})`);
        return name as HubSettingsName;
    });
}

/** Applies the settings to the sandbox's deployment (runSandbox's `adjustDeployment`). */
export function applyHubSettings(name: HubSettingsName): (deployment: LocalDeployment) => void {
    const settings = HUB_SETTINGS[name];
    return (deployment) => {
        const sync = deployment.functions.filter((f) => f.handler === "hub-sync");
        const marker = deployment.functions.filter((f) => f.handler === "hub-change-marker");
        const mappings = deployment.mappings.filter((m) => marker.some((f) => f.arn === m.functionArn));
        if (sync.length !== 1 || mappings.length !== 1) throw new Error("the deployment has not exactly one hub sync and one change-marker stream mapping");
        mappings[0].maximumBatchingWindowSeconds = settings.batchingWindowSeconds;
        sync[0].environment = { ...sync[0].environment, [SYNC_ENVIRONMENT.minCommandIntervalMs]: String(settings.minCommandIntervalMs) };
    };
}
