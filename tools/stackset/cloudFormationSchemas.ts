/**
 * Checks a CloudFormation template against AWS's CloudFormation resource schemas (the registry schemas, as packaged by
 * `@aws-cdk/aws-service-spec`), offline: every resource type exists; every property is one the type has, with a value
 * of its type (strings, integers, booleans, lists, maps, nested property types, allowed values); every required
 * property is there; every `Ref`, `Fn::GetAtt` (attribute included), `Fn::Sub` reference and `DependsOn` names
 * something the template has. Each problem is one line starting with the resource and property path.
 */
import * as fs from "node:fs";
import * as zlib from "node:zlib";

type SpecType =
    | { type: "string" | "integer" | "number" | "boolean" | "json" | "date-time" | "null" | "tag"; allowedValues?: string[] }
    | { type: "array" | "map"; element: SpecType }
    | { type: "ref"; reference: { $ref: string } }
    | { type: "union"; types: SpecType[] };

interface SpecProperty {
    type: SpecType;
    required?: boolean;
}

interface SpecResource {
    cloudFormationType: string;
    properties: Record<string, SpecProperty>;
    attributes: Record<string, unknown>;
}

interface SpecDatabase {
    resources: Map<string, SpecResource>;
    types: Map<string, { name: string; properties: Record<string, SpecProperty> }>;
}

let database: SpecDatabase | undefined;

/** AWS's CloudFormation resource schemas (read once). */
export function cloudFormationSpec(): SpecDatabase {
    if (!database) {
        const file = require.resolve("@aws-cdk/aws-service-spec/db.json.gz");
        const db = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString("utf8"));
        const resources = new Map<string, SpecResource>();
        for (const r of Object.values<SpecResource>(db.schema.resource.entities)) resources.set(r.cloudFormationType, r);
        const types = new Map<string, { name: string; properties: Record<string, SpecProperty> }>();
        for (const t of Object.values<any>(db.schema.typeDefinition.entities)) types.set(t.$id, t);
        database = { resources, types };
    }
    return database;
}

const PSEUDO_PARAMETERS = new Set(["AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::URLSuffix", "AWS::StackName", "AWS::StackId", "AWS::NoValue", "AWS::NotificationARNs"]);
const INTRINSIC = /^(Ref|Fn::[A-Za-z]+|Condition)$/;

export interface CloudFormationTemplateLike {
    Parameters?: Record<string, unknown>;
    Resources: Record<string, { Type: string; DependsOn?: string | string[]; Properties?: Record<string, unknown> }>;
}

export function cloudFormationSchemaProblems(template: CloudFormationTemplateLike): string[] {
    const spec = cloudFormationSpec();
    const problems: string[] = [];
    const parameters = new Set(Object.keys(template.Parameters ?? {}));
    const resourceIds = new Set(Object.keys(template.Resources));

    const checkReference = (path: string, name: string, attribute?: string) => {
        if (attribute === undefined) {
            if (!resourceIds.has(name) && !parameters.has(name) && !PSEUDO_PARAMETERS.has(name)) problems.push(`${path}: Ref ${name} names no resource, parameter or pseudo parameter`);
            return;
        }
        const target = template.Resources[name];
        if (!target) return problems.push(`${path}: Fn::GetAtt ${name}.${attribute} names no resource`), undefined;
        const attributes = spec.resources.get(target.Type)?.attributes ?? {};
        if (!(attribute in attributes)) problems.push(`${path}: ${target.Type} has no attribute ${attribute} (has ${Object.keys(attributes).join(", ")})`);
    };

    /** Checks an intrinsic function's references; true when `value` is one (its result type is not checked). */
    const intrinsic = (path: string, value: unknown): boolean => {
        if (!value || typeof value !== "object" || Array.isArray(value)) return false;
        const keys = Object.keys(value);
        if (keys.length !== 1 || !INTRINSIC.test(keys[0])) return false;
        const [fn] = keys;
        const arg = (value as Record<string, unknown>)[fn];
        if (fn === "Ref") checkReference(path, String(arg));
        else if (fn === "Fn::GetAtt") {
            const [name, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split(/\.(.*)/);
            checkReference(path, name, attribute);
        } else if (fn === "Fn::Sub") {
            const text = Array.isArray(arg) ? String(arg[0]) : String(arg);
            const local = Array.isArray(arg) && arg[1] && typeof arg[1] === "object" ? new Set(Object.keys(arg[1])) : new Set<string>();
            for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
                const [name, attribute] = m[1].split(/\.(.*)/);
                if (!local.has(name)) checkReference(path, name, attribute || undefined);
            }
        } else {
            problems.push(`${path}: ${fn} is not an intrinsic the render emits; check it by hand`);
        }
        return true;
    };

    const check = (path: string, value: unknown, type: SpecType): void => {
        if (intrinsic(path, value)) return;
        switch (type.type) {
            case "string":
                if (typeof value !== "string") return void problems.push(`${path}: must be a string (got ${JSON.stringify(value)?.slice(0, 60)})`);
                if (type.allowedValues && !type.allowedValues.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} is not one of ${type.allowedValues.join(", ")}`);
                return;
            case "integer":
                if (!Number.isInteger(value)) problems.push(`${path}: must be an integer (got ${JSON.stringify(value)})`);
                return;
            case "number":
                if (typeof value !== "number") problems.push(`${path}: must be a number (got ${JSON.stringify(value)})`);
                return;
            case "boolean":
                if (typeof value !== "boolean") problems.push(`${path}: must be a boolean (got ${JSON.stringify(value)})`);
                return;
            case "json":
                if (typeof value !== "object" || value === null) problems.push(`${path}: must be a JSON object`);
                return;
            case "tag":
                if (!value || typeof value !== "object" || !("Key" in value) || !("Value" in value)) problems.push(`${path}: must be a { Key, Value } tag`);
                return;
            case "array":
                if (!Array.isArray(value)) return void problems.push(`${path}: must be a list`);
                value.forEach((element, i) => check(`${path}[${i}]`, element, type.element));
                return;
            case "map":
                if (!value || typeof value !== "object" || Array.isArray(value)) return void problems.push(`${path}: must be a map`);
                for (const [k, v] of Object.entries(value)) check(`${path}.${k}`, v, type.element);
                return;
            case "ref": {
                const definition = spec.types.get(type.reference.$ref);
                if (!definition) return void problems.push(`${path}: the schema's type ${type.reference.$ref} is missing`);
                if (!value || typeof value !== "object" || Array.isArray(value)) return void problems.push(`${path}: must be a ${definition.name} object`);
                checkProperties(path, value as Record<string, unknown>, definition.properties);
                return;
            }
            case "union": {
                const before = problems.length;
                for (const candidate of type.types) {
                    check(path, value, candidate);
                    if (problems.length === before) return;
                    problems.length = before;
                }
                problems.push(`${path}: matches none of the types ${type.types.map((t) => t.type).join(" | ")}`);
                return;
            }
            default:
                return;
        }
    };

    const checkProperties = (path: string, values: Record<string, unknown>, properties: Record<string, SpecProperty>) => {
        for (const [name, value] of Object.entries(values)) {
            const property = properties[name];
            if (!property) problems.push(`${path}.${name}: unknown property (has ${Object.keys(properties).sort().join(", ")})`);
            else check(`${path}.${name}`, value, property.type);
        }
        for (const [name, property] of Object.entries(properties)) {
            if (property.required && !(name in values)) problems.push(`${path}.${name}: required`);
        }
    };

    for (const [id, resource] of Object.entries(template.Resources)) {
        const type = spec.resources.get(resource.Type);
        if (!type) {
            problems.push(`${id}: ${resource.Type} is not a CloudFormation resource type`);
            continue;
        }
        checkProperties(id, resource.Properties ?? {}, type.properties);
        for (const dependency of [resource.DependsOn ?? []].flat()) {
            if (!resourceIds.has(dependency)) problems.push(`${id}.DependsOn: ${dependency} is no resource of the template`);
        }
    }
    return problems;
}
