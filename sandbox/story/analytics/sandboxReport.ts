/** The end of `npm start`: the analytics report over what the run's stacks wrote, and its lines on the console. */
import type { LocalS3 } from "../../aws/s3rver";
import type { LocalDeployment } from "../../world/deployment";
import type { Output } from "../reporter";
import type { Scenario } from "../../world/scenario";
import { TRACKER_ENV } from "../../../components/tracking/definitions";
import { LEDGER_ENVIRONMENT } from "../../../functions/hub-shared/environment";
import { AnalyticsReport, analyticsSummaryLines, writeAnalyticsReport } from "./report";
import type { StartedWorkbench } from "./latency";

/** Writes `<out>/analytics/report.html` and prints where, with peak concurrency and seat-hours per product. */
export async function reportSandboxAnalytics(out: Output, run: { outDir: string; s3: LocalS3; deployment: LocalDeployment; latencies: number[]; scenarioLatencies: { seconds: number[]; speed: number }; title: string; description: string; scenarioEpochMs: number }): Promise<AnalyticsReport | undefined> {
    const ledger = run.deployment.functions.find((f) => f.handler === "hub-ledger");
    if (!ledger) return undefined;
    const tracker = run.deployment.functions.find((f) => f.handler === "license-usage-report");
    const report = await writeAnalyticsReport(run.outDir, {
        s3: run.s3,
        ledgerBucket: ledger.environment[LEDGER_ENVIRONMENT.ledgerBucket],
        usageReports: tracker
            ? { bucket: tracker.environment[TRACKER_ENV.bucket], prefix: tracker.environment[TRACKER_ENV.prefix] ?? "", layout: tracker.environment[TRACKER_ENV.layout] === "hive" ? "hive" : "dated" }
            : undefined,
        latencies: run.latencies,
        scenarioLatencies: run.scenarioLatencies,
        title: run.title,
        description: run.description,
        scenarioEpochMs: run.scenarioEpochMs,
    });
    out("");
    for (const line of analyticsSummaryLines(report)) out(line);
    return report;
}

/** The owner and products of a scenario instance, for the latency collector. */
export function scenarioWorkbench(scenario: Scenario, instance: string): StartedWorkbench | undefined {
    const spec = scenario.instances[instance];
    const products = spec?.type ? scenario.catalog.workbenchTypes[spec.type] : undefined;
    return spec?.owner && products ? { owner: spec.owner, products } : undefined;
}
