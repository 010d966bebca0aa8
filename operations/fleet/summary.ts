/** The end of a fleet run: one line per account (changed / unchanged / failed, with the reasons), failures first. */
import type { Plan, RowResult } from "./model";

export interface AccountSummary {
    accountId: string;
    accountName: string;
    changed: string[];
    unchanged: string[];
    failed: Array<{ region: string; reason: string }>;
}

export function summariseByAccount(results: readonly RowResult[]): AccountSummary[] {
    const accounts = new Map<string, AccountSummary>();
    for (const { row, outcome, detail } of results) {
        const a = accounts.get(row.accountId) ?? { accountId: row.accountId, accountName: row.accountName ?? "", changed: [], unchanged: [], failed: [] };
        if (outcome === "failed") a.failed.push({ region: row.region, reason: detail });
        else if (outcome === "changed") a.changed.push(`${row.region} ${row.action}d`);
        else a.unchanged.push(row.region);
        accounts.set(row.accountId, a);
    }
    const rank = (a: AccountSummary) => (a.failed.length > 0 ? 0 : a.changed.length > 0 ? 1 : 2);
    return [...accounts.values()].sort((a, b) => rank(a) - rank(b) || a.accountId.localeCompare(b.accountId));
}

/** The table as text lines (console) — and as Markdown for a CI step summary. */
export function summaryTable(summaries: readonly AccountSummary[], format: "text" | "markdown"): string[] {
    const rows = summaries.map((s) => [
        s.accountId,
        s.accountName,
        s.failed.length > 0 ? "failed" : s.changed.length > 0 ? "changed" : "unchanged",
        [...s.failed.map((f) => `${f.region}: ${f.reason}`), ...s.changed, ...(s.unchanged.length ? [`${s.unchanged.length} region(s) unchanged`] : [])].join("; "),
    ]);
    const header = ["account", "name", "result", "details"];
    if (format === "markdown") return [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`)];
    const widths = header.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => r[i].length))));
    const format1 = (r: string[]) => r.map((c, i) => (i === 3 ? c : c.padEnd(widths[i]))).join("  ");
    return [format1(header), ...rows.map(format1)];
}

/** One line: how many account-regions the plan would touch, or the run touched. */
export function planLine(plan: Plan): string {
    const s = plan.summary;
    return `${s.accountRegions.toLocaleString("en")} account-regions in ${s.accounts.toLocaleString("en")} accounts: ${s.create} to create, ${s.update} to update, ${s.remove} to remove, ${s.unchanged} unchanged`;
}
