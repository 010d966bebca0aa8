/**
 * The import graph of a folder's TypeScript files, read with the TypeScript compiler's own pre-processor (static
 * imports, `import type`, `export ... from`, `import("...")` and `require("...")` alike), and its cycles.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

/** Every `.ts` file under `dir`, node_modules left out. */
export function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(full);
        return entry.name.endsWith(".ts") ? [full] : [];
    });
}

/** Module specifiers a file imports, type-only imports included (they are dependencies of the source all the same). */
export function importsOf(file: string): string[] {
    return ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true).importedFiles.map((f) => f.fileName);
}

/** File -> the files under `dir` it imports (relative specifiers resolved as TypeScript resolves them). */
export function moduleGraph(dir: string): Map<string, string[]> {
    const options: ts.CompilerOptions = { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 };
    const graph = new Map<string, string[]>();
    for (const file of sourceFiles(dir)) {
        const targets = importsOf(file)
            .filter((specifier) => specifier.startsWith("."))
            .map((specifier) => ts.resolveModuleName(specifier, file, options, ts.sys).resolvedModule?.resolvedFileName)
            .filter((target): target is string => target !== undefined && target.startsWith(dir + path.sep));
        graph.set(file, [...new Set(targets.map((t) => path.resolve(t)))]);
    }
    return graph;
}

/**
 * The graph's cycles: one per strongly connected component of more than one file (or a file importing itself),
 * each as a closed path `a -> b -> ... -> a` (Tarjan's algorithm, then a shortest way back within the component).
 */
export function importCycles(graph: Map<string, string[]>): string[][] {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const components: string[][] = [];
    const visit = (node: string): void => {
        index.set(node, index.size);
        low.set(node, index.get(node)!);
        stack.push(node);
        onStack.add(node);
        for (const next of graph.get(node) ?? []) {
            if (!index.has(next)) {
                visit(next);
                low.set(node, Math.min(low.get(node)!, low.get(next)!));
            } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
        }
        if (low.get(node) !== index.get(node)) return;
        const component: string[] = [];
        let member: string;
        do {
            member = stack.pop()!;
            onStack.delete(member);
            component.push(member);
        } while (member !== node);
        if (component.length > 1 || (graph.get(node) ?? []).includes(node)) components.push(component);
    };
    for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
    return components.map((component) => cycleThrough(graph, new Set(component)));
}

/** A shortest closed path from the component's first file (by name) back to itself, staying inside the component. */
function cycleThrough(graph: Map<string, string[]>, component: Set<string>): string[] {
    const start = [...component].sort()[0];
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
        const node = queue.shift()!;
        for (const next of graph.get(node) ?? []) {
            if (!component.has(next)) continue;
            if (next === start) {
                const path = [start];
                for (let at = node; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
                return [...path, start];
            }
            if (!previous.has(next)) {
                previous.set(next, node);
                queue.push(next);
            }
        }
    }
    return [start, start];
}
