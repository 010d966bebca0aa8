/**
 * A real PowerShell grammar for tests (tree-sitter-powershell's WebAssembly build, run by web-tree-sitter): no
 * PowerShell can be installed here, so scripts are checked by how PowerShell's grammar reads them. The evaluator
 * below gives the value of the only expressions the document's vendor-command lines use (verbatim strings,
 * variables, `[string]::Concat(...)`) and refuses anything else, so a rendering that drifts from those fails loudly.
 */
import * as path from "node:path";
import { Language, Node, Parser } from "web-tree-sitter";

export interface PowerShellTree {
    /** The text of every syntax error or missing token (empty when the script parses). */
    errors(): string[];
    /** Every command the script invokes by name, plus `&` / `.` for each call-operator invocation. */
    commandNames(): string[];
    /** The value of each `$name = <expression>` assignment, given the values of the variables it reads. */
    assignments(variables: Record<string, string>): Record<string, string>;
}

const SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b";

/** The text a verbatim (single-quoted) string literal stands for: a pair of quote characters is one quote. */
function verbatimValue(literal: string): string {
    if (!SINGLE_QUOTES.includes(literal[0]) || !SINGLE_QUOTES.includes(literal[literal.length - 1])) throw new Error(`not a verbatim string: ${literal}`);
    return literal.slice(1, -1).replace(new RegExp(`([${SINGLE_QUOTES}])[${SINGLE_QUOTES}]`, "g"), "$1");
}

function evaluate(node: Node, variables: Record<string, string>): string {
    switch (node.type) {
        case "string_literal":
            return verbatimValue(node.text);
        case "variable":
            if (!(node.text in variables)) throw new Error(`unknown variable ${node.text}`);
            return variables[node.text];
        case "invokation_expression": {
            const type = node.descendantsOfType("type_identifier")[0]?.text;
            const member = node.namedChildren.find((c) => c?.type === "member_name")?.text;
            if (type !== "string" || member !== "Concat") throw new Error(`unexpected invocation ${node.text}`);
            const list = node.namedChildren.find((c) => c?.type === "argument_list")!.namedChildren[0]!;
            return list.namedChildren.map((arg) => evaluate(arg!, variables)).join("");
        }
        default: {
            const children = node.namedChildren.filter((c) => c !== null);
            if (children.length !== 1) throw new Error(`cannot evaluate ${node.type}: ${node.text}`);
            return evaluate(children[0], variables);
        }
    }
}

/** Loads the grammar once and returns a parser. */
export async function parsePowerShell(): Promise<(source: string) => PowerShellTree> {
    await Parser.init();
    const language = await Language.load(path.join(path.dirname(require.resolve("tree-sitter-powershell/package.json")), "tree-sitter-powershell.wasm"));
    const parser = new Parser();
    parser.setLanguage(language);
    return (source) => {
        const tree = parser.parse(source);
        if (!tree) throw new Error("the parser returned no tree");
        const root = tree.rootNode;
        const all = (node: Node): Node[] => [node, ...node.children.filter((c) => c !== null).flatMap((c) => all(c))];
        return {
            errors: () => all(root).filter((n) => n.type === "ERROR" || n.isMissing).map((n) => `${n.startPosition.row + 1}: ${n.text || n.type}`),
            commandNames: () => [
                ...root.descendantsOfType("command_name").map((n) => n!.text),
                ...root.descendantsOfType("command_invokation_operator").map((n) => n!.text),
            ],
            assignments: (variables) =>
                Object.fromEntries(
                    root.descendantsOfType("assignment_expression").map((a) => {
                        const [left, , right] = a!.namedChildren;
                        return [left!.text, evaluate(right!, variables)];
                    }),
                ),
        };
    };
}
