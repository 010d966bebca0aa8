import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../components/lambda/bundle";

/**
 * npm 11 runs a dependency's install scripts only when package.json's `allowScripts` approves it and warns about
 * every one not yet decided. Each package the lockfile marks `hasInstallScript` must be decided (true or false,
 * docs/ci.md says why), so `npm ci` prints no warning and a new dependency's script never runs unreviewed.
 */
describe("dependency install scripts", () => {
    it("are each explicitly allowed or denied in package.json allowScripts", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
        const lock = JSON.parse(fs.readFileSync(path.join(projectRoot, "package-lock.json"), "utf8")) as { packages: Record<string, { hasInstallScript?: boolean }> };
        const withScripts = Object.entries(lock.packages)
            .filter(([location, entry]) => location !== "" && entry.hasInstallScript)
            .map(([location]) => location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length));
        expect(withScripts.length).to.be.greaterThan(0);
        const decided = manifest.allowScripts as Record<string, boolean>;
        expect([...new Set(withScripts)].filter((name) => typeof decided[name] !== "boolean"), "undecided install scripts").to.deep.equal([]);
        expect(decided.esbuild, "esbuild checks its platform binary").to.equal(true);
    });
});
