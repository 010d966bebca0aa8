import type { MetricUnit, Telemetry } from "../../functions/shared/telemetry";

/** Telemetry that keeps what handler logic logged and measured, for assertions. */
export class RecordingTelemetry implements Telemetry {
    readonly logs: Array<{ level: "info" | "warn" | "error"; message: string; fields?: Record<string, unknown> }> = [];
    readonly metrics: Array<{ name: string; value: number; unit: MetricUnit; dimensions?: Record<string, string> }> = [];

    info(message: string, fields?: Record<string, unknown>): void {
        this.logs.push({ level: "info", message, fields });
    }
    warn(message: string, fields?: Record<string, unknown>): void {
        this.logs.push({ level: "warn", message, fields });
    }
    error(message: string, fields?: Record<string, unknown>): void {
        this.logs.push({ level: "error", message, fields });
    }
    metric(name: string, value: number, unit: MetricUnit = "Count", dimensions?: Record<string, string>): void {
        this.metrics.push({ name, value, unit, dimensions });
    }

    /** Sum of a metric's values, optionally only those with matching dimensions. */
    total(name: string, dimensions?: Record<string, string>): number {
        return this.metrics
            .filter((m) => m.name === name && Object.entries(dimensions ?? {}).every(([k, v]) => m.dimensions?.[k] === v))
            .reduce((sum, m) => sum + m.value, 0);
    }
}
