import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { projectRoot } from "../../components/lambda/bundle";
import { DOCUMENTED_COMPONENTS, componentReference, declaredComponents } from "../../tools/docs/componentReference";
import { BEGIN_MARKER, END_MARKER, UPDATE_COMMAND, componentPages, withReference } from "../../tools/docs/docPages";

/** README limit: the anchors (pulumi-awsx, pulumi-eks) keep theirs at 5-6 KB and put the rest in docs/. */
const README_MAX_BYTES = 10 * 1024;

function markdownFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? markdownFiles(full) : entry.name.endsWith(".md") ? [full] : [];
    });
}

describe("docs", () => {
    it("each component page's input/output tables match the TSDoc of its args interface and properties", () => {
        for (const page of componentPages(projectRoot)) {
            expect(page.current === page.expected, `${page.doc} is out of date with the TSDoc of ${page.component}; run \`${UPDATE_COMMAND}\``).to.equal(true);
        }
    });

    it("documents every component under components/", () => {
        const documented = DOCUMENTED_COMPONENTS.map((c) => c.component as string).sort();
        expect(documented, "add the component to DOCUMENTED_COMPONENTS in tools/docs/componentReference.ts").to.deep.equal(declaredComponents(projectRoot));
    });

    it("refuses a component output without a TSDoc description", () => {
        const root = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "reference-"));
        try {
            fs.mkdirSync(path.join(root, "components"));
            fs.mkdirSync(path.join(root, "functions"));
            fs.writeFileSync(
                path.join(root, "components", "thing.ts"),
                "export interface ThingArgs {\n    /** Size. */\n    size: number;\n}\nexport class Thing extends pulumi.ComponentResource {\n    /** Documented. */\n    public readonly a: string;\n    public readonly b: string;\n    constructor(name: string, args: ThingArgs) {}\n}\n",
            );
            expect(() => componentReference(root, "Thing", "components/thing.ts")).to.throw("Thing: outputs without a TSDoc description: b");
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("generates a row per argument with its type, whether it is required and its TSDoc, and the nested argument types", () => {
        const hub = componentReference(projectRoot, "LicenseServerHub", "components/hub/licenseServerHub.ts");
        expect(hub).to.contain("### Inputs (`LicenseServerHubArgs`)");
        expect(hub).to.match(/\| `catalog` \| `ProductCatalog` \| yes \| Licensed products per workbench type/);
        expect(hub).to.contain("#### `LicensedProduct`");
        expect(hub).to.match(/\| `seats` \| `pulumi.Input<number>` \| no \| Seats the organisation owns\./);
        expect(hub).to.match(/### Outputs[\s\S]*\| `busArn` \| `pulumi.Output<string>` \|/);
    });

    it("replaces only the generated part of a page, keeping the prose around it", () => {
        const page = `# Title\n\nProse before.\n\n${BEGIN_MARKER}\n\nold tables\n\n${END_MARKER}\n\nProse after.\n`;
        const updated = withReference(page, "new tables");
        expect(updated).to.equal(`# Title\n\nProse before.\n\n${BEGIN_MARKER}\n\nnew tables\n\n${END_MARKER}\n\nProse after.\n`);
        expect(withReference("# Title\n", "tables")).to.equal(`# Title\n\n## Reference\n\n${BEGIN_MARKER}\n\ntables\n\n${END_MARKER}\n`);
    });

    it(`keeps the README at most ${README_MAX_BYTES} bytes`, () => {
        const size = fs.statSync(path.join(projectRoot, "README.md")).size;
        expect(size, `README.md is ${size} bytes; move detail into docs/ and link it`).to.be.at.most(README_MAX_BYTES);
    });

    it("links every page under docs/ from the README, or from an index (a README.md under docs/) the README reaches", () => {
        const linksOf = (page: string) => {
            const text = fs.readFileSync(path.join(projectRoot, page), "utf8");
            return [...text.matchAll(/\]\(([^)#\s]+\.md)(?:#[^)]*)?\)/g)].map((m) => path.posix.normalize(path.posix.join(path.posix.dirname(page), m[1].replace(/^\.\//, ""))));
        };
        const linked = new Set<string>();
        const indexes = ["README.md"];
        while (indexes.length > 0) {
            for (const target of linksOf(indexes.shift()!)) {
                if (!target.startsWith("docs/") || linked.has(target)) continue;
                linked.add(target);
                if (target.endsWith("/README.md")) indexes.push(target);
            }
        }
        const unlinked = markdownFiles(path.join(projectRoot, "docs"))
            .map((file) => path.relative(projectRoot, file).split(path.sep).join("/"))
            .filter((doc) => !linked.has(doc));
        expect(unlinked, `no index links: ${unlinked.join(", ")} (link each from docs/README.md)`).to.deep.equal([]);
    });
});
