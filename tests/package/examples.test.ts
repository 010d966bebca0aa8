import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import * as yaml from "js-yaml";
import { projectRoot } from "../../components/lambda/bundle";
import { PackageSchema, SchemaProperty, readSchema } from "./schemaSupport";

/**
 * The example programs under examples/ checked against schema.json without a Pulumi CLI: resource types, property
 * names (nested types included), required inputs, enum values, literal types and the outputs they read.
 */
const EXAMPLES = path.join(projectRoot, "examples");
const OUTPUT_REFERENCE = Symbol("a value computed by the program (an output, a variable, an expression)");

class SchemaChecker {
    readonly problems: string[] = [];
    constructor(private readonly schema: PackageSchema) {}

    resource(where: string, type: string, properties: Record<string, unknown>): void {
        const resource = this.schema.resources[type];
        if (!resource) return void this.problems.push(`${where}: no resource type ${type} in the schema`);
        this.object(where, resource.inputProperties, resource.requiredInputs ?? [], properties);
    }

    output(where: string, type: string, property: string): void {
        if (!this.schema.resources[type]?.properties[property]) this.problems.push(`${where}: ${type} has no output ${property}`);
    }

    private object(where: string, properties: Record<string, SchemaProperty>, required: string[], value: unknown): void {
        if (value === OUTPUT_REFERENCE) return;
        if (typeof value !== "object" || value === null || Array.isArray(value)) return void this.problems.push(`${where}: expected an object`);
        for (const [key, item] of Object.entries(value)) {
            if (!properties[key]) this.problems.push(`${where}.${key}: no such property (have ${Object.keys(properties).join(", ")})`);
            else this.value(`${where}.${key}`, properties[key], item);
        }
        for (const key of required) if (!(key in value)) this.problems.push(`${where}: required property ${key} missing`);
    }

    private value(where: string, property: SchemaProperty, value: unknown): void {
        if (value === OUTPUT_REFERENCE) return;
        if (property.$ref?.startsWith("#/types/")) {
            const type = this.schema.types[property.$ref.slice("#/types/".length)];
            if (type.enum) {
                const allowed = type.enum.map((e) => e.value);
                if (!allowed.includes(value as string)) this.problems.push(`${where}: ${JSON.stringify(value)} is not one of ${allowed.join(", ")}`);
                return;
            }
            return this.object(where, type.properties ?? {}, type.required ?? [], value);
        }
        if (property.$ref) return;
        switch (property.type) {
            case "string":
            case "number":
            case "boolean":
                if (typeof value !== property.type) this.problems.push(`${where}: expected a ${property.type}, got ${JSON.stringify(value)}`);
                return;
            case "integer":
                if (!Number.isInteger(value)) this.problems.push(`${where}: expected an integer, got ${JSON.stringify(value)}`);
                return;
            case "array":
                if (!Array.isArray(value)) return void this.problems.push(`${where}: expected a list`);
                value.forEach((item, i) => this.value(`${where}[${i}]`, property.items!, item));
                return;
            case "object":
                if (typeof value !== "object" || value === null) return void this.problems.push(`${where}: expected a map`);
                for (const [key, item] of Object.entries(value)) this.value(`${where}.${key}`, property.additionalProperties!, item);
                return;
        }
    }
}

/** Pulumi YAML: `${...}` interpolations are outputs of the program; plain scalars are checked by type. */
function yamlValue(value: unknown): unknown {
    if (typeof value === "string" && /\$\{[^}]+\}/.test(value)) return OUTPUT_REFERENCE;
    if (Array.isArray(value)) return value.map(yamlValue);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, yamlValue(v)]));
    return value;
}

/** Reads the Python program with Python's own parser: calls into the `licensing` SDK, their keyword arguments, and the attributes read from them. */
const PYTHON_READER = `
import ast, json, sys
tree = ast.parse(sys.stdin.read())
def value(node):
    if isinstance(node, ast.Constant): return node.value
    if isinstance(node, ast.List): return [value(e) for e in node.elts]
    if isinstance(node, ast.Dict): return {value(k): value(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and node.func.value.id == "licensing":
        return {"__call": node.func.attr, "kwargs": {k.arg: value(k.value) for k in node.keywords}}
    return {"__expr": True}
calls, reads, variables = [], [], {}
for node in ast.walk(tree):
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        v = value(node.value)
        if isinstance(v, dict) and "__call" in v: variables[node.targets[0].id] = v["__call"]
    if isinstance(node, ast.Call):
        v = value(node)
        if isinstance(v, dict) and "__call" in v: calls.append({"line": node.lineno, **v})
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        reads.append({"line": node.lineno, "variable": node.value.id, "attribute": node.attr})
print(json.dumps({"calls": calls, "reads": reads, "variables": variables}))
`;

const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The Python value in schema terms: SDK argument classes become objects with camelCase keys. */
function pythonValue(value: any, checker: SchemaChecker, schema: PackageSchema, where: string): unknown {
    if (Array.isArray(value)) return value.map((v, i) => pythonValue(v, checker, schema, `${where}[${i}]`));
    if (value !== null && typeof value === "object") {
        if (value.__expr) return OUTPUT_REFERENCE;
        if (value.__call) {
            const type = String(value.__call).replace(/Args$/, "");
            if (!schema.types[`licensing:index:${type}`]) checker.problems.push(`${where}: licensing.${value.__call} is no argument class of the schema`);
            return Object.fromEntries(Object.entries(value.kwargs).map(([k, v]) => [camel(k), pythonValue(v, checker, schema, `${where}.${k}`)]));
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pythonValue(v, checker, schema, `${where}.${k}`)]));
    }
    return value;
}

/** Problems of a Pulumi YAML program's use of the licensing resources (types, properties, enum values, outputs read). */
function yamlProblems(schema: PackageSchema, text: string, expectedTypes: string[]): string[] {
    const program = yaml.load(text) as { resources: Record<string, { type: string; properties?: Record<string, unknown> }> };
    const checker = new SchemaChecker(schema);
    const ours = Object.entries(program.resources).filter(([, r]) => r.type.startsWith("licensing:"));
    expect(ours.map(([, r]) => r.type)).to.include.members(expectedTypes);
    for (const [name, resource] of ours) checker.resource(`resources.${name}`, resource.type, yamlValue(resource.properties ?? {}) as Record<string, unknown>);
    for (const [, name, property] of text.matchAll(/\$\{([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\}/g)) {
        const type = program.resources[name]?.type;
        if (type?.startsWith("licensing:")) checker.output(`\${${name}.${property}}`, type, property);
    }
    return checker.problems;
}

/** Problems of a Python program's use of the `licensing` SDK (classes, keywords, enum values, attributes read). */
function pythonProblems(schema: PackageSchema, source: string, expectedComponents: string[]): string[] {
    const read = spawnSync("python3", ["-c", PYTHON_READER], { input: source, encoding: "utf8" });
    if (read.status !== 0) throw new Error(`python3 could not parse the program: ${read.stderr}`);
    const { calls, reads, variables } = JSON.parse(read.stdout) as {
        calls: { line: number; __call: string; kwargs: Record<string, unknown> }[];
        reads: { line: number; variable: string; attribute: string }[];
        variables: Record<string, string>;
    };
    const checker = new SchemaChecker(schema);
    // Argument classes are checked where they are used; the calls checked on their own are the components.
    const components = calls.filter((c) => schema.resources[`licensing:index:${c.__call}`]);
    expect(components.map((c) => c.__call)).to.include.members(expectedComponents);
    for (const call of components) {
        const where = `line ${call.line} ${call.__call}`;
        const properties = Object.fromEntries(Object.entries(call.kwargs).map(([k, v]) => [camel(k), pythonValue(v, checker, schema, `${where}.${k}`)]));
        checker.resource(where, `licensing:index:${call.__call}`, properties);
    }
    for (const { line, variable, attribute } of reads) {
        const component = variables[variable];
        if (component && schema.resources[`licensing:index:${component}`]) checker.output(`line ${line} ${variable}.${attribute}`, `licensing:index:${component}`, camel(attribute));
    }
    return checker.problems;
}

describe("example programs (examples/) against the package schema", function () {
    this.timeout(60_000);
    const schema = readSchema();
    const yamlProgram = fs.readFileSync(path.join(EXAMPLES, "yaml", "Pulumi.yaml"), "utf8");
    const pythonProgram = fs.readFileSync(path.join(EXAMPLES, "python", "__main__.py"), "utf8");
    const YAML_TYPES = ["licensing:index:LicenseServerHub", "licensing:index:MultiRegionLicenseTracker"];
    const PYTHON_COMPONENTS = ["LicenseConfigSet", "WorkbenchAccountForwarder"];
    const replaced = (text: string, from: string, to: string) => {
        expect(text).to.contain(from);
        return text.replace(from, to);
    };

    it("YAML: every licensing resource, property, required input, enum value and output read exists", () => {
        expect(yamlProblems(schema, yamlProgram, YAML_TYPES)).to.deep.equal([]);
    });

    it("Python: every licensing class, keyword, required input, enum value and output read exists", () => {
        expect(pythonProblems(schema, pythonProgram, PYTHON_COMPONENTS)).to.deep.equal([]);
    });

    it("would catch a misspelt property, a wrong enum value, an unknown output and a missing required input", () => {
        expect(yamlProblems(schema, replaced(yamlProgram, "seats: 50", "seat: 50"), YAML_TYPES)).to.have.length(1).and.to.match(/seat: no such property/);
        expect(yamlProblems(schema, replaced(yamlProgram, "layout: hive", "layout: flat"), YAML_TYPES)).to.have.length(1).and.to.match(/"flat" is not one of dated, hive/);
        expect(yamlProblems(schema, replaced(yamlProgram, "${hub.busArn}", "${hub.busArm}"), YAML_TYPES)).to.have.length(1).and.to.match(/has no output busArm/);
        expect(pythonProblems(schema, replaced(pythonProgram, "license_count=64", "licence_count=64"), PYTHON_COMPONENTS)).to.have.length(1).and.to.match(/licenceCount: no such property/);
        expect(pythonProblems(schema, replaced(pythonProgram, 'counting_type="Core"', 'counting_type="Cores"'), PYTHON_COMPONENTS)).to.have.length(1).and.to.match(/"Cores" is not one of/);
        expect(pythonProblems(schema, replaced(pythonProgram, "hub_event_bus_arn=", "hub_bus_arn="), PYTHON_COMPONENTS).join("\n")).to.match(/required property hubEventBusArn missing/);
    });
});
