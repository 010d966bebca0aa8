/**
 * EventBridge cron fields checked value by value (AWS's documented ranges): `cron(0 61 * * ? *)` is refused at
 * preview, naming the field and its range, instead of by EventBridge at deployment.
 */
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldRule {
    name: string;
    min: number;
    max: number;
    names?: string[];
    /** Characters beyond , - * / that the field takes (EventBridge: ? L W # in the day fields). */
    special?: RegExp;
}

const FIELDS: FieldRule[] = [
    { name: "minutes", min: 0, max: 59 },
    { name: "hours", min: 0, max: 23 },
    { name: "day-of-month", min: 1, max: 31, special: /^(\?|L|\d{1,2}W|LW)$/ },
    { name: "month", min: 1, max: 12, names: MONTHS },
    { name: "day-of-week", min: 1, max: 7, names: DAYS, special: /^(\?|L|\dL|\d#[1-5]|[A-Z]{3}#[1-5])$/ },
    { name: "year", min: 1970, max: 2199 },
];

/** Why one cron field is not what EventBridge accepts, or undefined. */
export function cronFieldProblem(index: number, field: string): string | undefined {
    const rule = FIELDS[index];
    const range = `${rule.min}-${rule.max}${rule.names ? ` or ${rule.names[0]}-${rule.names.at(-1)}` : ""}`;
    if (rule.special?.test(field)) return undefined;
    for (const part of field.split(",")) {
        const [span, step, ...extra] = part.split("/");
        if (extra.length > 0 || (step !== undefined && !/^\d+$/.test(step))) return `${rule.name} ${JSON.stringify(field)}: a step is "/<number>"`;
        if (step !== undefined && (Number(step) < 1 || Number(step) > rule.max)) return `${rule.name} ${JSON.stringify(field)}: step ${step} is outside 1-${rule.max}`;
        if (span === "*") continue;
        const bounds = span.split("-");
        if (bounds.length > 2) return `${rule.name} ${JSON.stringify(field)}: not a value or range of ${range}`;
        for (const bound of bounds) {
            const value = /^\d+$/.test(bound) ? Number(bound) : rule.names ? rule.names.indexOf(bound.toUpperCase()) + rule.min : NaN;
            if (!Number.isInteger(value) || value < rule.min || value > rule.max) return `${rule.name} ${JSON.stringify(bound)} is outside ${range}`;
        }
    }
    return undefined;
}
