import type { RecordedResource } from "./pulumiMocks";

/**
 * A deterministic, reviewable text rendering of what a program registers: one block per resource, sorted by type
 * and name, with every input in canonical (key-sorted) JSON. Policy documents and event patterns, which are
 * JSON strings, are expanded so a diff shows the statement that changed rather than one long line.
 */
export function renderPlan(title: string, resources: RecordedResource[]): string {
    const sorted = [...resources].sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
    const lines = [`# Resource plan: ${title}`, `# ${sorted.length} resources. Regenerate with: npm run plans:update`, ""];
    for (const resource of sorted) {
        lines.push(`${resource.type} ${resource.name}`);
        for (const key of Object.keys(resource.inputs).sort()) {
            const value = renderValue(resource.inputs[key]);
            if (value === undefined) continue;
            const rendered = value.includes("\n") ? `\n${indent(value, "    ")}` : ` ${value}`;
            lines.push(`  ${key}:${rendered}`);
        }
        lines.push("");
    }
    return lines.join("\n");
}

function renderValue(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value === "string") {
        const parsed = parseJsonDocument(value);
        return parsed === undefined ? JSON.stringify(value) : canonicalJson(parsed, 2);
    }
    if (isArchive(value)) return "<bundled archive: see the function's licensing:bundle-sha256 tag>";
    const compact = canonicalJson(value);
    return compact.length <= 100 ? compact : canonicalJson(value, 2);
}

function parseJsonDocument(value: string): unknown {
    if (!/^\s*[{[]/.test(value)) return undefined;
    try {
        return JSON.parse(value);
    } catch {
        return undefined;
    }
}

function isArchive(value: unknown): boolean {
    return typeof value === "object" && value !== null && "__pulumiArchive" in value;
}

/** JSON with object keys sorted at every depth, so equal values always render the same. */
export function canonicalJson(value: unknown, space?: number): string {
    return JSON.stringify(sortKeys(value), null, space);
}

function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.keys(value)
                .sort()
                .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}

function indent(text: string, prefix: string): string {
    return text
        .split("\n")
        .map((line) => prefix + line)
        .join("\n");
}

/**
 * The differences between two plans, resource by resource: added and removed resources, and for a changed one the
 * lines that left (`-`) and arrived (`+`). Empty when the plans are equal.
 */
export function diffPlans(expected: string, actual: string): string[] {
    const before = planBlocks(expected);
    const after = planBlocks(actual);
    const differences: string[] = [];
    for (const [header, lines] of before) {
        const now = after.get(header);
        if (!now) {
            differences.push(`- ${header} (removed)`);
            continue;
        }
        const removed = lines.filter((l) => !now.includes(l));
        const added = now.filter((l) => !lines.includes(l));
        if (removed.length > 0 || added.length > 0) {
            differences.push(`~ ${header}`, ...removed.map((l) => `  - ${l.trim()}`), ...added.map((l) => `  + ${l.trim()}`));
        }
    }
    for (const header of after.keys()) {
        if (!before.has(header)) differences.push(`+ ${header} (added)`);
    }
    return differences;
}

function planBlocks(plan: string): Map<string, string[]> {
    const blocks = new Map<string, string[]>();
    let current: string[] | undefined;
    for (const line of plan.split("\n")) {
        if (line.startsWith("#") || line === "") continue;
        if (!line.startsWith(" ")) {
            current = [];
            blocks.set(line, current);
        } else {
            current?.push(line);
        }
    }
    return blocks;
}
