/**
 * Phase 5, report: the alerts published, the run's result (the license servers' lists against the expectation,
 * the usage reports, every step's expectation), the summary on the console and the analytics report.
 */
import * as path from "node:path";
import { TRACKER_ENV } from "../../components/tracking/definitions";
import { HUB_BUS_ARN_OUTPUT } from "../../stacks/workbenchAccount";
import { raisedAlarms, silenceContributors } from "../story/alarms";
import { reportSandboxAnalytics } from "../story/analytics/sandboxReport";
import type { LatencyCollector } from "../story/analytics/latency";
import { manifestProblems, readReportFiles } from "../story/reports";
import { printSummary } from "../story/summary";
import { SANDBOX_DEPLOYMENT_ROLE_NAME } from "../world/stackConfiguration";
import { RunContext, accountName, instanceName } from "./context";
import type { SandboxResult } from "./result";
import type { LocalSystem } from "./start";
import type { HubDepartures } from "./departures";
import type { StackSetsStandin } from "./stackSets";

export interface ReportInputs {
    /** The scenario's departures (hub redeploys), whose expectations are checked with the others. */
    departures?: HubDepartures;
    /** The StackSets stand-in, whose moves' expectations are checked with the others. */
    stackSets?: StackSetsStandin;
    settled: boolean;
    logFile: string;
    latency: LatencyCollector;
    /** Real time the run started (Date.now()). */
    startedMs: number;
}

export async function report(run: RunContext, system: LocalSystem, inputs: ReportInputs): Promise<SandboxResult> {
    announceAlerts(run, system);
    const result = await collect(run, system, inputs);
    printSummary(run.out, result, Date.now() - inputs.startedMs, (id) => instanceName(run.scenario, id));
    result.analytics = await reportSandboxAnalytics(run.out, {
        outDir: run.outDir,
        s3: system.services.s3,
        deployment: system.deployment,
        latencies: inputs.latency.samples,
        scenarioLatencies: { seconds: inputs.latency.scenarioSamples, speed: run.speed },
        title: "License usage: sandbox run",
        description: `What the seat ledger and the usage reports of this run say, on the console's scenario clock (t=mm:ss, ${run.speed}x). The scenario: ${run.scenario.description}`,
        scenarioEpochMs: run.clock.epochMs,
    });
    return result;
}

/** What SNS published during the run, on the timeline. */
function announceAlerts({ hub, clock }: RunContext, { services }: LocalSystem): void {
    for (const message of services.sns.published) {
        hub.emit({ at: clock.scenarioNow(), kind: "alert", topicArn: message.TopicArn, subject: message.Subject, message: message.Message });
    }
}

async function collect(run: RunContext, system: LocalSystem, { settled, logFile, departures, stackSets }: ReportInputs): Promise<SandboxResult> {
    const { scenario, tally, story } = run;
    const { fleet, hubView, deployment, services, stacks } = system;
    const lists = fleet.lists();
    const expected = Object.fromEntries(Object.entries(scenario.expected).map(([p, users]) => [p, [...users].sort()]));
    const products = [...new Set([...Object.keys(expected), ...Object.keys(lists)])].sort();
    const mismatches = products
        .map((product) => ({ product, expected: expected[product] ?? [], actual: lists[product] ?? [] }))
        .filter((m) => JSON.stringify(m.expected) !== JSON.stringify(m.actual));
    const rows = await hubView.seatRows(lists);
    const denials = Object.fromEntries(rows.filter((r) => r.denied.length > 0).map((r) => [r.product, r.denied]));

    const reportFn = deployment.functions.find((f) => f.handler === "license-usage-report");
    const reports = reportFn
        ? await readReportFiles(services.s3, reportFn.environment[TRACKER_ENV.bucket], reportFn.environment[TRACKER_ENV.prefix] ?? "")
        : { bucket: "", prefix: "", files: {}, manifestKeys: [] };
    const reportProblems = reports.manifestKeys.flatMap((key) => manifestProblems(reports, key));
    const hubBusArn = String(stacks.find((s) => s.role === "license-server")?.outputs[HUB_BUS_ARN_OUTPUT] ?? "");
    observeSilence(run, system);
    const expectations = [...story.checks(), ...(departures?.checks() ?? []), ...(stackSets?.checks() ?? []), ...(scenario.seatEvents ? run.seatEvents.checks(scenario.seatEvents, hubBusArn) : [])];
    if (reportFn && reports.manifestKeys.length === 0) reportProblems.push("the usage report wrote no manifest");
    return {
        description: scenario.description,
        speed: run.speed,
        outDir: run.outDir,
        lists,
        expected,
        mismatches,
        denials,
        refused: tally.refused,
        onFailure: tally.onFailure,
        reports,
        reportProblems,
        licenseManager: system.licenseManager,
        alerts: [...services.sns.published],
        raisedAlarms: raisedAlarms(stacks, path.join(run.outDir, "logs")),
        counts: { ...tally.counts },
        settled,
        expectations,
        attempts: story.attempts().map((t) => ({ label: t.label, outcome: t.observation.outcome, byDeploymentRole: t.attempt.principal === SANDBOX_DEPLOYMENT_ROLE_NAME })),
        harnessErrors: [...tally.harnessErrors],
        warnings: [...tally.warnings],
        clockHeldSeconds: run.clock.heldSeconds(),
        logFile,
        ok: settled && mismatches.length === 0 && expectations.every((e) => e.ok) && tally.harnessErrors.length === 0,
    };
}

/** What the silence alarm names at the end of the run, for each rule disabled (the step's `silenceNamed`). */
function observeSilence(run: RunContext, { stacks }: LocalSystem): void {
    const named = silenceContributors(stacks, path.join(run.outDir, "logs")).map((c) => `${accountName(run.scenario, c.account)}/${c.region}`);
    for (const trace of run.story.attempts().filter((t) => t.attempt.kind === "disable-rule")) trace.observation.silenceNamed = named;
}
