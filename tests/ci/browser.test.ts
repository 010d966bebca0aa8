import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { projectRoot } from "../../components/lambda/bundle";
import { BROWSER_CANDIDATES, BROWSER_ENV, findChromium, installCommands } from "../../tools/browser/chromium";

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

    const install = (env: NodeJS.ProcessEnv) =>
        spawnSync(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools/browser/install.ts")], { cwd: projectRoot, encoding: "utf8", env: { ...process.env, ...env } });

    it("npm run browser:install does nothing when a browser is there, and fails in one line on a wrong $CHROMIUM_PATH", () => {
        const ok = install({ [BROWSER_ENV]: process.execPath });
        expect(ok.status, ok.stderr).to.equal(0);
        expect(ok.stdout.trim()).to.equal(`browser: ${process.execPath}`);
        const bad = install({ [BROWSER_ENV]: "/nonexistent/chrome" });
        expect(bad.status).to.equal(1);
        expect(bad.stderr.trim()).to.equal(`${BROWSER_ENV}=/nonexistent/chrome: no such file (unset it to look in ${BROWSER_CANDIDATES.join(", ")})`);
    });

    it("is installed before npm test by .ci/run and by every workflow job that runs npm test", () => {
        const ciRun = fs.readFileSync(path.join(projectRoot, ".ci/run"), "utf8").split("\n");
        expect(ciRun.indexOf("npm run browser:install")).to.be.greaterThan(-1).and.lessThan(ciRun.indexOf("npm test"));
        const workflows = path.join(projectRoot, ".github/workflows");
        let testJobs = 0;
        for (const file of fs.readdirSync(workflows)) {
            const jobs = (yaml.load(fs.readFileSync(path.join(workflows, file), "utf8")) as { jobs: Record<string, { steps?: Array<{ run?: string }> }> }).jobs;
            for (const [name, job] of Object.entries(jobs)) {
                const runs = (job.steps ?? []).map((s) => s.run?.trim());
                if (!runs.includes("npm test")) continue;
                testJobs++;
                expect(runs.indexOf("npm run browser:install"), `${file} job ${name}`).to.be.greaterThan(-1).and.lessThan(runs.indexOf("npm test"));
            }
        }
        expect(testJobs).to.be.greaterThan(0);
    });
});
