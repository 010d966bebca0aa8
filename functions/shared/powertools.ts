import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit as PowertoolsUnit } from "@aws-lambda-powertools/metrics";
import { METRICS_NAMESPACE, type MetricUnit, type Telemetry } from "./telemetry";

type PowertoolsUnitValue = (typeof PowertoolsUnit)[keyof typeof PowertoolsUnit];

export { METRICS_NAMESPACE };

/**
 * Telemetry backed by Powertools for AWS Lambda: structured JSON logs, and metrics in CloudWatch embedded metric
 * format (written to the log, no PutMetricData permission needed). Call `flush` before the handler returns.
 */
export function powertoolsTelemetry(serviceName: string): Telemetry & { flush(): void } {
    const logger = new Logger({ serviceName });
    const namespace = process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE;
    const metrics = new Metrics({ namespace, serviceName });
    return {
        info: (message, fields) => logger.info(message, fields ?? {}),
        warn: (message, fields) => logger.warn(message, fields ?? {}),
        error: (message, fields) => logger.error(message, fields ?? {}),
        metric(name, value, unit: MetricUnit = "Count", dimensions) {
            if (dimensions && Object.keys(dimensions).length > 0) {
                const single = metrics.singleMetric();
                for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
                single.addMetric(name, unit as PowertoolsUnitValue, value);
            } else {
                metrics.addMetric(name, unit as PowertoolsUnitValue, value);
            }
        },
        flush: () => metrics.publishStoredMetrics(),
    };
}
