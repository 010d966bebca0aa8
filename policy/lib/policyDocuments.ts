/** Reading IAM policy documents as resources carry them: a JSON string, or (from the SDK) an object. */
import { asList, isRecord, isUnknown } from "./values";

export interface Statement {
    Sid?: unknown;
    Effect?: unknown;
    Action?: unknown;
    NotAction?: unknown;
    [key: string]: unknown;
}

export type ParsedDocument = { statements: Statement[] } | { error: string } | "unknown";

/** The statements of a policy document; "unknown" when the document (or part of it) is not known yet. */
export function parsePolicyDocument(document: unknown): ParsedDocument {
    if (isUnknown(document)) return "unknown";
    let parsed: unknown = document;
    if (typeof document === "string") {
        try {
            parsed = JSON.parse(document);
        } catch {
            return { error: "is not valid JSON" };
        }
    }
    if (!isRecord(parsed)) return { error: "is not a JSON object" };
    if (isUnknown(parsed.Statement)) return "unknown";
    const statements = asList(parsed.Statement);
    if (statements.some(isUnknown)) return "unknown";
    if (!statements.every(isRecord)) return { error: "has a Statement that is not an object" };
    return { statements: statements as Statement[] };
}

/** IAM matches `*` and `?` as wildcards anywhere in an action name. */
export function isWildcardAction(action: string): boolean {
    return action.includes("*") || action.includes("?");
}
