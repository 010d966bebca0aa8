/**
 * The TypeScript blocks of README.md and docs/: each a module a platform team could paste into its own program,
 * compiled as one (the package imported as `pulumi-license-ops`, Pulumi's template compiler settings). A block that
 * is only part of a program says so in its fence (```ts fragment) and is not compiled.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

export interface CodeBlock {
    file: string;
    /** 1-based line of the block's first code line. */
    line: number;
    code: string;
    fragment: boolean;
}

const FENCE = /^```(ts|typescript)((?:[ \t]+\S+)*)[ \t]*$/;

export function typeScriptBlocks(root: string): CodeBlock[] {
    const files = ["README.md", ...markdownUnder(path.join(root, "docs")).map((f) => path.relative(root, f))];
    return files.flatMap((file) => {
        const lines = fs.readFileSync(path.join(root, file), "utf8").split("\n");
        const blocks: CodeBlock[] = [];
        for (let i = 0; i < lines.length; i++) {
            const open = FENCE.exec(lines[i]);
            if (!open) continue;
            const end = lines.findIndex((l, j) => j > i && l.startsWith("```"));
            blocks.push({ file, line: i + 2, code: lines.slice(i + 1, end).join("\n"), fragment: open[2].split(/\s+/).includes("fragment") });
            i = end;
        }
        return blocks;
    });
}

/** Compiles every block that is not a fragment as its own module; returns one line per diagnostic, at the Markdown line. */
export function compileBlocks(root: string, blocks: readonly CodeBlock[]): string[] {
    const dir = fs.mkdtempSync(path.join(root, ".doc-blocks-"));
    try {
        const sources = new Map<string, CodeBlock>();
        blocks.forEach((block, i) => {
            if (block.fragment) return;
            const file = path.join(dir, `block${i}.ts`);
            // `export {}` makes every block a module of its own, as a program's index.ts is.
            fs.writeFileSync(file, `${block.code}\nexport {};\n`);
            sources.set(file, block);
        });
        const program = ts.createProgram([...sources.keys()], {
            strict: true,
            target: ts.ScriptTarget.ES2020,
            module: ts.ModuleKind.CommonJS,
            moduleResolution: ts.ModuleResolutionKind.Node10,
            noEmit: true,
            esModuleInterop: true,
            skipLibCheck: true,
            types: ["node"],
            ignoreDeprecations: "6.0",
            baseUrl: root,
            paths: { "pulumi-license-ops": ["index.ts"] },
        });
        return ts.getPreEmitDiagnostics(program).flatMap((d) => {
            const block = d.file && sources.get(path.resolve(d.file.fileName));
            if (!block || d.start === undefined) return d.file && !sources.has(path.resolve(d.file.fileName)) ? [] : [ts.flattenDiagnosticMessageText(d.messageText, "\n")];
            const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
            return [`${block.file}:${block.line + line}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`];
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function markdownUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? markdownUnder(path.join(dir, e.name)) : e.name.endsWith(".md") ? [path.join(dir, e.name)] : []));
}
