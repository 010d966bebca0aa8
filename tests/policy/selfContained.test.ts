import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { builtinModules } from "node:module";
import { projectRoot } from "../../components/lambda/bundle";
import * as contract from "../../policy/lib/workbenchContract";
import * as workbenchEvent from "../../functions/shared/workbenchEvent";
import { DEFAULT_TAG_KEYS } from "../../functions/workbench-forwarder/forwarder";
import { importsOf, sourceFiles } from "../support/moduleGraph";

const POLICY_DIR = path.join(projectRoot, "policy");

const packageName = (specifier: string) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

/**
 * `pulumi policy publish` uploads policy/ alone and installs policy/package.json: an import from functions/ or
 * components/, or of a package only the repository root declares, works here and breaks once published.
 */
describe("the policy pack is self-contained", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8"));
    const declared = { ...manifest.dependencies, ...manifest.devDependencies } as Record<string, string>;

    it("imports nothing from outside policy/ and only packages policy/package.json declares", () => {
        const problems: string[] = [];
        for (const file of sourceFiles(POLICY_DIR)) {
            for (const specifier of importsOf(file)) {
                const where = path.relative(projectRoot, file);
                if (specifier.startsWith(".")) {
                    const target = path.resolve(path.dirname(file), specifier);
                    if (!target.startsWith(POLICY_DIR + path.sep)) problems.push(`${where} imports ${specifier}, outside policy/`);
                } else if (!specifier.startsWith("node:") && !builtinModules.includes(specifier) && !(packageName(specifier) in (manifest.dependencies ?? {}))) {
                    problems.push(`${where} imports ${specifier}, not in policy/package.json dependencies`);
                }
            }
        }
        expect(problems).to.deep.equal([]);
    });

    it("pins the same versions as the repository root, so tests exercise what gets published", () => {
        const root = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
        const rootVersions = { ...root.dependencies, ...root.devDependencies } as Record<string, string>;
        for (const [name, version] of Object.entries(declared)) expect(rootVersions[name], name).to.equal(version);
    });

    it("keeps its copies of the workbench contract equal to the functions' originals", () => {
        expect(contract.DEFAULT_TAG_KEYS).to.deep.equal(DEFAULT_TAG_KEYS);
        expect(contract.USER_ID_PATTERN.source).to.equal(workbenchEvent.USER_ID_PATTERN.source);
        expect(contract.USER_ID_PATTERN.flags).to.equal(workbenchEvent.USER_ID_PATTERN.flags);
        expect(contract.WORKBENCH_TYPE_PATTERN.source).to.equal(workbenchEvent.WORKBENCH_TYPE_PATTERN.source);
        expect(contract.WORKBENCH_TYPE_PATTERN.flags).to.equal(workbenchEvent.WORKBENCH_TYPE_PATTERN.flags);
    });
});
