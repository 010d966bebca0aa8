import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { projectRoot } from "../../components/lambda/bundle";
import { BROWSER_CANDIDATES, BROWSER_ENV, ensureChromium, findChromium, installCommands } from "../../tools/browser/chromium";

const present = (...files: string[]) => (file: string) => files.includes(file);

describe("the headless browser of the analytics report's test", () => {
    it("takes $CHROMIUM_PATH when set, and refuses one that does not exist instead of looking elsewhere", () => {
        expect(findChromium({ [BROWSER_ENV]: "/opt/chrome/chrome" }, present("/opt/chrome/chrome", "/usr/bin/chromium"))).to.equal("/opt/chrome/chrome");
        expect(() => findChromium({ [BROWSER_ENV]: "/opt/none" }, present("/usr/bin/chromium"))).to.throw(`${BROWSER_ENV}=/opt/none: no such file`);
    });

    it("prefers Debian's chromium, then Google Chrome, then Ubuntu's snap wrapper, and finds none on a bare machine", () => {
        expect(findChromium({}, present(...BROWSER_CANDIDATES))).to.equal("/usr/bin/chromium");
        expect(findChromium({}, present("/usr/bin/chromium-browser", "/usr/bin/google-chrome"))).to.equal("/usr/bin/google-chrome");
        expect(findChromium({}, present("/usr/bin/chromium-browser"))).to.equal("/usr/bin/chromium-browser");
        expect(findChromium({}, present())).to.equal(undefined);
    });

    it("installs with apt-get as root and through sudo -n (never a password prompt) otherwise", () => {
        expect(installCommands(0)).to.deep.equal([
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
        ]);
        expect(installCommands(1001).map((c) => c.slice(0, 3))).to.deep.equal([
            ["sudo", "-n", "apt-get"],
            ["sudo", "-n", "apt-get"],
        ]);
    });

    it("is installed by the test itself when missing: one line says so, the install commands run once, in order", () => {
        const installed = new Set<string>();
        const ran: string[] = [];
        const lines: string[] = [];
        const deps = { env: {}, exists: (file: string) => installed.has(file), uid: 0, log: (line: string) => lines.push(line) };
        const browser = ensureChromium({ ...deps, run: (command, args) => (ran.push([command, ...args].join(" ")), args.includes("install") && installed.add("/usr/bin/chromium")) });
        expect(browser).to.equal("/usr/bin/chromium");
        expect(ran).to.deep.equal(["apt-get update", "apt-get install -y --no-install-recommends chromium"]);
        expect(lines).to.have.length(1);
        expect(lines[0]).to.match(/^browser: no headless browser found .*installing Debian's chromium once/);
        // Once there, nothing runs and nothing is said.
        expect(ensureChromium({ ...deps, run: () => expect.fail("installed again") })).to.equal("/usr/bin/chromium");
        expect(lines).to.have.length(1);
    });

    it("fails in one line naming the command and the fix when the install cannot work", () => {
        const failing = () =>
            ensureChromium({ env: {}, exists: () => false, uid: 1001, log: () => undefined, run: () => { throw new Error("sudo: a password is required"); } });
        expect(failing).to.throw(/^browser: 'sudo -n apt-get update' failed \(as a user: passwordless sudo is needed, or run it as root\)\. .*CHROMIUM_PATH.*sudo: a password is required$/);
    });

    const install = (env: NodeJS.ProcessEnv) =>
        spawnSync(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools/browser/install.ts")], { cwd: projectRoot, encoding: "utf8", env: { ...process.env, ...env } });

    it("npm run browser:install (optional, ahead of time) does nothing when a browser is there, and fails in one line on a wrong $CHROMIUM_PATH", () => {
        const ok = install({ [BROWSER_ENV]: process.execPath });
        expect(ok.status, ok.stderr).to.equal(0);
        expect(ok.stdout.trim()).to.equal(`browser: ${process.execPath}`);
        const bad = install({ [BROWSER_ENV]: "/nonexistent/chrome" });
        expect(bad.status).to.equal(1);
        expect(bad.stderr.trim()).to.equal(`${BROWSER_ENV}=/nonexistent/chrome: no such file (unset it to look in ${BROWSER_CANDIDATES.join(", ")})`);
    });

    it("needs no set-up step: .ci/run is exactly `npm ci` and `npm test`, and every workflow job that tests runs npm ci then npm test", () => {
        const commands = fs
            .readFileSync(path.join(projectRoot, ".ci/run"), "utf8")
            .split("\n")
            .map((line) => line.trim())
            .filter((line) => line && !line.startsWith("#") && !line.startsWith("set ") && !line.startsWith("cd "));
        expect(commands.map((c) => c.split(" ").slice(0, 2).join(" "))).to.deep.equal(["npm ci", "npm test"]);
        const workflows = path.join(projectRoot, ".github/workflows");
        let testJobs = 0;
        for (const file of fs.readdirSync(workflows)) {
            const jobs = (yaml.load(fs.readFileSync(path.join(workflows, file), "utf8")) as { jobs: Record<string, { steps?: Array<{ run?: string }> }> }).jobs;
            for (const [name, job] of Object.entries(jobs)) {
                const runs = (job.steps ?? []).flatMap((s) => (s.run ? [s.run.trim()] : []));
                if (!runs.includes("npm test")) continue;
                testJobs++;
                expect(runs.slice(runs.indexOf("npm ci"), runs.indexOf("npm test") + 1), `${file} job ${name}`).to.deep.equal(["npm ci", "npm test"]);
            }
        }
        expect(testJobs).to.be.greaterThan(0);
    });
});
