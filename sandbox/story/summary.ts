/** The end of a sandbox run on the console: report files, alerts, counts, refusals and the final check. */
import * as path from "node:path";
import type { Output } from "./reporter";
import type { SandboxResult } from "../run/result";
import { parseCsvObjects } from "./csvRead";
import { AttemptOutcome, isRefusal } from "../world/attempts";
import type { SandboxCounts } from "./tally";

/** Real seconds of clock holds worth a line: below it, the machine kept up with the speed. */
const CLOCK_HELD_NOTE_SECONDS = 1;

export function printSummary(out: Output, result: SandboxResult, durationMs: number, instanceName: (instanceId: string | undefined) => string | undefined): void {
    const c = result.counts;
    out("");
    out(`Usage reports written to s3://${result.reports.bucket}/${result.reports.prefix}:`);
    for (const key of Object.keys(result.reports.files)) out(`  ${key}`);
    out(`  ${result.reportProblems.length === 0 ? "complete: every manifest lists every file of its run" : `INCOMPLETE: ${result.reportProblems.join("; ")}`}`);
    printReceivedLicenses(out, result);
    if (result.alerts.length > 0) {
        out("");
        out("Alerts published:");
        for (const alert of result.alerts) out(`  ${alert.TopicArn.split(":").pop()}: ${alert.Subject ?? ""}`);
    }
    if (result.raisedAlarms.length > 0) {
        out("");
        out("Alarms set off by the handlers' metrics (evaluated on what they emitted):");
        for (const alarm of result.raisedAlarms) {
            const actions = alarm.actions.map((a) => a.split(":").pop()).join(", ") || "NO ACTIONS: nobody is told";
            out(`  ${alarm.name} (${alarm.accountId}): ${alarm.metricName} ${alarm.value} ${alarm.comparison.replace(/Threshold$/, "")} ${alarm.threshold} -> ${actions}`);
        }
    }
    out("");
    out("Summary:");
    out(`  EC2 events ${c.ec2Events} (no rule matched ${c.noMatchingRule}); forwarder: forwarded ${c.forwarded}, ignored ${c.ignoredByForwarder}, rejected ${c.rejectedByForwarder}`);
    out(`  deliveries dropped (bus policy, permissions) ${c.droppedDeliveries}; hub assignment: applied ${c.applied}, superseded ${c.superseded}, rejected ${c.rejectedByHub}`);
    out(`  inventory snapshots sent ${c.inventories}; complete ones reconciled by the hub ${c.snapshotsReconciled} (instances corrected ${c.inventoryCorrections})${staleSnapshots(c)}`);
    out(`  seat rows created/deleted ${c.seatRowChanges} in ${c.markedBatches} change-marker batches; syncs ${c.syncs} (${c.syncsUnchanged} unchanged); lists installed ${c.listsInstalled}, failed ${c.commandsFailed}`);
    out(`  Lambda invocations ${c.invocations} (errors ${c.invocationErrors}, async retries ${c.asyncRetries}, sent to on-failure destinations ${c.sentToOnFailure})`);
    const missed = result.expectations.filter((e) => !e.ok).length;
    out(`  expectations ${result.expectations.length}: ok ${result.expectations.length - missed}, MISSED ${missed}; sandbox errors ${result.harnessErrors.length}`);
    for (const warning of result.warnings) out(`  WARNING: ${warning}`);
    if (result.clockHeldSeconds >= CLOCK_HELD_NOTE_SECONDS) {
        out(`  clock: held ${result.clockHeldSeconds.toFixed(1)} s (wall clock) in all so that every step started at its scenario time: this machine ran the scenario slower than ${result.speed}x`);
    }
    for (const failure of result.onFailure) out(`    on-failure: ${failure.function} (${failure.accountId}) -> ${failure.destination?.split(":").pop() ?? "(none)"}: ${failure.error}`);
    printAttempts(out, result);
    for (const [product, users] of Object.entries(result.denials)) out(`  denied for lack of seats: ${product}: ${users.join(", ")}`);
    // The same refusal repeated (an account's every inventory snapshot) is one line with its count.
    const refusals = new Map<string, number>();
    for (const refused of result.refused) {
        const instance = instanceName(refused.instanceId) ?? refused.instanceId ?? "inventory snapshot";
        const line = `  refused at the ${refused.stage === "delivery" ? "hub bus" : refused.stage}: ${instance}: ${refused.reason}`;
        refusals.set(line, (refusals.get(line) ?? 0) + 1);
    }
    for (const [line, count] of refusals) out(count > 1 ? `${line} (${count} times)` : line);
    out(`  files: ${path.relative(process.cwd(), result.outDir) || "."}/license-server/<product>.users, logs in ${path.relative(process.cwd(), path.join(result.outDir, "logs"))}; took ${(durationMs / 1000).toFixed(1)} s`);
    if (result.expectations.length > 0) {
        out("");
        out("Expectations: what the scenario's steps promise, checked against what happened");
        for (const e of result.expectations) {
            const consumers = e.consumers ? `consumed by ${e.consumers}` : "";
            const shown = e.ok ? (consumers ? ` (${consumers})` : "") : ` (observed: ${[e.observed, consumers].filter(Boolean).join("; ")})`;
            out(`  ${e.ok ? "ok    " : "MISSED"} ${e.step}: ${e.expected}${shown}`);
        }
    }
    for (const error of result.harnessErrors) out(`  SANDBOX ERROR: ${error}`);
    out("");
    out("Final check: license server lists against the scenario's expectation");
    for (const product of Object.keys({ ...result.expected, ...result.lists }).sort()) {
        const actual = result.lists[product] ?? [];
        const expected = result.expected[product] ?? [];
        const same = JSON.stringify(actual) === JSON.stringify(expected);
        out(`  ${same ? "ok  " : "FAIL"} ${product.padEnd(12)} ${actual.join(", ") || "(empty)"}${same ? "" : `   expected: ${expected.join(", ") || "(empty)"}`}`);
    }
    if (!result.settled) out("  FAIL the run did not settle: the last syncs did not succeed");
    if (missed > 0) out(`  FAIL ${missed} expectation${missed > 1 ? "s" : ""} MISSED`);
    if (result.harnessErrors.length > 0) out(`  FAIL the sandbox itself failed ${result.harnessErrors.length} time${result.harnessErrors.length > 1 ? "s" : ""}`);
    out(
        result.ok
            ? "PASS: every license server holds exactly the expected users and every expectation held."
            : "FAIL: the run did not go as the scenario says (see above).",
    );
}

/**
 * Forgery and re-tag attempts: how many, what stopped each kind, and any that got through. Changes by the deployment
 * role (exempt from the guardrails: a stack mistake, not a forgery) are counted apart; their expectations check what
 * follows them (the silence alarm).
 */
function printAttempts(out: Output, result: SandboxResult): void {
    const forgeries = result.attempts.filter((a) => !a.byDeploymentRole);
    const byDeployment = result.attempts.filter((a) => a.byDeploymentRole);
    if (forgeries.length > 0) {
        const stopped = forgeries.filter((a) => isRefusal(a.outcome as AttemptOutcome | undefined));
        const through = forgeries.length - stopped.length;
        out(
            `  forgery attempts ${forgeries.length}: stopped ${stopped.length} (${countByOutcome(stopped)})` +
                `, got through ${through}${through > 0 ? ` <- ${forgeries.filter((a) => !stopped.includes(a)).map((a) => `${a.label}: ${a.outcome ?? "no answer"}`).join("; ")}` : ""}`,
        );
    }
    if (byDeployment.length > 0) out(`  changes by the deployment role ${byDeployment.length}: ${countByOutcome(byDeployment)}`);
}

/** "refused-by-guardrails 4, no-rule 1" */
function countByOutcome(attempts: SandboxResult["attempts"]): string {
    const byOutcome = new Map<string, number>();
    for (const a of attempts) byOutcome.set(a.outcome ?? "no answer", (byOutcome.get(a.outcome ?? "no answer") ?? 0) + 1);
    return [...byOutcome].map(([o, n]) => `${o} ${n}`).join(", ");
}

/** The received licenses (AWS Marketplace, vendor grants) of the last usage report, as its CSV lists them. */
function printReceivedLicenses(out: Output, result: SandboxResult): void {
    const key = Object.keys(result.reports.files).filter((k) => k.endsWith("received-licenses.csv")).sort().pop();
    if (!key) return;
    out("");
    out(`Received licenses (AWS Marketplace, vendor grants) in ${key}:`);
    for (const row of parseCsvObjects(result.reports.files[key])) {
        const expiry = row.expiry_status === "valid" || row.expiry_status === "expiring-soon" ? `${row.expiry_status}, ${row.days_to_expiry} days left` : row.expiry_status;
        const usage = row.entitlement_name ? `${row.entitlement_name} ${row.entitlement_consumed}/${row.entitlement_max_count}` : "no entitlements";
        out(`  ${row.region.padEnd(14)} ${(row.product_name || row.status).padEnd(24)} ${(row.issuer || row.error).padEnd(18)} ${usage.padEnd(14)} ${expiry}`);
    }
}

/** Stale snapshots, and why that is no loss (none: nothing). */
function staleSnapshots(c: SandboxCounts): string {
    const { laterReconciled, alreadyReconciled } = c.snapshotsStale;
    const why = [
        laterReconciled > 0 ? `${laterReconciled} overlapped a later inventory of the same account-region that reconciled first` : "",
        alreadyReconciled > 0 ? `${alreadyReconciled} redelivered after their snapshot was reconciled` : "",
    ].filter(Boolean);
    return why.length === 0 ? "" : `; stale, changing nothing: ${why.join(", ")}`;
}
