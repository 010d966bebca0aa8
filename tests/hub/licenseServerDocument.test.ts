import { expect } from "chai";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { licenseServerScript, renderLicenseServerDocument, shellWord, assertWorkDirectory } from "../../components/hub/licenseServerDocument";
import { LICENSE_DOCUMENT_PARAMETERS, SUPERSEDED_EXIT_CODE, SUPERSEDED_OUTPUT_PATTERN, licenseCommandParameters, renderUserList, userListObjectKey } from "../../functions/hub-shared/userList";
import { HOSTILE_USER_IDS } from "./support/fixtures";

interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs the document's shell step the way aws:runShellScript does: the lines as an executable file, via `sh -c`. */
function runScript(lines: string[], env: Record<string, string>, dir: string): Promise<RunResult> {
    const file = path.join(dir, "_script.sh");
    fs.writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o700 });
    return new Promise((resolve) => {
        execFile("sh", ["-c", file], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } }, (error, stdout, stderr) => {
            resolve({ code: error ? Number((error as NodeJS.ErrnoException & { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
    });
}

describe("license server document", () => {
    let dir: string;
    let work: string;
    let cli: string;
    let argvFile: string;

    /** Puts a list where aws:downloadContent would and returns the SSM_* environment the agent would set. */
    function deliver(product: string, body: string, generation: number): Record<string, string> {
        const sha = createHash("sha256").update(body).digest("hex");
        const file = path.join(work, "incoming", userListObjectKey(product, sha));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, body);
        return { SSM_product: product, SSM_listSha256: sha, SSM_generation: String(generation) };
    }

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "hub-doc-"));
        work = path.join(dir, "work");
        cli = path.join(dir, "vendor-cli");
        argvFile = path.join(dir, "argv.json");
        // A fake vendor CLI that records the argv it receives, as JSON.
        fs.writeFileSync(cli, `#!/usr/bin/env node\nrequire("fs").writeFileSync(${JSON.stringify(argvFile)}, JSON.stringify(process.argv.slice(2)));\n`, { mode: 0o755 });
    });

    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("installs the list and runs the vendor CLI with exactly the templated argv", async () => {
        const template = [cli, "--product={product}", "--users", "{usersFile}", "it's $HOME `id` \"quoted\" {product}!"];
        const lines = licenseServerScript(work, { matlab: template });
        const env = deliver("matlab", "alice\nbob\n", 7);
        const result = await runScript(lines, env, dir);
        expect(result.code, result.stderr).to.equal(0);
        const usersFile = path.join(work, "products", "matlab", "users.txt");
        expect(JSON.parse(fs.readFileSync(argvFile, "utf8"))).to.deep.equal(["--product=matlab", "--users", usersFile, "it's $HOME `id` \"quoted\" matlab!"]);
        expect(fs.readFileSync(usersFile, "utf8")).to.equal("alice\nbob\n");
        expect(fs.readFileSync(path.join(work, "products", "matlab", "generation"), "utf8").trim()).to.equal("7");
        expect(result.stdout).to.contain("matlab generation 7 applied (2 users)");
    });

    it("treats the list as data: shell text in it is never run", async () => {
        const marker = path.join(dir, "pwned");
        const lines = licenseServerScript(work, { matlab: [cli, "{usersFile}"] });
        const body = [`$(touch ${marker})`, `\`touch ${marker}\``, `; touch ${marker}`].join("\n") + "\n";
        const result = await runScript(lines, deliver("matlab", body, 1), dir);
        expect(result.code, result.stderr).to.equal(0);
        expect(fs.existsSync(marker)).to.equal(false);
        expect(fs.readFileSync(path.join(work, "products", "matlab", "users.txt"), "utf8")).to.equal(body);
    });

    it("refuses an older generation, and the same generation with another list, with the superseded exit code", async () => {
        const lines = licenseServerScript(work, { matlab: [cli, "{usersFile}"] });
        const users = () => fs.readFileSync(path.join(work, "products", "matlab", "users.txt"), "utf8");
        expect((await runScript(lines, deliver("matlab", "new\n", 9), dir)).code).to.equal(0);
        const older = await runScript(lines, deliver("matlab", "old\n", 8), dir);
        expect(older.code).to.equal(SUPERSEDED_EXIT_CODE);
        expect(SUPERSEDED_OUTPUT_PATTERN.exec(older.stdout)?.[1]).to.equal("9");
        expect(users()).to.equal("new\n");
        // Two commands of one generation with different lists: whichever lands second is refused, never installed.
        const sameGeneration = await runScript(lines, deliver("matlab", "other\n", 9), dir);
        expect(sameGeneration.code).to.equal(SUPERSEDED_EXIT_CODE);
        expect(users()).to.equal("new\n");
        // The very same command again is harmless: already applied.
        fs.rmSync(argvFile, { force: true });
        const again = await runScript(lines, deliver("matlab", "new\n", 9), dir);
        expect(again.code, again.stderr).to.equal(0);
        expect(again.stdout).to.contain("generation 9 already applied");
        expect(fs.existsSync(argvFile)).to.equal(false);
        // A newer generation is applied.
        expect((await runScript(lines, deliver("matlab", "newer\n", 10), dir)).code).to.equal(0);
        expect(users()).to.equal("newer\n");
        expect(fs.readFileSync(path.join(work, "products", "matlab", "generation"), "utf8").trim()).to.equal("10");
    });

    it("refuses a file that does not match its checksum, and parameters outside their patterns", async () => {
        const lines = licenseServerScript(work, { matlab: [cli, "{usersFile}"] });
        const env = deliver("matlab", "alice\n", 1);
        fs.writeFileSync(path.join(work, "incoming", userListObjectKey("matlab", env.SSM_listSha256)), "mallory\n");
        const tampered = await runScript(lines, env, dir);
        expect(tampered.code).to.not.equal(0);
        expect(tampered.stderr).to.contain("does not match its checksum");
        expect(fs.existsSync(path.join(work, "products", "matlab", "users.txt"))).to.equal(false);

        const bad: Array<Record<string, string>> = [{ SSM_product: "../etc" }, { SSM_product: "a;b" }, { SSM_listSha256: "zz" }, { SSM_generation: "1; reboot" }];
        for (const env of bad) {
            const result = await runScript(lines, { ...deliver("matlab", "alice\n", 2), ...env }, dir);
            expect(result.code, JSON.stringify(env)).to.not.equal(0);
            expect(result.stderr).to.match(/invalid/);
        }
        expect(fs.existsSync(argvFile)).to.equal(false);
    });

    it("fails clearly on an SSM Agent that does not pass parameters as environment variables", async () => {
        const result = await runScript(licenseServerScript(work, {}), {}, dir);
        expect(result.code).to.not.equal(0);
        expect(result.stderr).to.contain("SSM Agent 3.3.2746.0 or later is required");
    });

    it("only installs the file for a product without a vendor CLI", async () => {
        const lines = licenseServerScript(work, { matlab: [cli, "{usersFile}"], ansys: undefined });
        const result = await runScript(lines, deliver("ansys", "carol\n", 3), dir);
        expect(result.code, result.stderr).to.equal(0);
        expect(fs.readFileSync(path.join(work, "products", "ansys", "users.txt"), "utf8")).to.equal("carol\n");
        expect(fs.existsSync(argvFile)).to.equal(false);
    });

    it("quotes every template word for the shell", () => {
        expect(shellWord("plain")).to.equal("'plain'");
        expect(shellWord("it's")).to.equal(`'it'\\''s'`);
        expect(shellWord("{usersFile}")).to.equal(`"$users_file"`);
        expect(shellWord("--p={product}.lic")).to.equal(`'--p='"$product"'.lic'`);
        expect(() => assertWorkDirectory("relative/dir")).to.throw(/absolute path/);
        expect(() => assertWorkDirectory("/var/lib/../etc")).to.throw(/absolute path/);
        expect(() => assertWorkDirectory("/var/lib/with space")).to.throw(/absolute path/);
    });

    it("accepts exactly the parameters the sync sends, and no user id, in its patterns", () => {
        const list = renderUserList(["bob", "alice"]);
        expect(list.body).to.equal("alice\nbob\n");
        const sent = licenseCommandParameters("matlab", list.sha256, 42);
        const doc = JSON.parse(renderLicenseServerDocument({ bucketName: "b", region: "eu-central-1", dnsSuffix: "amazonaws.com", workDirectory: "/var/lib/license-hub", commands: {}, executionTimeoutSeconds: 120 }));
        for (const [name, [value]] of Object.entries(sent)) {
            expect(new RegExp(doc.parameters[name].allowedPattern).test(value), name).to.equal(true);
        }
        const patterns = Object.values(LICENSE_DOCUMENT_PARAMETERS).map((p) => new RegExp(p.pattern));
        for (const hostile of HOSTILE_USER_IDS.filter((id) => !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id))) {
            for (const pattern of patterns) expect(pattern.test(hostile), `${pattern} vs ${JSON.stringify(hostile)}`).to.equal(false);
        }
        expect(doc.mainSteps[0].inputs.destinationPath).to.equal("/var/lib/license-hub/incoming/{{ listObjectKey }}");
    });
});
