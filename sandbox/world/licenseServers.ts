/**
 * The sandbox's license servers: what SSM Run Command does on them when the hub's sync sends its document. This is
 * the SSM Agent's part, played with the document the hub component created (the recorded `aws:ssm/document`
 * content), step by step:
 *
 * - parameters are checked against the document's `allowedPattern`s, as SendCommand does;
 * - `aws:downloadContent` is done by the agent, not by a script: the sandbox does it, fetching the S3 object the
 *   step names from s3rver and writing it where the step's destinationPath says;
 * - `aws:runShellScript` is the real script, run with `sh` (as the agent runs `_script.sh`), with the parameters the
 *   document marks `interpolationType: ENV_VAR` as `SSM_<name>` variables. The one change: each license server has
 *   its own directory under `.sandbox/license-server/instances/<instance-id>/` standing for its filesystem root, so
 *   the script's `work_dir` (an absolute path such as /var/lib/license-hub) is mapped into it.
 *
 * The vendor CLI the catalog points at is a small shell script that writes each product's named-user list to
 * `.sandbox/license-server/<product>.users`, one user per line, as a real vendor tool would load it.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { shellWord } from "../../components/hub/licenseServerDocument";
import { linesAbout, parseBundleResults } from "../../functions/hub-shared/bundle";
import type { CommandExecutor, CommandResult } from "../aws/ssmStandin";
import type { LocalDocument } from "./deployment";
import type { Emit } from "../runtime/events";

/** What the catalog's command template may use as the vendor CLI's path (components/hub/catalog.ts). */
const EXECUTABLE_PATH = /^\/[A-Za-z0-9._+\-/]+$/;
const LINUX = "Linux";

/** Writes the fake vendor CLI into `<listsDir>/bin` and returns its absolute path. */
export function writeVendorCli(listsDir: string): string {
    const cli = path.join(listsDir, "bin", "vendor-license-cli");
    if (!EXECUTABLE_PATH.test(cli)) {
        throw new Error(
            `the sandbox's vendor CLI would live at ${JSON.stringify(cli)}, but a catalog command path may only hold letters, digits and ._+-/; ` +
                "run from a checkout whose path has no spaces or other characters, or pass --out with such a path",
        );
    }
    fs.mkdirSync(path.dirname(cli), { recursive: true });
    const script = [
        "#!/bin/sh",
        "# Stand-in for a vendor's license administration CLI on the sandbox's license servers.",
        "# Replaces a product's named-user list with the users in the file (one per line), as the vendor tool would.",
        "set -eu",
        'usage() { echo "usage: vendor-license-cli set-named-users --product <product> --users-file <file>" >&2; exit 2; }',
        '[ "$#" -eq 5 ] || usage',
        '[ "$1" = set-named-users ] && [ "$2" = --product ] && [ "$4" = --users-file ] || usage',
        "product=$3",
        "users_file=$5",
        `case "$product" in ''|[!A-Za-z0-9]*|*[!A-Za-z0-9._-]*) echo "vendor-license-cli: invalid product name" >&2; exit 2 ;; esac`,
        `lists=${shellWord(listsDir)}`,
        "# An injected fault (the sandbox's scenario): the next N calls fail as a busy license server would.",
        'exec 8>>"$lists/.fail-next.lock"',
        "flock 8",
        'failures=$(cat "$lists/.fail-next" 2>/dev/null || echo 0)',
        'if [ "$failures" -gt 0 ] 2>/dev/null; then',
        '  echo $((failures - 1)) > "$lists/.fail-next"',
        '  echo "vendor-license-cli: license server busy, try again later" >&2',
        "  exit 75",
        "fi",
        "exec 8>&-",
        'cp "$users_file" "$lists/$product.users.new"',
        'mv -f "$lists/$product.users.new" "$lists/$product.users"',
        `printf '%s set-named-users %s (%s users)\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$product" "$(wc -l < "$users_file" | tr -d ' ')" >> "$lists/vendor-cli.log"`,
    ];
    fs.writeFileSync(cli, `${script.join("\n")}\n`, { mode: 0o755 });
    return cli;
}

interface DocumentStep {
    action: string;
    name: string;
    precondition?: { StringEquals?: [string, string] };
    inputs: Record<string, any>;
}

interface CommandDocument {
    parameters: Record<string, { allowedPattern?: string; interpolationType?: string; default?: string }>;
    mainSteps: DocumentStep[];
}

export interface LicenseServerFleetOptions {
    /** `.sandbox/license-server`: lists, vendor CLI, one directory per server. */
    listsDir: string;
    /** The hub's SSM document, as recorded. */
    document: LocalDocument;
    /** Instance ids of the license servers (managed instances that accept commands). */
    instanceIds: string[];
    /** Client of the sandbox's S3 (s3rver), used for the agent's downloads. */
    s3: S3Client;
    emit: Emit;
    now(): number;
}

export class LicenseServerFleet {
    private readonly document: CommandDocument;
    private commandCounter = 0;

    constructor(private readonly options: LicenseServerFleetOptions) {
        this.document = JSON.parse(options.document.content);
        for (const id of options.instanceIds) fs.mkdirSync(this.rootOf(id), { recursive: true });
    }

    /** Makes the vendor CLI's next `times` calls fail (exit 75, "license server busy"). */
    failVendorCli(times: number): void {
        fs.writeFileSync(path.join(this.options.listsDir, ".fail-next"), `${times}\n`);
    }

    /** Each product's named-user list as the vendor CLI last wrote it (products never synced are absent). */
    lists(): Record<string, string[]> {
        const lists: Record<string, string[]> = {};
        for (const file of fs.readdirSync(this.options.listsDir).filter((f) => f.endsWith(".users")).sort()) {
            lists[file.slice(0, -".users".length)] = readList(path.join(this.options.listsDir, file));
        }
        return lists;
    }

    /**
     * The SSM stand-in's executor: runs one command invocation on one license server, and reports each product of
     * its bundle as the script's result lines tell (one event for the whole command when it failed before them).
     */
    readonly executor: CommandExecutor = async (documentName, instanceId, parameters) => {
        const reportCommand = (detail: string, script?: ScriptRun): CommandResult => {
            const outcomes = script ? productOutcomes(script.stdout, script.stderr) : [];
            for (const o of outcomes) {
                const users = o.ok ? readList(path.join(this.options.listsDir, `${o.product}.users`)) : undefined;
                this.options.emit({ at: this.options.now(), kind: "license-server", instanceId, product: o.product, generation: o.generation, ok: o.ok, users, detail: o.detail });
            }
            const ok = script !== undefined && script.code === 0;
            if (outcomes.length === 0) this.options.emit({ at: this.options.now(), kind: "license-server", instanceId, product: "?", generation: "?", ok, detail });
            if (!script) return "Failed";
            return { status: ok ? "Success" : "Failed", responseCode: script.code, standardOutput: script.stdout, standardError: script.stderr };
        };
        if (documentName !== this.options.document.name && documentName !== this.options.document.arn) {
            return reportCommand(`InvalidDocument: ${documentName} is not the hub's document`);
        }
        if (!this.options.instanceIds.includes(instanceId)) return reportCommand(`InvalidInstanceId: ${instanceId} is not a license server`);
        const values = this.parameterValues(parameters);
        if (typeof values === "string") return reportCommand(values);

        const commandId = `cmd-${++this.commandCounter}`;
        let script: ScriptRun | undefined;
        for (const step of this.document.mainSteps) {
            const platform = step.precondition?.StringEquals;
            if (platform && platform[0] === "platformType" && platform[1] !== LINUX) continue;
            if (step.action === "aws:runShellScript") {
                script = await this.runShellScript(instanceId, commandId, step, values);
                if (script.failure !== undefined) return reportCommand(`${step.name}: ${script.failure}`, script);
                continue;
            }
            const outcome =
                step.action === "aws:downloadContent" ? await this.download(instanceId, step, values) : `step ${step.name}: action ${step.action} is not emulated by the sandbox`;
            if (outcome !== undefined) return reportCommand(`${step.name}: ${outcome}`);
        }
        return reportCommand(script?.stdout.trim().split("\n").pop() || "ok", script);
    };

    private rootOf(instanceId: string): string {
        return path.join(this.options.listsDir, "instances", instanceId);
    }

    /** A path on the license server, inside its directory. */
    private local(instanceId: string, absolute: string): string {
        const resolved = path.join(this.rootOf(instanceId), path.normalize(absolute));
        if (!resolved.startsWith(this.rootOf(instanceId) + path.sep)) throw new Error(`path ${absolute} leaves the license server's root`);
        return resolved;
    }

    /** The parameters as SendCommand accepts them: every one declared, each matching its allowedPattern. */
    private parameterValues(parameters: Record<string, string[]>): Record<string, string> | string {
        const values: Record<string, string> = {};
        for (const name of Object.keys(parameters)) {
            if (!(name in this.document.parameters)) return `InvalidParameters: ${name} is not a parameter of the document`;
        }
        for (const [name, definition] of Object.entries(this.document.parameters)) {
            const value = parameters[name]?.[0] ?? definition.default;
            if (value === undefined) return `InvalidParameters: ${name} is required`;
            if (definition.allowedPattern && !new RegExp(definition.allowedPattern).test(value)) return `InvalidParameters: ${name} does not match ${definition.allowedPattern}`;
            values[name] = value;
        }
        return values;
    }

    private interpolate(text: string, values: Record<string, string>): string {
        return text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
    }

    /** aws:downloadContent from S3: the agent's own step, done here with the sandbox's S3. */
    private async download(instanceId: string, step: DocumentStep, values: Record<string, string>): Promise<string | undefined> {
        if (step.inputs.sourceType !== "S3") return `sourceType ${step.inputs.sourceType} is not emulated`;
        const url = new URL(this.interpolate(JSON.parse(step.inputs.sourceInfo).path, values));
        // Virtual-hosted style (https://<bucket>.s3.<region>.<suffix>/<key>) as the document writes it, or path style.
        const hosted = /^(.+)\.s3[.-]/.exec(url.hostname);
        const segments = url.pathname.slice(1).split("/");
        const bucket = hosted ? hosted[1] : segments.shift()!;
        const key = decodeURIComponent(hosted ? url.pathname.slice(1) : segments.join("/"));
        try {
            const object = await this.options.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
            const destination = this.local(instanceId, this.interpolate(step.inputs.destinationPath, values));
            fs.mkdirSync(path.dirname(destination), { recursive: true });
            fs.writeFileSync(destination, (await object.Body?.transformToByteArray()) ?? new Uint8Array());
            return undefined;
        } catch (err) {
            return `download of s3://${bucket}/${key} failed: ${(err as Error).name}: ${(err as Error).message}`;
        }
    }

    /** aws:runShellScript: the document's script, run with sh, its work directory mapped into the server's root. */
    private runShellScript(instanceId: string, commandId: string, step: DocumentStep, values: Record<string, string>): Promise<ScriptRun> {
        const lines = (step.inputs.runCommand as string[]).map((line) => {
            const workDir = /^work_dir='([^']*)'$/.exec(line);
            return workDir ? `work_dir=${shellWord(this.local(instanceId, workDir[1]))}` : line;
        });
        if (lines.filter((line, i) => line !== step.inputs.runCommand[i]).length !== 1) {
            return Promise.resolve({ code: 1, stdout: "", stderr: "", failure: "the script does not set work_dir='<absolute path>' exactly once, so the sandbox cannot map it into the license server's directory" });
        }
        const dir = this.local(instanceId, `/var/lib/amazon/ssm/${instanceId}/document/orchestration/${commandId}/${step.name}`);
        fs.mkdirSync(dir, { recursive: true });
        const script = path.join(dir, "_script.sh");
        fs.writeFileSync(script, `${lines.join("\n")}\n`, { mode: 0o700 });
        const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
        for (const [name, definition] of Object.entries(this.document.parameters)) {
            if (definition.interpolationType === "ENV_VAR") env[`SSM_${name}`] = values[name];
        }
        const timeoutMs = Number(step.inputs.timeoutSeconds ?? 3600) * 1000;
        return new Promise((resolve) => {
            execFile("sh", ["-c", script], { env, cwd: dir, timeout: timeoutMs }, (error, stdout, stderr) => {
                fs.writeFileSync(path.join(dir, "stdout"), stdout);
                fs.writeFileSync(path.join(dir, "stderr"), stderr);
                if (!error) return resolve({ code: 0, stdout, stderr });
                const last = [stderr, stdout].map((text) => text.trim()).find(Boolean)?.split("\n").pop() ?? "";
                const code = typeof error.code === "number" ? error.code : 1;
                resolve({ code, stdout, stderr, failure: `script failed (${error.killed ? "timed out" : `exit ${code}`})${last ? `: ${last}` : ""}` });
            });
        });
    }
}

/** How the document's shell step ended on a license server. */
interface ScriptRun {
    code: number;
    stdout: string;
    stderr: string;
    /** Why the step failed; undefined when it exited 0. */
    failure?: string;
}

/** Each product a script reported on: its result line, and the script's own line about it as the detail. */
export function productOutcomes(stdout: string, stderr: string): Array<{ product: string; ok: boolean; generation: string; detail: string }> {
    return [...parseBundleResults(stdout)].map(([product, result]) => {
        const detail = linesAbout(`${stdout}\n${stderr}`, product).at(-1) ?? `${product} ${result.outcome}`;
        const sent = result.outcome === "superseded" ? /generation (\d+) refused/.exec(detail)?.[1] : result.generation;
        const generation = sent === undefined ? "?" : String(sent);
        return { product, ok: result.outcome === "applied", generation, detail };
    });
}

function readList(file: string): string[] {
    if (!fs.existsSync(file)) return [];
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => line !== "");
}
