/**
 * The Pulumi stacks of this project (stacks/Pulumi.<stack>.yaml) in the order a deployment must take: the
 * license-server stack (the hub bus everyone names), then governance (guardrails, the StackSet), then any
 * hand-managed workbench-account stacks, which may run side by side. Read from the files: no list to maintain.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";

export interface ProjectStack {
    name: string;
    role: string;
    /** Stacks of one wave may run at once; a wave starts when the one before it finished. */
    wave: number;
    /**
     * The account's roles the fleet command assumes for this stack (stack setting `ciRoles`): a read-only one for
     * previews, the deploy role for updates. Absent: the caller's own credentials.
     */
    ciRoles?: { preview: string; deploy: string };
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/;

const WAVES: Record<string, number> = { "license-server": 0, "license-governance": 1, "workbench-account": 2 };

export function projectStacks(stacksDir: string, project = "license-ops"): ProjectStack[] {
    return fs
        .readdirSync(stacksDir)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((name): name is string => name !== undefined)
        .map((name) => {
            const config = (yaml.load(fs.readFileSync(path.join(stacksDir, `Pulumi.${name}.yaml`), "utf8")) as { config?: Record<string, unknown> })?.config ?? {};
            const role = String(config[`${project}:role`] ?? "");
            if (!(role in WAVES)) throw new Error(`stacks/Pulumi.${name}.yaml: ${project}:role ${JSON.stringify(role)} is not one of ${Object.keys(WAVES).join(", ")}`);
            const ciRoles = config[`${project}:ciRoles`] as { preview?: unknown; deploy?: unknown } | undefined;
            if (ciRoles !== undefined) {
                for (const kind of ["preview", "deploy"] as const) {
                    if (typeof ciRoles[kind] !== "string" || !ROLE_ARN.test(ciRoles[kind] as string)) {
                        throw new Error(`stacks/Pulumi.${name}.yaml: ${project}:ciRoles.${kind} must be an IAM role ARN (got ${JSON.stringify(ciRoles[kind])})`);
                    }
                }
            }
            return { name, role, wave: WAVES[role], ...(ciRoles ? { ciRoles: ciRoles as { preview: string; deploy: string } } : {}) };
        })
        .sort((a, b) => a.wave - b.wave || a.name.localeCompare(b.name));
}

/** The stacks grouped by wave, in order. */
export function waves(stacks: readonly ProjectStack[]): ProjectStack[][] {
    const byWave = new Map<number, ProjectStack[]>();
    for (const s of stacks) byWave.set(s.wave, [...(byWave.get(s.wave) ?? []), s]);
    return [...byWave.keys()].sort((a, b) => a - b).map((w) => byWave.get(w)!);
}

/** What the fleet command asks of Pulumi for one stack (the Automation API adapter, or a fake in tests). */
export type StackOperation = (stack: ProjectStack, kind: "preview" | "up") => Promise<{ ok: boolean; changes: number; detail: string }>;

/**
 * Pulumi's Automation API over the project in `workDir` (it drives the Pulumi CLI, which must be installed where this
 * runs; with the policy pack, refresh first), as the stack's CI role when it names one (`credentialsFor` turns a role
 * into the AWS_* variables of a session). Thin on purpose: the order and the bookkeeping are tested without it.
 */
export function automationStackOperation(workDir: string, policyPack: string, credentialsFor: (roleArn: string) => Promise<Record<string, string>>): StackOperation {
    return async (stack, kind) => {
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation/index.js");
        // Each stack runs as its own account's role: the preview role cannot change anything, only the deploy role can.
        const roleArn = stack.ciRoles?.[kind === "preview" ? "preview" : "deploy"];
        const envVars = roleArn ? await credentialsFor(roleArn) : {};
        const s = await LocalWorkspace.selectStack({ stackName: stack.name, workDir }, { envVars });
        const options = { refresh: true, policyPacks: [policyPack], color: "never" as const };
        try {
            if (kind === "preview") {
                const result = await s.preview({ ...options, diff: true });
                const changes = Object.entries(result.changeSummary).filter(([op]) => op !== "same").reduce((n, [, count]) => n + Number(count ?? 0), 0);
                return { ok: true, changes, detail: `${changes} change(s)` };
            }
            const result = await s.up(options);
            const changes = Object.entries(result.summary.resourceChanges ?? {}).filter(([op]) => op !== "same").reduce((n, [, count]) => n + Number(count ?? 0), 0);
            return { ok: result.summary.result === "succeeded", changes, detail: result.summary.result };
        } catch (err) {
            return { ok: false, changes: 0, detail: (err as Error).message.split("\n").find((l) => l.trim()) ?? "failed" };
        }
    };
}

/** Runs the operation over every stack, wave by wave, at most `concurrency` at once in a wave; a failed wave stops the next. */
export async function runStacks(stacks: readonly ProjectStack[], kind: "preview" | "up", operation: StackOperation, concurrency: number) {
    const results: Array<{ stack: ProjectStack; ok: boolean; changes: number; detail: string }> = [];
    for (const wave of waves(stacks)) {
        let next = 0;
        const worker = async () => {
            while (next < wave.length) {
                const stack = wave[next++];
                results.push({ stack, ...(await operation(stack, kind)) });
            }
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, wave.length) }, worker));
        // Later waves read earlier waves' outputs: deploying them after a failure would use stale values.
        if (kind === "up" && results.some((r) => !r.ok)) break;
    }
    return results;
}
