/**
 * The CloudWatch alarms the stacks define on the handlers' own metrics, evaluated against what the handlers actually
 * emitted: the embedded-metric-format (EMF) lines Powertools writes to each function's log. So the sandbox shows an
 * alarm going off, and where its actions send it, instead of a metric nobody looks at.
 *
 * Simplified: every emitted value is compared with the threshold on its own (one datapoint per period, one
 * evaluation period), which is how the components' alarms are configured; AWS-namespace alarms (Lambda errors,
 * SQS depth) are not evaluated here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { METRICS_NAMESPACE } from "../../functions/shared/telemetry";
import type { DeployedStack } from "../world/stackConfiguration";

export interface RaisedAlarm {
    accountId: string;
    name: string;
    metricName: string;
    /** The breaching value (the largest one seen). */
    value: number;
    threshold: number;
    comparison: string;
    actions: string[];
}

interface EmfLine {
    _aws?: { CloudWatchMetrics?: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
    [field: string]: unknown;
}

const COMPARE: Record<string, (value: number, threshold: number) => boolean> = {
    GreaterThanThreshold: (v, t) => v > t,
    GreaterThanOrEqualToThreshold: (v, t) => v >= t,
    LessThanThreshold: (v, t) => v < t,
    LessThanOrEqualToThreshold: (v, t) => v <= t,
};

/** Every value of `metricName` in `namespace` with exactly these dimension values, from one account's function logs. */
export function emittedValues(logLines: readonly string[], namespace: string, metricName: string, dimensions: Record<string, string>): number[] {
    const values: number[] = [];
    for (const line of logLines) {
        if (!line.includes('"_aws"')) continue;
        let record: EmfLine;
        try {
            record = JSON.parse(line) as EmfLine;
        } catch {
            continue;
        }
        const declared = (record._aws?.CloudWatchMetrics ?? []).some(
            (m) =>
                m.Namespace === namespace &&
                m.Metrics.some((metric) => metric.Name === metricName) &&
                m.Dimensions.some((set) => set.length === Object.keys(dimensions).length && set.every((key) => record[key] === dimensions[key])),
        );
        const value = record[metricName];
        if (declared && typeof value === "number") values.push(value);
        if (declared && Array.isArray(value)) values.push(...value.filter((v): v is number => typeof v === "number"));
    }
    return values;
}

/** The alarms on the handlers' metrics (namespace LicenseOps) that the emitted values set off. */
export function raisedAlarms(stacks: readonly DeployedStack[], logsDir: string): RaisedAlarm[] {
    const raised: RaisedAlarm[] = [];
    for (const stack of stacks) {
        const alarms = stack.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.inputs.namespace === METRICS_NAMESPACE);
        if (alarms.length === 0) continue;
        const dir = path.join(logsDir, stack.accountId);
        const lines = fs.existsSync(dir)
            ? fs.readdirSync(dir).flatMap((file) => fs.readFileSync(path.join(dir, file), "utf8").split("\n"))
            : [];
        for (const alarm of alarms) {
            const { metricName, threshold, comparisonOperator, dimensions, alarmActions } = alarm.inputs;
            const breaches = COMPARE[comparisonOperator];
            if (!breaches) throw new Error(`alarm ${alarm.name}: the sandbox cannot evaluate comparison ${comparisonOperator}`);
            const breaching = emittedValues(lines, METRICS_NAMESPACE, metricName, dimensions ?? {}).filter((v) => breaches(v, threshold));
            if (breaching.length === 0) continue;
            raised.push({
                accountId: stack.accountId,
                name: String(alarm.outputs?.name ?? alarm.name),
                metricName,
                value: Math.max(...breaching),
                threshold,
                comparison: comparisonOperator,
                actions: alarmActions ?? [],
            });
        }
    }
    return raised;
}
