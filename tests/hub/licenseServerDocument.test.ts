import { expect } from "chai";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { licenseServerScript, renderLicenseServerDocument, shellWord, assertWorkDirectory } from "../../components/hub/licenseServerDocument";
import { LICENSE_DOCUMENT_PARAMETERS, SUPERSEDED_EXIT_CODE, bundleCommandParameters, renderUserList } from "../../functions/hub-shared/userList";
import { BundleProduct, parseBundleResults, renderBundle } from "../../functions/hub-shared/bundle";
import { HOSTILE_USER_IDS } from "./support/fixtures";

interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
}

const WORK = "/var/lib/license-hub";

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
    let argvDir: string;
    /** The script with its work directory in the test's directory. */
    let script: string[];

    /** Puts a bundle where aws:downloadContent would and returns the SSM_* environment the agent would set. */
    function deliver(products: BundleProduct[], tamper?: (body: string) => string): Record<string, string> {
        const bundle = renderBundle(products);
        const file = path.join(work, "incoming", bundle.key);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, tamper ? tamper(bundle.body) : bundle.body);
        return { SSM_bundleSha256: bundle.sha256 };
    }
    const entry = (product: string, users: string[], generation: number, command?: string[]): BundleProduct => ({ product, generation, list: renderUserList(users), command });
    const installed = (product: string) => fs.readFileSync(path.join(work, "products", product, "users.txt"), "utf8");
    const generationOf = (product: string) => fs.readFileSync(path.join(work, "products", product, "generation"), "utf8").trim();
    const argvOf = (product: string) => JSON.parse(fs.readFileSync(path.join(argvDir, `${product}.json`), "utf8"));

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "hub-doc-"));
        work = path.join(dir, "work");
        cli = path.join(dir, "vendor-cli");
        argvDir = path.join(dir, "argv");
        fs.mkdirSync(argvDir);
        // A fake vendor CLI that records the argv it receives, as JSON, under the product named by its first argument;
        // it fails for the product "broken".
        fs.writeFileSync(
            cli,
            `#!/usr/bin/env node\nconst [product, ...rest] = process.argv.slice(2);\nif (product === "broken") process.exit(9);\nrequire("fs").writeFileSync(require("path").join(${JSON.stringify(argvDir)}, product + ".json"), JSON.stringify([product, ...rest]));\n`,
            { mode: 0o755 },
        );
        script = licenseServerScript(WORK).map((line) => (line === `work_dir=${shellWord(WORK)}` ? `work_dir=${shellWord(work)}` : line));
    });

    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("installs every product of a bundle and runs each vendor CLI with exactly its templated argv", async () => {
        const template = [cli, "{product}", "--users", "{usersFile}", "it's $HOME `id` \"quoted\" {product}! {usersFile}{product}"];
        const env = deliver([entry("matlab", ["bob", "alice"], 7, template), entry("ansys", ["carol"], 7, template), entry("catia", [], 7)]);
        const result = await runScript(script, env, dir);
        expect(result.code, result.stderr).to.equal(0);
        const usersFile = (p: string) => path.join(work, "products", p, "users.txt");
        expect(argvOf("matlab")).to.deep.equal(["matlab", "--users", usersFile("matlab"), `it's $HOME \`id\` "quoted" matlab! ${usersFile("matlab")}matlab`]);
        expect(argvOf("ansys")).to.deep.equal(["ansys", "--users", usersFile("ansys"), `it's $HOME \`id\` "quoted" ansys! ${usersFile("ansys")}ansys`]);
        expect([installed("matlab"), installed("ansys"), installed("catia")]).to.deep.equal(["alice\nbob\n", "carol\n", ""]);
        expect([generationOf("matlab"), generationOf("ansys"), generationOf("catia")]).to.deep.equal(["7", "7", "7"]);
        expect(result.stdout).to.contain("matlab generation 7 applied (2 users)");
        expect([...parseBundleResults(result.stdout)]).to.deep.equal([
            ["matlab", { outcome: "applied", generation: 7 }],
            ["ansys", { outcome: "applied", generation: 7 }],
            ["catia", { outcome: "applied", generation: 7 }],
        ]);
        expect(fs.readdirSync(path.join(work, "incoming", "staging"))).to.deep.equal([]);
    });

    it("treats the lists and the arguments as data: shell text in them is never run", async () => {
        const marker = path.join(dir, "pwned");
        const hostile = [`$(touch ${marker})`, `\`touch ${marker}\``, `; touch ${marker}`, `' ; touch ${marker} ; '`];
        const env = deliver([entry("matlab", ["alice"], 1, [cli, "{product}", ...hostile, "{usersFile}"])], (body) => body.replace("alice\n", hostile.join("\n") + "\n"));
        // The list no longer matches its checksum: refused, and still nothing ran.
        const tampered = await runScript(script, env, dir);
        expect(tampered.code).to.not.equal(0);
        expect(tampered.stderr).to.contain("does not match its checksum");
        const clean = deliver([entry("matlab", ["alice"], 2, [cli, "{product}", ...hostile, "{usersFile}"])]);
        const result = await runScript(script, clean, dir);
        expect(result.code, result.stderr).to.equal(0);
        expect(argvOf("matlab").slice(1, -1)).to.deep.equal(hostile);
        expect(fs.existsSync(marker)).to.equal(false);
    });

    it("refuses an older generation, and the same generation with another list, as superseded, per product", async () => {
        const command = [cli, "{product}", "{usersFile}"];
        expect((await runScript(script, deliver([entry("matlab", ["new"], 9, command), entry("ansys", ["a"], 9)]), dir)).code).to.equal(0);
        const mixed = await runScript(script, deliver([entry("matlab", ["old"], 8, command), entry("ansys", ["b"], 10)]), dir);
        expect(mixed.code).to.equal(SUPERSEDED_EXIT_CODE);
        expect(parseBundleResults(mixed.stdout).get("matlab")).to.deep.equal({ outcome: "superseded", held: 9 });
        expect(parseBundleResults(mixed.stdout).get("ansys")).to.deep.equal({ outcome: "applied", generation: 10 });
        expect([installed("matlab"), installed("ansys")]).to.deep.equal(["new\n", "b\n"]);
        // Two commands of one generation with different lists: whichever lands second is refused, never installed.
        const sameGeneration = await runScript(script, deliver([entry("matlab", ["other"], 9, command)]), dir);
        expect(sameGeneration.code).to.equal(SUPERSEDED_EXIT_CODE);
        expect(installed("matlab")).to.equal("new\n");
        // The very same list again is harmless: already applied, the vendor CLI not run again.
        fs.rmSync(path.join(argvDir, "matlab.json"));
        const again = await runScript(script, deliver([entry("matlab", ["new"], 9, command)]), dir);
        expect(again.code, again.stderr).to.equal(0);
        expect(again.stdout).to.contain("generation 9 already applied");
        expect(fs.existsSync(path.join(argvDir, "matlab.json"))).to.equal(false);
    });

    it("keeps going when one product fails: the others are installed, the failed one reported and its generation kept", async () => {
        const command = [cli, "{product}", "{usersFile}"];
        const result = await runScript(script, deliver([entry("broken", ["x"], 5, command), entry("matlab", ["alice"], 5, command)]), dir);
        expect(result.code).to.equal(1);
        expect(result.stderr).to.contain("vendor command for broken exited with status 9");
        expect([...parseBundleResults(result.stdout)]).to.deep.equal([
            ["broken", { outcome: "failed", generation: 5 }],
            ["matlab", { outcome: "applied", generation: 5 }],
        ]);
        expect(installed("matlab")).to.equal("alice\n");
        expect(fs.existsSync(path.join(work, "products", "broken", "generation"))).to.equal(false);
    });

    it("refuses a bundle that does not match its checksum, a malformed header and unsafe vendor arguments", async () => {
        const tampered = await runScript(script, deliver([entry("matlab", ["alice"], 1)], (body) => body.replace("alice", "mallory")), dir);
        expect(tampered.code).to.not.equal(0);
        expect(tampered.stderr).to.contain("bundle does not match its checksum");
        expect(fs.existsSync(path.join(work, "products", "matlab"))).to.equal(false);
        expect((await runScript(script, { SSM_bundleSha256: "zz" }, dir)).stderr).to.contain("invalid bundle checksum");

        // Bundles the hub would never write (their checksum is right: these check the script's own checks).
        const forged = async (body: string) => {
            const sha = createHash("sha256").update(body).digest("hex");
            const file = path.join(work, "incoming", "user-lists", "bundles", `${sha}.txt`);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, body);
            return runScript(script, { SSM_bundleSha256: sha }, dir);
        };
        const sha = renderUserList(["alice"]).sha256;
        const cases: Array<[string, RegExp]> = [
            [`license-hub-bundle 2\nusers\n`, /not a bundle of version 1/],
            [`license-hub-bundle 1\nproduct ../etc 1 ${sha} 1 0\nusers\nalice\n`, /invalid product header/],
            [`license-hub-bundle 1\nproduct matlab 1;reboot ${sha} 1 0\nusers\nalice\n`, /invalid product header|malformed/],
            [`license-hub-bundle 1\nproduct matlab 1 ${sha} 1 0\nproduct matlab 2 ${sha} 1 0\nusers\nalice\nalice\n`, /appears twice/],
            [`license-hub-bundle 1\narg /bin/sh\nproduct matlab 1 ${sha} 1 0\nusers\nalice\n`, /argument before any product/],
            [`license-hub-bundle 1\nproduct matlab 1 ${sha} 1 1\narg /bin/sh\tx\nusers\nalice\n`, /control character/],
            [`license-hub-bundle 1\nproduct matlab 1 ${sha} 1 0\nrm -rf /\nusers\nalice\n`, /not understood/],
            [`license-hub-bundle 1\nproduct matlab 1 ${sha} 1 0\n`, /no products or no lists/],
        ];
        for (const [body, error] of cases) {
            const result = await forged(body);
            expect(result.code, body).to.equal(1);
            expect(result.stderr, body).to.match(error);
        }
        // Per product: a wrong argument count, a relative or Windows executable, an unknown placeholder.
        const perProduct: Array<[string[], RegExp]> = [
            [["vendor-cli", "{usersFile}"], /not an absolute path/],
            [["C:\\Program Files\\lmutil.exe", "{usersFile}"], /is a Windows path; this license server runs Linux/],
            [[cli, "{home}", "{usersFile}"], /unknown placeholder/],
            [[cli, "a}b", "{usersFile}"], /unbalanced brace/],
        ];
        for (const [argv, error] of perProduct) {
            const body = `license-hub-bundle 1\nproduct matlab 3 ${sha} 1 ${argv.length}\n${argv.map((a) => `arg ${a}`).join("\n")}\nusers\nalice\n`;
            const result = await forged(body);
            expect(result.code, argv.join(" ")).to.equal(1);
            expect(result.stderr, argv.join(" ")).to.match(error);
            expect(parseBundleResults(result.stdout).get("matlab")).to.deep.equal({ outcome: "failed", generation: 3 });
        }
        const miscounted = await forged(`license-hub-bundle 1\nproduct matlab 4 ${sha} 1 2\narg ${cli}\nusers\nalice\n`);
        expect(miscounted.stderr).to.match(/does not have 2 arguments/);
        expect(fs.readdirSync(argvDir)).to.deep.equal([]);
    });

    it("fails clearly on an SSM Agent that does not pass parameters as environment variables", async () => {
        const result = await runScript(script, {}, dir);
        expect(result.code).to.not.equal(0);
        expect(result.stderr).to.contain("SSM Agent 3.3.2746.0 or later is required");
    });

    it("only installs the file for a product without a vendor CLI", async () => {
        const result = await runScript(script, deliver([entry("ansys", ["carol"], 3)]), dir);
        expect(result.code, result.stderr).to.equal(0);
        expect(installed("ansys")).to.equal("carol\n");
        expect(fs.readdirSync(argvDir)).to.deep.equal([]);
    });

    it("quotes literal text for the shell and refuses work directories that would need quoting", () => {
        expect(shellWord("plain")).to.equal("'plain'");
        expect(shellWord("it's")).to.equal(`'it'\\''s'`);
        expect(() => assertWorkDirectory("relative/dir")).to.throw(/absolute path/);
        expect(() => assertWorkDirectory("/var/lib/../etc")).to.throw(/absolute path/);
        expect(() => assertWorkDirectory("/var/lib/with space")).to.throw(/absolute path/);
    });

    it("accepts exactly the parameters the sync sends, and no user id, in its patterns", () => {
        const bundle = renderBundle([entry("matlab", ["bob", "alice"], 42)]);
        const sent = bundleCommandParameters(bundle);
        const doc = JSON.parse(renderLicenseServerDocument({ bucketName: "b", region: "eu-central-1", dnsSuffix: "amazonaws.com", workDirectory: WORK, executionTimeoutSeconds: 120 }));
        expect(Object.keys(doc.parameters).sort()).to.deep.equal(Object.keys(sent).sort());
        for (const [name, [value]] of Object.entries(sent)) {
            expect(new RegExp(doc.parameters[name].allowedPattern).test(value), name).to.equal(true);
        }
        const patterns = Object.values(LICENSE_DOCUMENT_PARAMETERS).map((p) => new RegExp(p.pattern));
        for (const hostile of HOSTILE_USER_IDS) {
            for (const pattern of patterns) expect(pattern.test(hostile), `${pattern} vs ${JSON.stringify(hostile)}`).to.equal(false);
        }
        expect(doc.mainSteps[0].inputs.destinationPath).to.equal("/var/lib/license-hub/incoming/{{ bundleObjectKey }}");
        expect(JSON.stringify(sent)).to.not.contain("alice");
    });
});
