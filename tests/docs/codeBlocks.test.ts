import { expect } from "chai";
import { projectRoot } from "../../components/lambda/bundle";
import { compileBlocks, typeScriptBlocks } from "./codeBlocks";

describe("docs: every TypeScript block of README.md and docs/ compiles against the package as a consumer imports it", function () {
    this.timeout(300_000);
    const blocks = typeScriptBlocks(projectRoot);

    it("compiles each block that is not marked a fragment, as its own module importing pulumi-license-ops", () => {
        expect(blocks.filter((b) => !b.fragment).length).to.be.greaterThan(6);
        expect(compileBlocks(projectRoot, blocks)).to.deep.equal([]);
    });

    it("marks few blocks as fragments (most examples are whole programs)", () => {
        const fragments = blocks.filter((b) => b.fragment);
        expect(fragments.length, fragments.map((b) => `${b.file}:${b.line}`).join(", ")).to.be.at.most(Math.ceil(blocks.length / 4));
    });

    it("fails on a block that does not compile (the check is live)", () => {
        const broken = [{ file: "docs/x.md", line: 10, code: 'import { LicenseConfigSet } from "pulumi-license-ops";\nnew LicenseConfigSet("l", { licenses: {}, alerts: false });', fragment: false }];
        const problems = compileBlocks(projectRoot, broken);
        expect(problems.join("\n")).to.match(/^docs\/x\.md:11: TS2559 /);
    });
});
