/** One fleet command end to end, over ports: the stacks wave by wave, then the workbench account-regions. */
import { executePlan } from "./executor";
import type { FleetPorts } from "./awsPorts";
import type { Plan, RowResult } from "./model";
import { planFleet } from "./planner";
import type { Progress } from "./progress";
import { ProjectStack, StackOperation, runStacks } from "./stacks";
import { planLine, summariseByAccount, summaryTable } from "./summary";

export type FleetCommand = "preview" | "up" | "drift" | "status";

export interface FleetOptions {
    stacks: readonly ProjectStack[];
    stackOperation: StackOperation;
    /** The workbench account-regions (absent: the stacks only). */
    accounts?: { ports: FleetPorts; ouIds: readonly string[]; regions: readonly string[] };
    concurrency: number;
    batchSize: number;
    checkpointFile?: string;
    progress: Progress;
    print(line: string): void;
}

export interface FleetReport {
    exitCode: number;
    plan?: Plan;
    results?: RowResult[];
    /** The summary as Markdown (for a CI step summary). */
    markdown: string[];
}

export async function runFleet(command: FleetCommand, options: FleetOptions): Promise<FleetReport> {
    const { print } = options;
    const markdown: string[] = [];
    let failed = false;

    if ((command === "preview" || command === "up") && options.stacks.length > 0) {
        const stackResults = await runStacks(options.stacks, command, options.stackOperation, options.concurrency);
        print(`Pulumi stacks (${command}):`);
        markdown.push(`### Pulumi stacks (${command})`, "", "| stack | role | result |", "| --- | --- | --- |");
        for (const r of stackResults) {
            print(`  ${r.stack.name.padEnd(24)} ${r.ok ? "ok    " : "FAILED"} ${r.detail}`);
            markdown.push(`| ${r.stack.name} | ${r.stack.role} | ${r.ok ? "" : "**failed** "}${r.detail} |`);
        }
        const skipped = options.stacks.filter((s) => !stackResults.some((r) => r.stack === s));
        for (const s of skipped) print(`  ${s.name.padEnd(24)} skipped (an earlier wave failed)`);
        failed ||= stackResults.some((r) => !r.ok) || skipped.length > 0;
        // The account-regions take the stacks' template: never roll it out over a failed stack deployment.
        if (command === "up" && failed) return { exitCode: 1, markdown };
    }
    if (!options.accounts) return { exitCode: failed ? 1 : 0, markdown };

    const { ports, ouIds, regions } = options.accounts;
    if (command === "drift") await ports.detectDrift();
    const [accounts, instances] = await Promise.all([ports.listAccounts(ouIds), ports.listInstances()]);
    const plan = planFleet({ accounts, regions, instances });
    print(`Workbench accounts: ${planLine(plan)}`);
    markdown.push("", `### Workbench accounts (${command})`, "", planLine(plan), "");

    if (command === "up") {
        const results = await executePlan(plan, ports.apply, { concurrency: options.concurrency, batchSize: options.batchSize, checkpointFile: options.checkpointFile, progress: options.progress });
        const summaries = summariseByAccount(results);
        for (const line of summaryTable(summaries, "text")) print(line);
        markdown.push(...summaryTable(summaries, "markdown"));
        failed ||= results.some((r) => r.outcome === "failed");
        return { exitCode: failed ? 1 : 0, plan, results, markdown };
    }

    const listed = plan.rows.filter((r) => r.action !== "unchanged");
    for (const row of listed) print(`  ${row.action.padEnd(9)} ${row.accountId} ${row.region.padEnd(15)} ${row.accountName ?? ""}: ${row.reason}`);
    markdown.push("| action | account | region | why |", "| --- | --- | --- | --- |", ...listed.map((r) => `| ${r.action} | ${r.accountId} ${r.accountName ?? ""} | ${r.region} | ${r.reason} |`));
    if (command === "drift") failed ||= plan.rows.some((r) => r.reason === "drifted from the template");
    if (command === "status") failed ||= plan.rows.some((r) => r.reason.startsWith("inoperable") || r.reason.startsWith("last operation failed"));
    return { exitCode: failed ? 1 : 0, plan, markdown };
}
