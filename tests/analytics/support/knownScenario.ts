/**
 * A small ledger and tracker report set with known answers (worked out by hand in tests/analytics/queries.test.ts),
 * written in the layouts the ledger writer and the tracker use.
 *
 * matlab (2 seats owned), 2026-03-02:  alice (acct A) 09:00-11:00, bob (B) 09:30-10:15, carol (A) 10:00-10:30 and
 *   denied at 10:00:05 (three claims, two seats), eve (B) from 10:50, still held.
 * ansys (no limit): dave (acct C, no cost centre) 2026-01-15 08:00-10:00; alice (A) 2026-03-02 09:00-09:45.
 * Newest record: alice's matlab release, recorded 11:00:02 (the ledger's as-of time).
 * One object replays three records (a bisected batch), which the queries must count once.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { LedgerKind, LedgerRecord, ledgerLinesByDay, ledgerObjectKey, ledgerRecord } from "../../../functions/hub-ledger/ledgerRecord";
import { csvDocument } from "../../../functions/license-usage-report/csv";
import { reportKeys } from "../../../functions/license-usage-report/keys";
import { SUMMARY_HEADER } from "../../../functions/license-usage-report/reportFiles";
import { COST_CENTRE_TABLE } from "../../../components/analytics/tables";

export const ACCOUNT_A = "111111111111";
export const ACCOUNT_B = "222222222222";
export const ACCOUNT_C = "333333333333";
export const CONFIG_X = "arn:aws:license-manager:eu-central-1:999999999999:license-configuration:lic-0123456789abcdef0123456789abcdef";
export const CONFIG_Y = "arn:aws:license-manager:us-east-1:999999999999:license-configuration:lic-fedcba9876543210fedcba9876543210";

/** What one seat costs a year, as the hub's catalog states it (ansys: unlimited seats, a cost all the same). */
export const ANNUAL_COST_PER_SEAT: Record<string, number> = { matlab: 1800, ansys: 950 };

function record(kind: LedgerKind, product: string, user: string, account: string, instance: string, at: string, seats: number | null, identifyingTime = at): LedgerRecord {
    return ledgerRecord({
        kind,
        product,
        userId: user,
        instanceRef: `${account}/eu-central-1/${instance}`,
        workbenchType: product === "matlab" ? "cae-matlab" : "cae-ansys",
        eventTime: at,
        recordedTime: new Date(Date.parse(at) + 2000).toISOString(),
        reason: kind === "grant" ? "workbench started" : kind === "release" ? "workbench stopped" : "all 2 owned seats taken (1 users waiting)",
        seatsOwned: seats,
        annualCostPerSeat: ANNUAL_COST_PER_SEAT[product],
        identifyingTime,
    });
}

export function knownLedger(): { batches: LedgerRecord[][] } {
    const m = (kind: LedgerKind, user: string, account: string, instance: string, at: string) => record(kind, "matlab", user, account, instance, at, 2);
    const a = (kind: LedgerKind, user: string, account: string, instance: string, at: string) => record(kind, "ansys", user, account, instance, at, null);
    const january = [a("grant", "dave", ACCOUNT_C, "i-0d", "2026-01-15T08:00:00.000Z"), a("release", "dave", ACCOUNT_C, "i-0d", "2026-01-15T10:00:00.000Z")];
    const morning = [
        m("grant", "alice", ACCOUNT_A, "i-0a", "2026-03-02T09:00:00.000Z"),
        a("grant", "alice", ACCOUNT_A, "i-0a", "2026-03-02T09:00:00.000Z"),
        m("grant", "bob", ACCOUNT_B, "i-0b", "2026-03-02T09:30:00.000Z"),
        a("release", "alice", ACCOUNT_A, "i-0a", "2026-03-02T09:45:00.000Z"),
        m("grant", "carol", ACCOUNT_A, "i-0c", "2026-03-02T10:00:00.000Z"),
        record("denial", "matlab", "carol", ACCOUNT_A, "i-0c", "2026-03-02T10:00:05.000Z", 2, "2026-03-02T10:00:00.000Z"),
    ];
    const later = [
        m("release", "bob", ACCOUNT_B, "i-0b", "2026-03-02T10:15:00.000Z"),
        m("release", "carol", ACCOUNT_A, "i-0c", "2026-03-02T10:30:00.000Z"),
        m("grant", "eve", ACCOUNT_B, "i-0e", "2026-03-02T10:50:00.000Z"),
        m("release", "alice", ACCOUNT_A, "i-0a", "2026-03-02T11:00:00.000Z"),
    ];
    const replay = [morning[0], morning[5], later[0]];
    return { batches: [january, morning, later, replay] };
}

/** Summary CSV rows per run: X read fine every time, Y without a license count and then failing. */
function summaryRuns(): Array<{ at: string; rows: Array<Array<string | number | undefined>> }> {
    const x = (consumed: number) => ["MATLAB seats", CONFIG_X, "eu-central-1", "User", 40, "true", consumed, Math.round((consumed / 40) * 10000) / 100, "ACTIVE", 1, "usage/x.csv", undefined];
    const yFailed = [undefined, CONFIG_Y, "us-east-1", undefined, undefined, undefined, undefined, undefined, "FAILED", undefined, undefined, "AccessDenied"];
    return [
        { at: "2026-03-01T05:00:00.000Z", rows: [x(10), ["'=SUM(A1)", CONFIG_Y, "us-east-1", "vCPU", undefined, "false", 5, undefined, "ACTIVE", 1, "usage/y.csv", undefined]] },
        { at: "2026-03-02T05:00:00.000Z", rows: [x(20), yFailed] },
        { at: "2026-03-02T17:00:00.000Z", rows: [x(30)] },
    ];
}

/** Writes the ledger objects (as the writer names them), the cost centres and the tracker reports; returns the folders. */
export function writeKnownScenario(root = fs.mkdtempSync(path.join(os.tmpdir(), "analytics-"))): { ledgerRoot: string; reportRoot: string } {
    const ledgerRoot = path.join(root, "ledger");
    const reportRoot = path.join(root, "reports");
    for (const batch of knownLedger().batches) {
        for (const [day, lines] of ledgerLinesByDay(batch)) writeFile(ledgerRoot, ledgerObjectKey(day, lines), gzipSync(Buffer.from(lines)));
    }
    writeFile(ledgerRoot, COST_CENTRE_TABLE.key, Buffer.from(`account,cost_centre\n${ACCOUNT_A},CC-A\n${ACCOUNT_B},CC-B\n`));
    for (const run of summaryRuns()) {
        writeFile(reportRoot, reportKeys("", "hive", new Date(run.at)).summary, Buffer.from(csvDocument(SUMMARY_HEADER, run.rows)));
    }
    return { ledgerRoot, reportRoot };
}

function writeFile(root: string, key: string, body: Buffer): void {
    const file = path.join(root, ...key.split("/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
}
