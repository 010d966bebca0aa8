/**
 * The Pulumi package schema of the components (schema.json, what `pulumi package add` generates the other languages'
 * SDKs from). Pulumi's own analyzer (the one its component provider host runs) reads the argument interfaces and the
 * public members; this file adds what the analyzer leaves out: a description for every type (from its TSDoc),
 * `integer` where a whole number is meant, and each language's package name. The provider (provider.js) serves the
 * committed copy, so the package works from node_modules, where there are no TypeScript sources to analyze.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { Analyzer, type PropertyDefinition } from "@pulumi/pulumi/provider/experimental/analyzer";
import { generateSchema } from "@pulumi/pulumi/provider/experimental/schema";
import { PACKAGE_NAME, PROVIDED_COMPONENTS } from "../../components/provided";

/**
 * Number properties that may hold a fraction (`Type.property`). Every other number of the schema is a count, a
 * duration or a percentage the components check to be whole, and is typed `integer`: a new fractional number must
 * be listed here, or other languages' SDKs would refuse its values.
 */
export const FRACTIONAL_NUMBERS: readonly string[] = ["LicensedProduct.annualCostPerSeat"];

/**
 * Per-language package names: what a Python, Go, .NET or Java program imports (`pulumi package add` generates the
 * SDK under that name). Node programs install this package itself, whose name the Node entry repeats.
 */
export const LANGUAGE_PACKAGES = {
    nodejs: { packageName: "pulumi-license-ops", respectSchemaVersion: true },
    python: { packageName: "pulumi_licensing", respectSchemaVersion: true },
    go: { importBasePath: "github.com/license-ops/pulumi-license-ops/sdk/go/licensing", respectSchemaVersion: true },
    csharp: { rootNamespace: "LicenseOps", respectSchemaVersion: true },
    java: { basePackage: "io.github.licenseops", respectSchemaVersion: true },
} as const;

type Property = PropertyDefinition & { type?: string };
interface SchemaObject {
    description?: string;
    properties?: Record<string, Property>;
    inputProperties?: Record<string, Property>;
    enum?: unknown[];
}
export interface GeneratedSchema {
    name: string;
    version: string;
    resources: Record<string, SchemaObject>;
    types: Record<string, SchemaObject>;
    language: Record<string, unknown>;
    [key: string]: unknown;
}

/** Analyzes the components under `root` (a checkout: TypeScript sources and tsconfig.json) into the package schema. */
export function generatePackageSchema(root: string): GeneratedSchema {
    const packageJson = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    const analyzer = new Analyzer(root, PACKAGE_NAME, packageJson, new Set(PROVIDED_COMPONENTS.map((c) => c.name)));
    const { components, typeDefinitions, dependencies } = analyzer.analyze();
    const schema = generateSchema(PACKAGE_NAME, packageJson.version, packageJson.description, components, typeDefinitions, dependencies) as unknown as GeneratedSchema;
    const program = (analyzer as unknown as { program: ts.Program }).program;
    describeTypes(schema, typeDescriptions(program, root));
    typeIntegers(schema);
    schema.language = { ...LANGUAGE_PACKAGES };
    assertDescribed(schema);
    return JSON.parse(JSON.stringify(schema));
}

/** TSDoc of every top-level interface, class, enum and type alias of the project's own sources, by name. */
function typeDescriptions(program: ts.Program, root: string): Map<string, string> {
    const found = new Map<string, string>();
    for (const file of program.getSourceFiles()) {
        if (file.isDeclarationFile || !file.fileName.startsWith(root) || file.fileName.includes("node_modules")) continue;
        for (const node of file.statements) {
            // An enum of this package is an object of constants and a type of the same name: the constant has the TSDoc.
            const names = ts.isVariableStatement(node)
                ? node.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []))
                : (ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node) || ts.isEnumDeclaration(node) || ts.isTypeAliasDeclaration(node)) && node.name
                  ? [node.name.text]
                  : [];
            const doc = ts.getJSDocCommentsAndTags(node).find(ts.isJSDoc);
            const text = doc ? ts.getTextOfJSDocComment(doc.comment)?.trim() : undefined;
            for (const name of names) if (text && !found.has(name)) found.set(name, text);
        }
    }
    return found;
}

function describeTypes(schema: GeneratedSchema, descriptions: Map<string, string>): void {
    for (const [token, type] of Object.entries(schema.types)) {
        const name = token.slice(`${PACKAGE_NAME}:index:`.length);
        type.description ??= descriptions.get(name);
    }
}

/** Types every number of the schema `integer` but those listed in FRACTIONAL_NUMBERS (each must exist). */
function typeIntegers(schema: GeneratedSchema): void {
    const unused = new Set(FRACTIONAL_NUMBERS);
    const visit = (owner: string, properties: Record<string, Property> | undefined) => {
        for (const [name, property] of Object.entries(properties ?? {})) {
            for (let p: Property | undefined = property; p; p = (p.items ?? p.additionalProperties) as Property | undefined) {
                if (p.type !== "number") continue;
                if (unused.delete(`${owner}.${name}`) || FRACTIONAL_NUMBERS.includes(`${owner}.${name}`)) continue;
                p.type = "integer";
            }
        }
    };
    for (const [token, resource] of Object.entries(schema.resources)) {
        const owner = token.split(":")[2];
        visit(owner, resource.inputProperties);
        visit(owner, resource.properties);
    }
    for (const [token, type] of Object.entries(schema.types)) visit(token.split(":")[2], type.properties);
    if (unused.size > 0) throw new Error(`FRACTIONAL_NUMBERS names properties the schema does not have: ${[...unused].join(", ")}`);
}

/** Refuses a schema with an undescribed component, type or property: the SDKs' docs come from these texts. */
function assertDescribed(schema: GeneratedSchema): void {
    const missing: string[] = [];
    const check = (where: string, object: SchemaObject) => {
        if (!object.description) missing.push(where);
        for (const [name, p] of Object.entries({ ...object.inputProperties, ...object.properties })) if (!p.description) missing.push(`${where}.${name}`);
    };
    for (const [token, resource] of Object.entries(schema.resources)) check(token, resource);
    for (const [token, type] of Object.entries(schema.types)) check(token, type);
    if (missing.length > 0) throw new Error(`the schema needs a TSDoc description for: ${missing.join(", ")}`);
}
