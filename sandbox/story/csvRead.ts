/**
 * A strict RFC 4180 reader (tests and the sandbox read the reports with it): CRLF line ends (required after every record), fields quoted or not,
 * doubled quotes inside quoted fields. Throws on anything else, so a malformed report fails the test.
 */
export function parseCsv(text: string): string[][] {
    const records: string[][] = [];
    let record: string[] = [];
    let i = 0;
    while (i < text.length) {
        let field = "";
        if (text[i] === '"') {
            i += 1;
            for (;;) {
                if (i >= text.length) throw new Error("unterminated quoted field");
                if (text[i] === '"') {
                    if (text[i + 1] === '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                field += text[i++];
            }
        } else {
            while (i < text.length && text[i] !== "," && text[i] !== "\r" && text[i] !== "\n") {
                if (text[i] === '"') throw new Error(`quote inside an unquoted field at ${i}`);
                field += text[i++];
            }
        }
        record.push(field);
        if (text[i] === ",") {
            i += 1;
        } else if (text.startsWith("\r\n", i)) {
            records.push(record);
            record = [];
            i += 2;
        } else {
            throw new Error(`expected "," or CRLF at ${i}, found ${JSON.stringify(text.slice(i, i + 5))}`);
        }
    }
    if (record.length > 0) throw new Error("last record does not end in CRLF");
    return records;
}

/** Records as objects keyed by the header row. */
export function parseCsvObjects(text: string): Array<Record<string, string>> {
    const [header, ...rows] = parseCsv(text);
    return rows.map((row) => {
        if (row.length !== header.length) throw new Error(`row has ${row.length} fields, header ${header.length}`);
        return Object.fromEntries(header.map((name, i) => [name, row[i]]));
    });
}
