/**
 * No IAM policy allows actions by wildcard (`*`, `s3:*`, `ec2:Describe*`): every permission is spelled out, so a
 * new AWS action never becomes granted by accident. Deny statements may use wildcards (guardrails such as
 * "deny sqs:* without TLS" are the point of them). `Allow` with `NotAction` grants every action not listed and is
 * refused for the same reason.
 *
 * Documents whose value is unknown during preview are skipped: they are checked again, with their values, when
 * `pulumi up` registers the resource, before it is created.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { CONFIG_SCHEMAS, DEFAULT_ENFORCEMENT, DEFAULTS, IamWildcardsConfig, POLICY, settings } from "../config";
import { isWildcardAction, parsePolicyDocument, policyDocumentsOf, statementLabel } from "../lib/policyDocuments";
import { asList, known, show } from "../lib/values";

export const iamNoWildcardActions: ResourceValidationPolicy = {
    name: POLICY.iamWildcards,
    description: "IAM policies allow only fully spelled-out actions (no wildcards in Allow statements).",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.iamWildcards],
    configSchema: CONFIG_SCHEMAS[POLICY.iamWildcards],
    validateResource: validateIamActions,
};

export function validateIamActions(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    const documents = policyDocumentsOf(args.type, known(args.props)).filter((d) => d.kind === "identity");
    if (documents.length === 0) return;
    const { allowedWildcardActions } = settings<IamWildcardsConfig>(args, DEFAULTS[POLICY.iamWildcards]);
    for (const { label, document } of documents) {
        const parsed = parsePolicyDocument(document);
        if (parsed === "unknown") continue;
        if ("error" in parsed) {
            reportViolation(`The IAM ${label} document ${parsed.error}.`);
            continue;
        }
        parsed.statements.forEach((statement, i) => {
            if (statement.Effect !== "Allow") return;
            const which = statementLabel(statement, i);
            if (statement.NotAction !== undefined) {
                reportViolation(`The IAM ${label} ${which} allows NotAction ${show(statement.NotAction)}: that grants every other action; list the actions instead.`);
            }
            const wildcards = asList(statement.Action).filter(
                (action): action is string => typeof action === "string" && isWildcardAction(action) && !allowedWildcardActions.includes(action),
            );
            if (wildcards.length > 0) {
                reportViolation(`The IAM ${label} ${which} allows wildcard action${wildcards.length > 1 ? "s" : ""} ${wildcards.join(", ")}; spell out each action.`);
            }
        });
    }
}
