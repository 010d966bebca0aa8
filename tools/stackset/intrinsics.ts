/**
 * Strings of the rendered template that name other resources or parameters as `${Name}` / `${Name.Attribute}`
 * become CloudFormation intrinsics: exactly one reference -> `Ref` / `Fn::GetAtt` (so CloudFormation sees the
 * dependency), a reference inside a longer string -> `Fn::Sub` (which also records it).
 */
const ONLY_REF = /^\$\{([A-Za-z0-9:]+)\}$/;
const ONLY_ATTRIBUTE = /^\$\{([A-Za-z0-9]+)\.([A-Za-z0-9.]+)\}$/;

export function toIntrinsics(value: unknown): unknown {
    if (typeof value === "string") {
        if (!value.includes("${")) return value;
        const ref = ONLY_REF.exec(value);
        if (ref) return { Ref: ref[1] };
        const attribute = ONLY_ATTRIBUTE.exec(value);
        if (attribute) return { "Fn::GetAtt": [attribute[1], attribute[2]] };
        return { "Fn::Sub": value };
    }
    if (Array.isArray(value)) return value.map(toIntrinsics);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toIntrinsics(v)]));
    return value;
}
