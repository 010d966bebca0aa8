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

/**
 * What a policy document is for: permissions of an IAM identity, a role's trust policy, a resource's own policy
 * (who may act on it), or an Organizations guardrail (SCP / RCP), which grants nothing.
 */
export type DocumentKind = "identity" | "trust" | "resource" | "organization";

export interface LocatedDocument {
    /** Where in the resource the document sits, for messages: `policy`, `inlinePolicies[0] (name)`. */
    label: string;
    kind: DocumentKind;
    document: unknown;
}

const one = (label: string, kind: DocumentKind, document: unknown): LocatedDocument[] =>
    document === undefined || document === null || document === "" ? [] : [{ label, kind, document }];

/** Organizations policy types whose content is an IAM policy document (tag, backup and AI opt-out policies are not). */
const IAM_ORGANIZATION_POLICY_TYPES = new Set(["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]);

/** Where each AWS resource type keeps IAM policy documents. Types not listed carry none. */
const LOCATIONS: Record<string, (props: Record<string, unknown>) => LocatedDocument[]> = {
    "aws:iam/policy:Policy": (p) => one("policy", "identity", p.policy),
    "aws:iam/rolePolicy:RolePolicy": (p) => one("policy", "identity", p.policy),
    "aws:iam/userPolicy:UserPolicy": (p) => one("policy", "identity", p.policy),
    "aws:iam/groupPolicy:GroupPolicy": (p) => one("policy", "identity", p.policy),
    "aws:iam/role:Role": (p) => [
        ...one("assumeRolePolicy", "trust", p.assumeRolePolicy),
        ...(isUnknown(p.inlinePolicies)
            ? []
            : asList(p.inlinePolicies).flatMap((inline, i) =>
                  isRecord(inline) ? one(`inlinePolicies[${i}]${typeof inline.name === "string" ? ` (${inline.name})` : ""}`, "identity", inline.policy) : [],
              )),
    ],
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": (p) => one("policy", "resource", p.policy),
    "aws:sns/topic:Topic": (p) => one("policy", "resource", p.policy),
    "aws:sns/topicPolicy:TopicPolicy": (p) => one("policy", "resource", p.policy),
    "aws:sqs/queue:Queue": (p) => one("policy", "resource", p.policy),
    "aws:sqs/queuePolicy:QueuePolicy": (p) => one("policy", "resource", p.policy),
    "aws:s3/bucketPolicy:BucketPolicy": (p) => one("policy", "resource", p.policy),
    "aws:kms/key:Key": (p) => one("policy", "resource", p.policy),
    "aws:kms/keyPolicy:KeyPolicy": (p) => one("policy", "resource", p.policy),
    "aws:organizations/policy:Policy": (p) =>
        typeof p.type === "string" && !IAM_ORGANIZATION_POLICY_TYPES.has(p.type) ? [] : one("content", "organization", p.content),
};

/** The IAM policy documents a resource carries (possibly unknown values during preview). */
export function policyDocumentsOf(type: string, props: Record<string, unknown>): LocatedDocument[] {
    return LOCATIONS[type]?.(props) ?? [];
}

/** Whether a statement applies to everyone: `Principal: "*"` or `{ AWS: "*" }` (alone or in a list). */
export function hasPublicPrincipal(statement: Statement): boolean {
    const principal = statement.Principal;
    if (principal === "*") return true;
    if (!isRecord(principal)) return false;
    return asList(principal.AWS).includes("*");
}

/** A statement's label for messages: its Sid, else its position. */
export function statementLabel(statement: Statement, index: number): string {
    return typeof statement.Sid === "string" && statement.Sid ? `statement ${statement.Sid}` : `statement ${index}`;
}
