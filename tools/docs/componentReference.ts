/**
 * Input and output tables of each component, generated from the TSDoc of its args interface (and the interfaces
 * those arguments use) and of its public readonly properties, with the TypeScript compiler's parser. Syntax only: no
 * type checking, so generating all four takes well under a second.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

/** The documented components: the class, the file that declares it and the doc page its tables go to. */
export const DOCUMENTED_COMPONENTS = [
    { component: "WorkbenchAccountForwarder", source: "components/workbench/workbenchAccountForwarder.ts", doc: "docs/components/workbench-account-forwarder.md" },
    { component: "LicenseServerHub", source: "components/hub/licenseServerHub.ts", doc: "docs/components/license-server-hub.md" },
    { component: "MultiRegionLicenseTracker", source: "components/tracking/multiRegionLicenseTracker.ts", doc: "docs/components/multi-region-license-tracker.md" },
    { component: "LicenseConfigSet", source: "components/config/licenseConfigSet.ts", doc: "docs/components/license-config-set.md" },
    { component: "OnPremisesServers", source: "components/config/onPremisesServers.ts", doc: "docs/components/on-premises-servers.md" },
    { component: "LicenseGrants", source: "components/config/licenseGrants.ts", doc: "docs/components/license-grants.md" },
    { component: "LicenseGrantAcceptances", source: "components/config/licenseGrants.ts", doc: "docs/components/license-grant-acceptances.md" },
    { component: "LicenseBudgets", source: "components/config/licenseBudgets.ts", doc: "docs/components/license-budgets.md" },
    { component: "WorkbenchGuardrails", source: "components/trust/workbenchGuardrails.ts", doc: "docs/components/workbench-guardrails.md" },
    { component: "AlertTopic", source: "components/shared/alertTopic.ts", doc: "docs/components/alert-topic.md" },
    { component: "SeatLedger", source: "components/hub/seatLedger.ts", doc: "docs/components/seat-ledger.md" },
    { component: "LicenseAnalytics", source: "components/analytics/licenseAnalytics.ts", doc: "docs/components/license-analytics.md" },
    { component: "LicenseAuditTrail", source: "components/analytics/auditTrail.ts", doc: "docs/components/license-audit-trail.md" },
    { component: "WorkbenchStackSet", source: "components/stackset/workbenchStackSet.ts", doc: "docs/components/workbench-stack-set.md" },
] as const;

/** Names of the ComponentResource classes declared under components/ (building blocks under lambda/ excepted). */
export function declaredComponents(root: string): string[] {
    return tsFiles(path.join(root, "components"))
        .filter((file) => !file.includes(`${path.sep}lambda${path.sep}`))
        .flatMap((file) =>
            parse(file).statements.filter(
                (s): s is ts.ClassDeclaration =>
                    ts.isClassDeclaration(s) && (s.heritageClauses ?? []).some((h) => h.types.some((t) => t.expression.getText() === "pulumi.ComponentResource")),
            ),
        )
        .map((cls) => cls.name!.text)
        .sort();
}

/** Folders whose interfaces a component's arguments may use. */
const SOURCE_FOLDERS = ["components", "functions"];

interface Row {
    name: string;
    type: string;
    required: boolean;
    description: string;
}

/** The Markdown reference (inputs, nested argument types, outputs) of one component. */
export function componentReference(root: string, component: string, source: string): string {
    const interfaces = projectInterfaces(root);
    const file = parse(path.join(root, source));
    const cls = file.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === component);
    if (!cls) throw new Error(`${source}: no class ${component}`);
    const ctor = cls.members.find(ts.isConstructorDeclaration);
    const argsType = ctor?.parameters[1]?.type;
    if (!argsType || !ts.isTypeReferenceNode(argsType)) throw new Error(`${component}: the constructor's second parameter must name its args interface`);
    const argsName = argsType.typeName.getText(file);

    const sections: string[] = [];
    const seen = new Set<string>();
    const queue = [argsName];
    while (queue.length > 0) {
        const name = queue.shift()!;
        if (seen.has(name)) continue;
        seen.add(name);
        const declaration = interfaces.get(name);
        if (!declaration) continue;
        const rows = declaration.members.filter(ts.isPropertySignature).map((member) => {
            for (const referenced of referencedNames(member.type)) if (interfaces.has(referenced)) queue.push(referenced);
            return {
                name: member.name.getText(),
                type: oneLine(member.type?.getText() ?? "unknown"),
                required: member.questionToken === undefined,
                description: documentation(member),
            };
        });
        const heading = name === argsName ? `### Inputs (\`${name}\`)` : `#### \`${name}\``;
        const intro = documentation(declaration);
        sections.push([heading, "", ...(intro ? [intro, ""] : []), table(rows, true)].join("\n"));
    }

    const outputs = cls.members
        .filter((m): m is ts.PropertyDeclaration => ts.isPropertyDeclaration(m))
        .filter((m) => {
            const modifiers = ts.getModifiers(m) ?? [];
            const hidden = modifiers.some((x) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword);
            return !hidden && modifiers.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword) && !m.name.getText().startsWith("#");
        })
        .map((m) => ({ name: m.name.getText(), type: oneLine(m.type?.getText() ?? "unknown"), required: m.questionToken === undefined, description: documentation(m) }));
    const undocumented = outputs.filter((o) => o.description.trim() === "").map((o) => o.name);
    // Every output is part of the component's contract: a reader of the reference (or another language's SDK) needs to know what it is.
    if (undocumented.length > 0) throw new Error(`${component}: outputs without a TSDoc description: ${undocumented.join(", ")}`);
    sections.push(["### Outputs", "", table(outputs, false)].join("\n"));
    return sections.join("\n\n");
}

function table(rows: Row[], inputs: boolean): string {
    const cell = (text: string) => text.replace(/\|/g, "\\|");
    const header = inputs ? "| Name | Type | Required | Description |\n| --- | --- | --- | --- |" : "| Name | Type | Description |\n| --- | --- | --- |";
    const lines = rows.map((r) =>
        inputs
            ? `| \`${r.name}\` | \`${cell(r.type)}\` | ${r.required ? "yes" : "no"} | ${cell(r.description)} |`
            : `| \`${r.name}\` | \`${cell(r.type)}\`${r.required ? "" : " (optional)"} | ${cell(r.description)} |`,
    );
    return [header, ...lines].join("\n");
}

/** Every interface declared under the source folders, by name (the first one found wins). */
function projectInterfaces(root: string): Map<string, ts.InterfaceDeclaration> {
    const found = new Map<string, ts.InterfaceDeclaration>();
    for (const folder of SOURCE_FOLDERS) {
        for (const file of tsFiles(path.join(root, folder))) {
            for (const statement of parse(file).statements) {
                if (ts.isInterfaceDeclaration(statement) && !found.has(statement.name.text)) found.set(statement.name.text, statement);
            }
        }
    }
    return found;
}

function tsFiles(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .sort((a, b) => a.name.localeCompare(b.name))
        .flatMap((entry) => {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) return entry.name === "node_modules" ? [] : tsFiles(full);
            return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
        });
}

const parsed = new Map<string, ts.SourceFile>();
function parse(file: string): ts.SourceFile {
    let source = parsed.get(file);
    if (!source) {
        source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
        parsed.set(file, source);
    }
    return source;
}

/** Type names a type mentions (`Record<string, LicensedProduct>` -> Record, LicensedProduct). */
function referencedNames(type: ts.TypeNode | undefined): string[] {
    const names: string[] = [];
    const visit = (node: ts.Node) => {
        if (ts.isTypeReferenceNode(node)) names.push(node.typeName.getText());
        ts.forEachChild(node, visit);
    };
    if (type) visit(type);
    return names;
}

/** The node's TSDoc as one line: the text, then any tags (`@default`, ...) as written. */
function documentation(node: ts.Node): string {
    const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
    const last = docs[docs.length - 1];
    if (!last) return "";
    const text = ts.getTextOfJSDocComment(last.comment) ?? "";
    const tags = (last.tags ?? []).map((tag) => `${tag.tagName.text === "default" ? "Default" : `@${tag.tagName.text}`}: ${ts.getTextOfJSDocComment(tag.comment) ?? ""}`);
    return oneLine([text, ...tags].filter(Boolean).join(" "));
}

function oneLine(text: string): string {
    return text.replace(/\s+/g, " ").trim();
}
