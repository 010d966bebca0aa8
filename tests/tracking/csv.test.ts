import { expect } from "chai";
import fc from "fast-check";
import { csvCell, csvDocument, neutraliseFormula } from "../../functions/license-usage-report/csv";
import { parseCsv } from "./support/csvParse";

describe("report CSV (RFC 4180 with formula neutralisation)", () => {
    it("quotes fields holding quotes, commas or line breaks, doubling the quotes", () => {
        expect(csvCell("plain")).to.equal("plain");
        expect(csvCell("Acme, Inc.")).to.equal('"Acme, Inc."');
        expect(csvCell('say "hi"')).to.equal('"say ""hi"""');
        expect(csvCell("two\nlines")).to.equal('"two\nlines"');
        expect(csvCell("cr\rlf")).to.equal('"cr\rlf"');
    });

    it("neutralises text a spreadsheet would run as a formula, but never numbers", () => {
        for (const dangerous of ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR", '=HYPERLINK("http://x","y")']) {
            expect(neutraliseFormula(dangerous), JSON.stringify(dangerous)).to.equal(`'${dangerous}`);
        }
        expect(csvCell('=HYPERLINK("http://x","y")')).to.equal(`"'=HYPERLINK(""http://x"",""y"")"`);
        expect(csvCell("a=b")).to.equal("a=b");
        expect(csvCell(-5)).to.equal("-5");
        expect(csvCell(12.5)).to.equal("12.5");
        expect(csvCell(Number.NaN)).to.equal("");
        expect(csvCell(true)).to.equal("true");
        expect(csvCell(undefined)).to.equal("");
        expect(csvCell(null)).to.equal("");
    });

    it("writes a header and rows, every line ending in CRLF, and refuses ragged rows", () => {
        expect(csvDocument(["a", "b"], [["x", 1], [undefined, "y,z"]])).to.equal('a,b\r\nx,1\r\n,"y,z"\r\n');
        expect(csvDocument(["a"], [])).to.equal("a\r\n");
        expect(() => csvDocument(["a", "b"], [["only one"]])).to.throw(/1 cells, the header 2/);
    });

    it("round-trips any text through a strict RFC 4180 reader (after neutralisation)", () => {
        fc.assert(
            fc.property(fc.array(fc.array(fc.string({ unit: "binary" }), { minLength: 3, maxLength: 3 }), { maxLength: 5 }), (rows) => {
                const parsed = parseCsv(csvDocument(["a", "b", "c"], rows));
                expect(parsed).to.deep.equal([["a", "b", "c"], ...rows.map((row) => row.map(neutraliseFormula))]);
                for (const row of parsed.slice(1)) {
                    for (const cell of row) expect(/^[=+\-@\t\r]/.test(cell), JSON.stringify(cell)).to.equal(false);
                }
            }),
        );
    });
});
