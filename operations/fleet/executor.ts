/**
 * Carries out a plan: the StackSets operations (one per action, region and batch of accounts) with at most
 * `concurrency` running at once, a progress line, a checkpoint after every operation so an interrupted run resumes
 * where it stopped (account-regions already done are skipped; failed ones are tried again), and every account-region's
 * result. A failed operation fails its account-regions, not the run: the others go on.
 */
import * as fs from "node:fs";
import { Plan, PlanRow, RowResult, accountRegionKey } from "./model";
import { batches } from "./planner";
import type { Progress } from "./progress";

/** The one AWS call the executor needs: apply one action to accounts of one region, reporting each account-region. */
export type ApplyBatch = (batch: { action: "create" | "update" | "remove"; region: string; rows: PlanRow[] }) => Promise<Array<{ accountId: string; region: string; ok: boolean; reason: string }>>;

export interface ExecuteOptions {
    concurrency: number;
    /** Accounts per StackSets operation. */
    batchSize: number;
    /** JSON file of the account-regions done so far; read to resume, written after every operation. */
    checkpointFile?: string;
    progress: Progress;
}

export async function executePlan(plan: Plan, apply: ApplyBatch, options: ExecuteOptions): Promise<RowResult[]> {
    const done = readCheckpoint(options.checkpointFile);
    const results = new Map<string, RowResult>();
    const pending: PlanRow[] = [];
    for (const row of plan.rows) {
        const previous = done.get(accountRegionKey(row));
        if (row.action === "unchanged") results.set(accountRegionKey(row), { row, outcome: "unchanged", detail: row.reason });
        else if (previous && previous.outcome === "changed" && previous.row.action === row.action) results.set(accountRegionKey(row), { ...previous, detail: `${previous.detail} (earlier run)` });
        else pending.push(row);
    }
    const work = batches({ rows: pending, summary: plan.summary }, options.batchSize);
    options.progress.start(pending.length, plan.rows.length - pending.length);

    let next = 0;
    const worker = async () => {
        while (next < work.length) {
            const batch = work[next++];
            let reported: Awaited<ReturnType<ApplyBatch>>;
            try {
                reported = await apply(batch);
            } catch (err) {
                reported = batch.rows.map((r) => ({ accountId: r.accountId, region: r.region, ok: false, reason: (err as Error).message }));
            }
            const byKey = new Map(reported.map((r) => [accountRegionKey(r), r]));
            for (const row of batch.rows) {
                const r = byKey.get(accountRegionKey(row));
                const result: RowResult = r
                    ? { row, outcome: r.ok ? "changed" : "failed", detail: r.ok ? `${row.action}d` : r.reason }
                    : { row, outcome: "failed", detail: "no result reported for this account-region" };
                results.set(accountRegionKey(row), result);
                if (result.outcome === "changed") done.set(accountRegionKey(row), result);
            }
            writeCheckpoint(options.checkpointFile, done);
            options.progress.advance(batch.rows.length, batch.rows.filter((row) => results.get(accountRegionKey(row))?.outcome === "failed").length);
        }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, work.length) }, worker));
    options.progress.finish();
    return plan.rows.map((row) => results.get(accountRegionKey(row))!);
}

function readCheckpoint(file: string | undefined): Map<string, RowResult> {
    if (!file || !fs.existsSync(file)) return new Map();
    const entries = JSON.parse(fs.readFileSync(file, "utf8")) as RowResult[];
    return new Map(entries.map((e) => [accountRegionKey(e.row), e]));
}

function writeCheckpoint(file: string | undefined, done: Map<string, RowResult>): void {
    if (!file) return;
    // Written whole and renamed: an interruption mid-write leaves the previous checkpoint, never half of one.
    fs.writeFileSync(`${file}.tmp`, JSON.stringify([...done.values()]));
    fs.renameSync(`${file}.tmp`, file);
}
