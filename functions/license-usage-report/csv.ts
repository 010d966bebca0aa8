/** A cell value: text is untrusted and gets neutralised; numbers and booleans are written as they are. */
export type CsvValue = string | number | boolean | null | undefined;

// Spreadsheets evaluate a cell starting with one of these as a formula (OWASP "CSV injection").
const FORMULA_TRIGGER = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * Prefixes text that a spreadsheet would run as a formula with an apostrophe, which spreadsheets show as text.
 * Applied to text only: numbers the report computes (e.g. a negative count) are never altered.
 */
export function neutraliseFormula(text: string): string {
    return FORMULA_TRIGGER.test(text) ? `'${text}` : text;
}

/** One RFC 4180 field: quoted when it holds a quote, comma or line break, with quotes doubled. */
export function csvCell(value: CsvValue): string {
    if (value === null || value === undefined) return "";
    if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
    if (typeof value === "boolean") return value ? "true" : "false";
    const text = neutraliseFormula(value);
    return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** An RFC 4180 document: a header line, then one line per row, every line ending in CRLF. */
export function csvDocument(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
    const lines = [header, ...rows].map((row) => {
        if (row.length !== header.length) {
            throw new Error(`CSV row has ${row.length} cells, the header ${header.length}.`);
        }
        return row.map(csvCell).join(",");
    });
    return lines.map((line) => `${line}\r\n`).join("");
}
