/**
 * The EventBridge / Lambda event-filtering pattern language, for the local router: a pattern is an object whose
 * leaves are arrays of matchers; an event matches when every pattern key matches. Supported matchers: exact
 * values, `prefix`, `suffix`, `anything-but` (value, list or `{prefix}`), `exists`, `numeric` comparisons. Those
 * cover every pattern the components declare; anything else throws, so a new pattern cannot silently never match.
 */
export function matchesPattern(pattern: Record<string, unknown>, event: unknown): boolean {
    if (typeof event !== "object" || event === null) return false;
    return Object.entries(pattern).every(([key, expected]) => {
        const actual = (event as Record<string, unknown>)[key];
        if (Array.isArray(expected)) return matchesLeaf(expected, actual);
        if (typeof expected === "object" && expected !== null) return matchesPattern(expected as Record<string, unknown>, actual);
        throw new Error(`pattern value for "${key}" must be an array or an object`);
    });
}

function matchesLeaf(matchers: unknown[], actual: unknown): boolean {
    // EventBridge matches an array field when any of its elements matches.
    const values = Array.isArray(actual) ? actual : [actual];
    return matchers.some((matcher) => {
        if (typeof matcher === "object" && matcher !== null) {
            const [op, arg] = Object.entries(matcher)[0] ?? [];
            if (op === "exists") return (actual !== undefined) === arg;
            return actual !== undefined && values.some((v) => matchesOperator(op, arg, v));
        }
        return values.some((v) => v === matcher);
    });
}

function matchesOperator(op: string | undefined, arg: unknown, value: unknown): boolean {
    switch (op) {
        case "prefix":
            return typeof value === "string" && value.startsWith(String(arg));
        case "suffix":
            return typeof value === "string" && value.endsWith(String(arg));
        case "anything-but": {
            if (Array.isArray(arg)) return !arg.includes(value);
            if (typeof arg === "object" && arg !== null && "prefix" in arg) {
                return !(typeof value === "string" && value.startsWith(String((arg as { prefix: string }).prefix)));
            }
            return value !== arg;
        }
        case "numeric": {
            if (typeof value !== "number" || !Array.isArray(arg)) return false;
            for (let i = 0; i < arg.length; i += 2) {
                const [cmp, bound] = [arg[i], Number(arg[i + 1])];
                const ok = cmp === "=" ? value === bound : cmp === "<" ? value < bound : cmp === "<=" ? value <= bound : cmp === ">" ? value > bound : cmp === ">=" ? value >= bound : undefined;
                if (ok === undefined) throw new Error(`numeric comparison ${String(cmp)} is not supported`);
                if (!ok) return false;
            }
            return true;
        }
        default:
            throw new Error(`pattern matcher ${JSON.stringify(op)} is not supported by the local router`);
    }
}
