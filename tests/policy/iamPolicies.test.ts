import { expect } from "chai";
import { iamNoWildcardActions } from "../../policy/policies/iamPolicies";
import { UNKNOWN_STRING, checkResource } from "./policyArgs";

const document = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const allow = (Action: string | string[], Sid?: string) => ({ ...(Sid ? { Sid } : {}), Effect: "Allow", Action, Resource: "*" });
const check = (type: string, props: Record<string, unknown>, config?: object) => checkResource(iamNoWildcardActions, { type, props, config: config as never });

describe("policy iam-no-wildcard-actions", () => {
    it("passes spelled-out actions, and wildcards in Deny statements", async () => {
        const guardrail = { Effect: "Deny", Action: "sqs:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } };
        expect(await check("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: document(allow(["ec2:DescribeTags", "events:PutEvents"]), guardrail) })).to.be.empty;
    });

    it("reports wildcard actions in Allow statements, naming statement and actions", async () => {
        const violations = await check("aws:iam/policy:Policy", { policy: document(allow("s3:*", "Storage"), allow(["ec2:Describe*", "ec2:StartInstances"]), allow("*")) });
        expect(violations.map((v) => v.message)).to.deep.equal([
            "The IAM policy statement Storage allows wildcard action s3:*; spell out each action.",
            "The IAM policy statement 1 allows wildcard action ec2:Describe*; spell out each action.",
            "The IAM policy statement 2 allows wildcard action *; spell out each action.",
        ]);
        expect(await check("aws:iam/userPolicy:UserPolicy", { policy: document(allow("iam:Get?ser")) })).to.have.length(1);
        expect(await check("aws:iam/groupPolicy:GroupPolicy", { policy: document(allow(["s3:GetObject", "s3:Put*"])) })).to.have.length(1);
    });

    it("reads a single statement object and a document given as an object", async () => {
        expect(await check("aws:iam/policy:Policy", { policy: JSON.stringify({ Version: "2012-10-17", Statement: allow("kms:*") }) })).to.have.length(1);
        expect(await check("aws:iam/policy:Policy", { policy: { Version: "2012-10-17", Statement: [allow("kms:*")] } })).to.have.length(1);
    });

    it("refuses Allow with NotAction", async () => {
        const violations = await check("aws:iam/policy:Policy", { policy: document({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }) });
        expect(violations).to.have.length(1);
        expect(violations[0].message).to.contain("NotAction");
    });

    it("checks a role's inline policies", async () => {
        const props = { assumeRolePolicy: "{}", inlinePolicies: [{ name: "ok", policy: document(allow("sqs:SendMessage")) }, { name: "broad", policy: document(allow("dynamodb:*")) }] };
        const violations = await check("aws:iam/role:Role", props);
        expect(violations.map((v) => v.message)).to.deep.equal(["The IAM inlinePolicies[1] (broad) statement 0 allows wildcard action dynamodb:*; spell out each action."]);
    });

    it("reports a document that is not JSON", async () => {
        expect((await check("aws:iam/rolePolicy:RolePolicy", { policy: "{not json" }))[0].message).to.equal("The IAM policy document is not valid JSON.");
    });

    it("skips documents unknown during preview", async () => {
        expect(await check("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: UNKNOWN_STRING })).to.be.empty;
        expect(await check("aws:iam/role:Role", { inlinePolicies: [{ name: "later", policy: UNKNOWN_STRING }] })).to.be.empty;
    });

    it("accepts wildcard actions listed in config, and nothing else", async () => {
        const config = { "iam-no-wildcard-actions": { allowedWildcardActions: ["ec2:Describe*"] } };
        expect(await check("aws:iam/policy:Policy", { policy: document(allow("ec2:Describe*")) }, config)).to.be.empty;
        expect(await check("aws:iam/policy:Policy", { policy: document(allow("ec2:*")) }, config)).to.have.length(1);
    });

    it("ignores other resource types", async () => {
        expect(await check("aws:sqs/queuePolicy:QueuePolicy", { policy: document(allow("sqs:*")) })).to.be.empty;
    });
});
