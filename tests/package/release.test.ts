import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../components/lambda/bundle";

const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));

describe("the package as a release", function () {
    this.timeout(600_000);

    it("says where it lives, on the npm page and in its metadata", () => {
        expect(manifest.repository.url).to.match(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
        const home = manifest.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");
        expect(manifest.homepage).to.equal(`${home}#readme`);
        expect(manifest.bugs.url).to.equal(`${home}/issues`);
        expect(manifest.files).to.include("CHANGELOG.md");
    });

    it("claims the Node.js major its peers, its Lambdas and its own scripts run on", () => {
        expect(manifest.engines.node).to.equal(">=22");
        expect(manifest.devDependencies.node, "the node dev dependency runs the scripts").to.match(/^22\.\d+\.\d+$/);
        expect(manifest.allowScripts.node, "its install script fetches the platform's binary").to.equal(true);
        for (const file of fs.readdirSync(path.join(projectRoot, ".github", "workflows"))) {
            for (const m of fs.readFileSync(path.join(projectRoot, ".github", "workflows", file), "utf8").matchAll(/node-version: (\S+)/g)) expect(m[1], file).to.equal("22.x");
        }
        // npm test itself runs on it: mocha was started by the node on PATH, the dev dependency's.
        if (process.env.npm_lifecycle_event === "test:unit") expect(process.versions.node.split(".")[0]).to.equal("22");
    });

    it("keeps a changelog in Keep a Changelog form with an Unreleased section and every version linked", () => {
        const changelog = fs.readFileSync(path.join(projectRoot, "CHANGELOG.md"), "utf8");
        expect(changelog).to.match(/^# Changelog\n/);
        const versions = [...changelog.matchAll(/^## \[([^\]]+)\]/gm)].map((m) => m[1]);
        expect(versions[0]).to.equal("Unreleased");
        for (const v of versions) expect(changelog, `link for ${v}`).to.match(new RegExp(`^\\[${v.replaceAll(".", "\\.")}\\]: https://`, "m"));
        expect(versions, "the version in package.json is released or about to be").to.include(manifest.version);
    });

    it("builds once: a second build from the same sources (npm ci, then npm pack) does not build again", () => {
        const run = () => spawnSync("npm", ["run", "build"], { cwd: projectRoot, encoding: "utf8" });
        const first = run();
        expect(first.status, first.stderr).to.equal(0);
        const stamp = fs.statSync(path.join(projectRoot, "bin", "index.js")).mtimeMs;
        const second = run();
        expect(second.status).to.equal(0);
        expect(second.stderr).to.contain("bin/ is current (built from these sources): not building again");
        expect(fs.statSync(path.join(projectRoot, "bin", "index.js")).mtimeMs).to.equal(stamp);
    });
});
