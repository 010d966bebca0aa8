/**
 * Who may act: no administrator-level AWS managed policy attached to anyone (Security Hub IAM.1 for managed
 * policies; inline `*` actions are iam-no-wildcard-actions' job), and no resource or trust policy, Lambda
 * permission, bus permission or SSM document shared with everyone (Security Hub Lambda.1, SSM.4, SNS/SQS/S3/KMS
 * "no public access"). A statement for `*` is accepted only when a condition narrows it to an organisation,
 * account, source ARN or principal ARN, which is how our bus admits its organisation.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { CONFIG_SCHEMAS, DEFAULT_ENFORCEMENT, DEFAULTS, IamAdminAccessConfig, POLICY, settings } from "../config";
import { Statement, hasPublicPrincipal, parsePolicyDocument, policyDocumentsOf, statementLabel } from "../lib/policyDocuments";
import { asList, isRecord, isUnknown, known, nonEmptyString } from "../lib/values";

export const iamNoAdminAccess: ResourceValidationPolicy = {
    name: POLICY.iamAdminAccess,
    description: "No administrator-level AWS managed policy (AdministratorAccess, PowerUserAccess, ...) is attached.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.iamAdminAccess],
    configSchema: CONFIG_SCHEMAS[POLICY.iamAdminAccess],
    validateResource: validateNoAdminAccess,
};

export const noPublicResourcePolicy: ResourceValidationPolicy = {
    name: POLICY.publicResourcePolicy,
    description: "Trust policies, resource policies, Lambda and bus permissions and SSM documents are not open to everyone.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.publicResourcePolicy],
    validateResource: validateNoPublicAccess,
};

/** Where a managed policy ARN is attached, by resource type. */
const ATTACHED_POLICY_ARNS: Record<string, (props: Record<string, any>) => unknown[]> = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (p) => [p.policyArn],
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": (p) => [p.policyArn],
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": (p) => [p.policyArn],
    "aws:iam/policyAttachment:PolicyAttachment": (p) => [p.policyArn],
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": (p) => asList(p.policyArns),
    "aws:iam/role:Role": (p) => (isUnknown(p.managedPolicyArns) ? [] : asList(p.managedPolicyArns)),
};

export function validateNoAdminAccess(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    const arnsOf = ATTACHED_POLICY_ARNS[args.type];
    if (!arnsOf) return;
    const { forbiddenManagedPolicies } = settings<IamAdminAccessConfig>(args, DEFAULTS[POLICY.iamAdminAccess]);
    for (const arn of arnsOf(known(args.props))) {
        // AWS managed policies live in the account "aws": arn:<partition>:iam::aws:policy[/path]/<name>.
        const match = typeof arn === "string" ? /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn) : null;
        if (match && forbiddenManagedPolicies.includes(match[1])) {
            reportViolation(`${arn} grants administrator-level access; attach a policy with exactly the actions and resources needed.`);
        }
    }
}

export function validateNoPublicAccess(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    const props = known(args.props) as Record<string, any>;
    for (const { label, kind, document } of policyDocumentsOf(args.type, props)) {
        if (kind !== "trust" && kind !== "resource") continue;
        const parsed = parsePolicyDocument(document);
        if (parsed === "unknown" || "error" in parsed) continue; // iam-no-wildcard-actions / iam-valid-reference report malformed ones
        parsed.statements.forEach((statement, i) => {
            if (statement.Effect === "Allow" && hasPublicPrincipal(statement) && !isScopedByCondition(statement)) {
                reportViolation(
                    `The ${label} ${statementLabel(statement, i)} allows principal "*" without a condition on ${SCOPING_KEYS_TEXT}: anyone with an AWS account could use it.`,
                );
            }
        });
    }
    const check = PUBLIC_PERMISSION_CHECKS[args.type];
    const problem = check?.(props);
    if (problem) reportViolation(problem);
}

/** Condition keys that narrow a statement for `*` to known callers. */
const SCOPING_KEYS = [
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceOwner",
    "aws:SourceVpc",
    "aws:SourceVpce",
];
const SCOPING = new Set(SCOPING_KEYS.map((k) => k.toLowerCase()));
const SCOPING_KEYS_TEXT = "aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceAccount or aws:SourceArn";
/** Operators that require the key to be present and equal/like the value (`...IfExists` and negations do not). */
const NARROWING_OPERATORS = new Set(["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"]);

export function isScopedByCondition(statement: Statement): boolean {
    const condition = statement.Condition;
    if (isUnknown(condition)) return true;
    if (!isRecord(condition)) return false;
    return Object.entries(condition).some(([operator, entries]) => {
        const bare = operator.replace(/^For(Any|All)Values:/i, "").toLowerCase();
        if (!NARROWING_OPERATORS.has(bare) || !isRecord(entries)) return false;
        return Object.entries(entries).some(([key, values]) => {
            if (!SCOPING.has(key.toLowerCase())) return false;
            const list = asList(values);
            return list.length > 0 && list.every((v) => isUnknown(v) || (typeof v === "string" && v.replace(/[*?]/g, "") !== ""));
        });
    });
}

const PUBLIC_PERMISSION_CHECKS: Record<string, (props: Record<string, any>) => string | undefined> = {
    "aws:lambda/permission:Permission": (p) => {
        if (p.principal !== "*") return undefined;
        const scoped = [p.sourceAccount, p.sourceArn, p.principalOrgId].some((v) => nonEmptyString(v) !== undefined);
        return scoped ? undefined : 'The Lambda permission is for principal "*" with no sourceAccount, sourceArn or principalOrgId: anyone could invoke the function.';
    },
    "aws:cloudwatch/eventPermission:EventPermission": (p) => {
        if (p.principal !== "*") return undefined;
        return isRecord(p.condition) || isUnknown(p.condition)
            ? undefined
            : 'The event bus permission is for principal "*" without a condition (e.g. aws:PrincipalOrgID): any account could put events.';
    },
    "aws:ssm/document:Document": (p) => {
        const accountIds = isRecord(p.permissions) ? p.permissions.accountIds : undefined;
        return typeof accountIds === "string" && accountIds.split(",").some((id) => id.trim().toLowerCase() === "all")
            ? "The SSM document is shared with All accounts: share it with named account ids."
            : undefined;
    },
};
