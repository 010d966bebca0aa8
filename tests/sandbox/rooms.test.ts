import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../../components/lambda/bundle";
import { importCycles, moduleGraph } from "../support/moduleGraph";

const SANDBOX_DIR = path.join(projectRoot, "sandbox");
/** Lines a file of the sandbox may have: one purpose per file, readable in one sitting. */
const MAX_LINES = 400;

function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

/** Lines as `wc -l` and editors count them (a final newline ends the last line, it does not start another). */
const lineCount = (text: string) => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
const relative = (file: string) => path.relative(projectRoot, file);

describe("the sandbox's rooms (sandbox/ kept readable)", () => {
    it("has no import cycle, type-only imports included", () => {
        const cycles = importCycles(moduleGraph(SANDBOX_DIR)).map((cycle) => cycle.map(relative).join(" -> "));
        expect(cycles, "import cycles under sandbox/").to.deep.equal([]);
    });

    it(`has no file over ${MAX_LINES} lines`, () => {
        const long = filesUnder(SANDBOX_DIR)
            .map((file) => ({ file: relative(file), lines: lineCount(fs.readFileSync(file, "utf8")) }))
            .filter((f) => f.lines > MAX_LINES)
            .map((f) => `${f.file}: ${f.lines} lines`);
        expect(long, `files over ${MAX_LINES} lines: split them by purpose`).to.deep.equal([]);
    });

    it("finds a cycle when there is one, and names it as a closed path", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-cycle-"));
        try {
            fs.writeFileSync(path.join(dir, "a.ts"), 'import type { B } from "./b";\nexport type A = B;\n');
            fs.writeFileSync(path.join(dir, "b.ts"), 'import { c } from "./nested/c";\nexport type B = string;\nexport const b = c;\n');
            fs.mkdirSync(path.join(dir, "nested"));
            fs.writeFileSync(path.join(dir, "nested", "c.ts"), 'export * from "../a";\nexport const c = 1;\n');
            fs.writeFileSync(path.join(dir, "d.ts"), 'import { b } from "./b";\nimport * as fs from "node:fs";\nexport const d = [b, fs];\n');
            const cycles = importCycles(moduleGraph(dir)).map((cycle) => cycle.map((f) => path.relative(dir, f)));
            expect(cycles).to.deep.equal([["a.ts", "b.ts", path.join("nested", "c.ts"), "a.ts"]]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
