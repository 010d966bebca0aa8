import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { planFleet, batches } from "../../operations/fleet/planner";
import { executePlan, ApplyBatch } from "../../operations/fleet/executor";
import { OrganizationAccount, StackInstance, accountRegionKey } from "../../operations/fleet/model";
import { Progress, progressReporter } from "../../operations/fleet/progress";
import { runFleet } from "../../operations/fleet/run";
import { projectStacks, runStacks, waves } from "../../operations/fleet/stacks";
import { summariseByAccount, summaryTable } from "../../operations/fleet/summary";
import type { FleetPorts } from "../../operations/fleet/awsPorts";

const REGIONS = ["eu-central-1", "eu-west-1", "us-east-1", "ap-northeast-1"];
const id = (n: number) => String(300_000_000_000 + n);
const silent: Progress = { start() {}, advance() {}, finish() {} };

/**
 * The customer's estate as Organizations and CloudFormation would list it: 820 accounts in the workbench OUs (800
 * active, 12 suspended, 8 pending closure), 4 regions; 775 accounts fully deployed, some instances outdated, drifted,
 * failed or inoperable; 25 accounts created this week with nothing yet; stack instances left behind by 30 accounts
 * that moved out and by a region dropped from the configuration.
 */
function estate() {
    const accounts: OrganizationAccount[] = [];
    for (let n = 0; n < 820; n++) {
        const status = n < 800 ? "ACTIVE" : n < 812 ? "SUSPENDED" : "PENDING_CLOSURE";
        accounts.push({ accountId: id(n), name: `workbench-${n}`, status, ouId: n % 3 === 0 ? "ou-ab12-nested01" : "ou-ab12-workbench" });
    }
    const instances: StackInstance[] = [];
    for (let n = 0; n < 775; n++) {
        for (const region of REGIONS) {
            const i = n * 4 + REGIONS.indexOf(region);
            instances.push({
                accountId: id(n),
                region,
                status: i % 97 === 0 ? "OUTDATED" : i % 401 === 0 ? "INOPERABLE" : "CURRENT",
                detailedStatus: i % 503 === 0 ? "FAILED" : "SUCCEEDED",
                driftStatus: i % 211 === 0 ? "DRIFTED" : "IN_SYNC",
                statusReason: i % 503 === 0 ? "Resource handler returned message: Rate exceeded" : undefined,
            });
        }
        if (n < 5) instances.push({ accountId: id(n), region: "sa-east-1", status: "CURRENT", driftStatus: "IN_SYNC" });
    }
    for (let n = 0; n < 30; n++) for (const region of REGIONS) instances.push({ accountId: id(900 + n), region, status: "CURRENT" });
    for (let n = 800; n < 812; n++) instances.push({ accountId: id(n), region: "eu-central-1", status: "CURRENT" });
    return { accounts, instances };
}

describe("fleet: the planner at 3,200 account-regions (fake Organizations listing)", () => {
    const { accounts, instances } = estate();
    const plan = planFleet({ accounts, regions: REGIONS, instances });
    const count = (predicate: (i: StackInstance, index: number) => boolean) =>
        instances.filter((i) => Number(i.accountId) - 300_000_000_000 < 775 && i.region !== "sa-east-1").filter(predicate).length;

    it("wants the forwarder in every region of every active account, and creates what is missing", () => {
        expect(plan.rows.filter((r) => r.action !== "remove")).to.have.length(800 * 4);
        const creates = plan.rows.filter((r) => r.action === "create");
        expect(creates).to.have.length(25 * 4);
        expect(new Set(creates.map((r) => r.accountId))).to.deep.equal(new Set(Array.from({ length: 25 }, (_, k) => id(775 + k))));
    });

    it("updates what is outdated, drifted, inoperable or failed, each with its reason, and leaves the rest", () => {
        const updates = plan.rows.filter((r) => r.action === "update");
        const expected = count((i) => i.status !== "CURRENT" || i.detailedStatus === "FAILED" || i.driftStatus === "DRIFTED");
        expect(updates).to.have.length(expected);
        expect(expected).to.be.greaterThan(40);
        expect(updates.find((r) => r.reason.startsWith("inoperable"))).to.exist;
        expect(updates.find((r) => r.reason === "drifted from the template")).to.exist;
        expect(updates.find((r) => r.reason === "last operation failed: Resource handler returned message: Rate exceeded")).to.exist;
        expect(plan.summary.unchanged).to.equal(775 * 4 - expected);
    });

    it("removes the forwarder from accounts that left the workbench OUs, suspended accounts and dropped regions", () => {
        const removes = plan.rows.filter((r) => r.action === "remove");
        expect(removes.filter((r) => r.reason === "the account left the workbench OUs")).to.have.length(30 * 4);
        expect(removes.filter((r) => r.reason === "the account is suspended")).to.have.length(12);
        expect(removes.filter((r) => r.reason === "the region is no longer configured").map((r) => r.region)).to.deep.equal(Array(5).fill("sa-east-1"));
        expect(plan.summary).to.deep.include({ remove: 30 * 4 + 12 + 5, accountRegions: plan.rows.length });
        expect(plan.summary.create + plan.summary.update + plan.summary.remove + plan.summary.unchanged).to.equal(plan.rows.length);
    });

    it("groups the changes into StackSets operations of one action and region, at most the batch size each", () => {
        const groups = batches(plan, 100);
        expect(groups.every((g) => g.rows.length <= 100 && g.rows.every((r) => r.action === g.action && r.region === g.region))).to.equal(true);
        expect(groups.reduce((n, g) => n + g.rows.length, 0)).to.equal(plan.summary.create + plan.summary.update + plan.summary.remove);
    });
});

describe("fleet: running a plan (bounded concurrency, checkpoint, resume, summary)", () => {
    const { accounts, instances } = estate();
    const plan = planFleet({ accounts, regions: REGIONS, instances });
    const flaky = new Set([id(776), id(901)]);
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const fakeApply = (calls: string[], inFlight: { now: number; max: number }, fails: Set<string>): ApplyBatch => async (batch) => {
        inFlight.now++;
        inFlight.max = Math.max(inFlight.max, inFlight.now);
        await new Promise((r) => setTimeout(r, 1));
        inFlight.now--;
        calls.push(...batch.rows.map(accountRegionKey));
        return batch.rows.map((r) => ({ accountId: r.accountId, region: r.region, ok: !fails.has(r.accountId), reason: fails.has(r.accountId) ? "Account 1 should not exist: AccessDenied" : "SUCCEEDED" }));
    };

    it("applies every change once, at most `concurrency` operations at a time, failing only the failed account-regions", async () => {
        const calls: string[] = [];
        const inFlight = { now: 0, max: 0 };
        const results = await executePlan(plan, fakeApply(calls, inFlight, flaky), { concurrency: 3, batchSize: 50, progress: silent });
        expect(inFlight.max).to.equal(3);
        expect(calls).to.have.length(plan.summary.create + plan.summary.update + plan.summary.remove);
        expect(new Set(calls).size).to.equal(calls.length);
        expect(results.filter((r) => r.outcome === "failed").map((r) => r.row.accountId)).to.have.members([...Array(4).fill(id(776)), ...Array(4).fill(id(901))]);
        expect(results.filter((r) => r.outcome === "unchanged")).to.have.length(plan.summary.unchanged);
    });

    it("resumes after an interruption: what succeeded is not done again, what failed or was not reached is", async () => {
        const checkpointFile = path.join(dir, "checkpoint.json");
        const first: string[] = [];
        let operations = 0;
        // The run is interrupted after 5 operations: the rest never start (a killed process).
        const interrupted: ApplyBatch = async (batch) => {
            if (++operations > 5) return new Promise(() => {});
            return fakeApply(first, { now: 0, max: 0 }, flaky)(batch);
        };
        void executePlan(plan, interrupted, { concurrency: 1, batchSize: 20, checkpointFile, progress: silent });
        while (operations <= 5) await new Promise((r) => setTimeout(r, 5));
        const saved = JSON.parse(fs.readFileSync(checkpointFile, "utf8")) as unknown[];
        expect(saved.length).to.be.greaterThan(0).and.at.most(100);

        const second: string[] = [];
        const results = await executePlan(plan, fakeApply(second, { now: 0, max: 0 }, new Set()), { concurrency: 2, batchSize: 20, checkpointFile, progress: silent });
        const doneFirst = first.filter((k) => !flaky.has(k.split("/")[0]));
        expect(second.filter((k) => doneFirst.includes(k))).to.deep.equal([]);
        expect([...doneFirst, ...second].length).to.equal(plan.summary.create + plan.summary.update + plan.summary.remove);
        expect(results.filter((r) => r.outcome === "failed")).to.deep.equal([]);
        expect(results.filter((r) => r.detail.endsWith("(earlier run)"))).to.have.length(doneFirst.length);
    });

    it("ends with one line per account, failures first with CloudFormation's reason, and a non-zero exit", async () => {
        const ports: FleetPorts = {
            listAccounts: async () => accounts,
            listInstances: async () => instances,
            apply: fakeApply([], { now: 0, max: 0 }, flaky),
            detectDrift: async () => {},
        };
        const printed: string[] = [];
        const report = await runFleet("up", {
            stacks: [],
            stackOperation: async () => ({ ok: true, changes: 0, detail: "" }),
            accounts: { ports, ouIds: ["ou-ab12-workbench"], regions: REGIONS },
            concurrency: 4,
            batchSize: 100,
            progress: silent,
            print: (line) => printed.push(line),
        });
        expect(report.exitCode).to.equal(1);
        const table = printed.slice(printed.findIndex((l) => l.startsWith("account")));
        expect(table[1]).to.match(new RegExp(`^${id(776)}\\s+workbench-776\\s+failed\\s+ap-northeast-1: Account 1 should not exist: AccessDenied; eu-central-1: Account 1`));
        expect(table.filter((l) => /\bchanged\b/.test(l)).length).to.be.greaterThan(0);
        expect(table).to.have.length(1 + new Set(plan.rows.map((r) => r.accountId)).size);
        expect(report.markdown.some((l) => l.startsWith("| account | name | result | details |"))).to.equal(true);

        const clean = await runFleet("status", { stacks: [], stackOperation: async () => ({ ok: true, changes: 0, detail: "" }), accounts: { ports, ouIds: [], regions: REGIONS }, concurrency: 1, batchSize: 1, progress: silent, print: () => {} });
        expect(clean.exitCode, "inoperable and failed instances fail status").to.equal(1);
    });

    it("draws progress as lines in a CI log (no terminal) at every tenth", () => {
        const written: string[] = [];
        const stream = { isTTY: false, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
        const progress = progressReporter(stream, "fleet");
        progress.start(100, 3000);
        for (let k = 0; k < 100; k++) progress.advance(1, k === 50 ? 1 : 0);
        progress.finish();
        expect(written[0]).to.equal("fleet: 3,000 account-regions need nothing or were done by an earlier run\n");
        expect(written).to.have.length(12);
        expect(written.at(-1)).to.equal("fleet [##############################] 100/100 account-regions, 1 failed\n");
        expect(summaryTable(summariseByAccount([]), "text")).to.deep.equal(["account  name  result  details"]);
    });
});

describe("fleet: the project's Pulumi stacks, in deployment order, read from stacks/", () => {
    it("orders license-server, then governance, then workbench accounts, and stops an up after a failed wave", async () => {
        const stacks = projectStacks(path.join(__dirname, "..", "..", "stacks"));
        expect(waves(stacks).map((w) => w.map((s) => s.name))).to.deep.equal([["license-server"], ["governance"], ["workbench-dev"]]);
        const ran: string[] = [];
        const results = await runStacks(stacks, "up", async (stack) => (ran.push(stack.name), { ok: stack.name !== "governance", changes: 1, detail: "" }), 4);
        expect(ran).to.deep.equal(["license-server", "governance"]);
        expect(results.map((r) => r.ok)).to.deep.equal([true, false]);
        const previewed: string[] = [];
        await runStacks(stacks, "preview", async (stack) => (previewed.push(stack.name), { ok: false, changes: 0, detail: "" }), 4);
        expect(previewed, "a preview shows every stack even when one fails").to.have.length(3);
    });

    it("refuses a usage mistake with the help and exit 2", () => {
        const run = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "..", "operations", "fleet.ts"), "deploy"], { encoding: "utf8" });
        expect(run.status).to.equal(2);
        expect(run.stderr).to.contain('unknown command "deploy"').and.to.contain("Usage: npm run fleet --");
    });
});
