import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../components/lambda/bundle";

/** The committed Pulumi package schema of the components. */
export const SCHEMA_FILE = "schema.json";

/** The parts of a Pulumi package schema the checks read. */
export interface SchemaProperty {
    type?: string;
    $ref?: string;
    plain?: boolean;
    items?: SchemaProperty;
    additionalProperties?: SchemaProperty;
}
export interface SchemaType {
    type: string;
    properties?: Record<string, SchemaProperty>;
    required?: string[];
    enum?: { name?: string; value: string | number }[];
}
export interface SchemaResource {
    isComponent?: boolean;
    inputProperties: Record<string, SchemaProperty>;
    requiredInputs?: string[];
    properties: Record<string, SchemaProperty>;
    required?: string[];
}
export interface PackageSchema {
    name: string;
    resources: Record<string, SchemaResource>;
    types: Record<string, SchemaType>;
}

export function readSchema(): PackageSchema {
    return JSON.parse(fs.readFileSync(path.join(projectRoot, SCHEMA_FILE), "utf8"));
}
