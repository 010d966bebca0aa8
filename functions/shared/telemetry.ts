/** Logging and metrics as handler logic sees them, so the logic can be tested without Powertools or CloudWatch. */
/** Default CloudWatch namespace of every metric the handlers publish (override: POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = "LicenseOps";

export type MetricUnit = "Count" | "Milliseconds" | "Seconds" | "Percent" | "None";

export interface Telemetry {
    info(message: string, fields?: Record<string, unknown>): void;
    warn(message: string, fields?: Record<string, unknown>): void;
    error(message: string, fields?: Record<string, unknown>): void;
    /** Records a metric value, optionally with dimensions (e.g. `{ Product: "matlab" }`). */
    metric(name: string, value: number, unit?: MetricUnit, dimensions?: Record<string, string>): void;
}

/** Truncated, JSON-quoted rendering of an untrusted value for a log line (never the raw string). */
export function describeUntrusted(value: unknown, max = 80): string {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}
