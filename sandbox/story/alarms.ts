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
import { SILENCE_METRIC } from "../../components/hub/inventoryWatch";
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
    for (const record of emfLines(logLines)) {
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
        const lines = logLinesOf(logsDir, stack.accountId, stack.region);
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

/** An account-region the silence alarm names: a contributor of its Metrics Insights query that breached. */
export interface SilenceContributor {
    account: string;
    region: string;
    /** The largest `InventorySilentPeriods` it was named with. */
    silentPeriods: number;
}

/** The hub's silence alarm: a Metrics Insights alarm (no namespace of its own) whose query groups by account and region. */
const SILENCE_QUERY = /FROM SCHEMA\("([^"]+)", account, region, service\) WHERE service = '([^']+)' GROUP BY account, region/;

/**
 * The contributors of the hub's silence alarm (components/hub/inventoryWatch.ts) as it stands after the watch's last
 * run: its query, `MAX(InventorySilentPeriods)` per (account, region) of the watch's service, over the datapoints of
 * that run (CloudWatch evaluates the latest period; the watch runs once a period and closes each run with
 * `SilentAccountRegions`), compared with the alarm's threshold. The last run, not any run: on a loaded machine a
 * skipped inventory tick can make an account look silent for a period or two of the compressed clock, and the
 * settled end is when every inventory has just reported. Sorted by account, then region.
 */
export function silenceContributors(stacks: readonly DeployedStack[], logsDir: string): SilenceContributor[] {
    const named: SilenceContributor[] = [];
    for (const stack of stacks) {
        for (const alarm of stack.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")) {
            const queries: Array<{ expression?: string }> = alarm.inputs.metricQueries ?? [];
            const query = queries.map((q) => SILENCE_QUERY.exec(q.expression ?? "")).find((m) => m !== null);
            if (!query) continue;
            const [, namespace, service] = query;
            const breaches = COMPARE[alarm.inputs.comparisonOperator];
            if (!breaches) throw new Error(`alarm ${alarm.name}: the sandbox cannot evaluate comparison ${alarm.inputs.comparisonOperator}`);
            let run: SilenceContributor[] = [];
            let lastRun: SilenceContributor[] = [];
            for (const line of emfLines(logLinesOf(logsDir, stack.accountId, stack.region))) {
                const declares = (metric: string) => (line._aws?.CloudWatchMetrics ?? []).some((m) => m.Namespace === namespace && m.Metrics.some((x) => x.Name === metric));
                if (line.service !== service) continue;
                const value = line[SILENCE_METRIC.name];
                if (declares(SILENCE_METRIC.name) && typeof value === "number" && breaches(value, alarm.inputs.threshold)) {
                    run.push({ account: String(line.account), region: String(line.region), silentPeriods: value });
                }
                if (declares(WATCH_RUN_METRIC)) [lastRun, run] = [run, []];
            }
            named.push(...lastRun);
        }
    }
    return named.sort((a, b) => (a.account === b.account ? a.region.localeCompare(b.region) : a.account.localeCompare(b.account)));
}

/** The metric the watch emits once at the end of every run (functions/hub-inventory-watch/watch.ts). */
const WATCH_RUN_METRIC = "SilentAccountRegions";

/** The log lines of an account-region's functions: an alarm sees the metrics of its own region only. */
function logLinesOf(logsDir: string, accountId: string, region: string): string[] {
    const dir = path.join(logsDir, accountId, region);
    return fs.existsSync(dir) ? fs.readdirSync(dir).flatMap((file) => fs.readFileSync(path.join(dir, file), "utf8").split("\n")) : [];
}

function emfLines(lines: readonly string[]): EmfLine[] {
    const records: EmfLine[] = [];
    for (const text of lines) {
        if (!text.includes('"_aws"')) continue;
        try {
            records.push(JSON.parse(text) as EmfLine);
        } catch {
            continue;
        }
    }
    return records;
}
