/**
 * IAM documents say what AWS can honour (lib/iamReference.ts, against AWS's Service Authorization Reference), and
 * identity policies grant `Resource: "*"` only for actions that support no resource-level permissions.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { DEFAULT_ENFORCEMENT, POLICY } from "../config";
import { reviewStatement } from "../lib/iamReference";
import { parsePolicyDocument, policyDocumentsOf, statementLabel } from "../lib/policyDocuments";
import { known } from "../lib/values";

export const iamAwsReference: ResourceValidationPolicy = {
    name: POLICY.iamReference,
    description: "IAM actions, resource ARNs and condition keys exist in AWS's service authorization reference and can match.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.iamReference],
    validateResource: (args, report) => review(args, report, "problems"),
};

export const iamNoWildcardResource: ResourceValidationPolicy = {
    name: POLICY.iamStarResource,
    description: 'Identity policies use Resource "*" only for actions that support no resource-level permissions.',
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.iamStarResource],
    validateResource: (args, report) => review(args, report, "stars"),
};

async function review(args: ResourceValidationArgs, reportViolation: ReportViolation, what: "problems" | "stars"): Promise<void> {
    for (const { label, kind, document } of policyDocumentsOf(args.type, known(args.props))) {
        const parsed = parsePolicyDocument(document);
        if (parsed === "unknown" || "error" in parsed) continue; // iam-no-wildcard-actions reports malformed documents
        for (const [i, statement] of parsed.statements.entries()) {
            const result = await reviewStatement(statement, kind, args.type);
            const where = `The ${label} ${statementLabel(statement, i)}`;
            if (what === "problems") {
                for (const problem of result.problems) reportViolation(`${where}: ${problem}.`);
            } else if (kind === "identity" && statement.Effect === "Allow") {
                const unexplained = result.starResources.filter((s) => s.reason === undefined).map((s) => s.action);
                if (unexplained.length > 0) {
                    reportViolation(`${where} grants ${unexplained.join(", ")} on Resource "*" although AWS accepts resource ARNs for them: name the resources.`);
                }
            }
        }
    }
}
