import { expect } from "chai";
import { iamNoAdminAccess, noPublicResourcePolicy } from "../../policy/policies/iamAccess";
import { UNKNOWN_STRING, checkResource } from "./policyArgs";

const document = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const messages = async (policy: typeof iamNoAdminAccess, type: string, props: Record<string, unknown>, config?: object) =>
    (await checkResource(policy, { type, props, config: config as never })).map((v) => v.message);
const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
const BUS = "arn:aws:events:eu-central-1:222222222222:event-bus/hub";

describe("policy iam-no-admin-access", () => {
    it("passes narrow managed policies", async () => {
        const readOnly = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";
        expect(await messages(iamNoAdminAccess, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: readOnly })).to.be.empty;
        // A customer managed policy of the same name is not AWS's.
        expect(await messages(iamNoAdminAccess, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: "arn:aws:iam::111111111111:policy/AdministratorAccess" })).to.be.empty;
    });

    it("reports AdministratorAccess attached to a role, user, group or through managedPolicyArns, in any partition", async () => {
        expect(await messages(iamNoAdminAccess, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: ADMIN })).to.deep.equal([
            `${ADMIN} grants administrator-level access; attach a policy with exactly the actions and resources needed.`,
        ]);
        expect(await messages(iamNoAdminAccess, "aws:iam/userPolicyAttachment:UserPolicyAttachment", { user: "u", policyArn: "arn:aws-us-gov:iam::aws:policy/PowerUserAccess" })).to.have.length(1);
        expect(await messages(iamNoAdminAccess, "aws:iam/groupPolicyAttachment:GroupPolicyAttachment", { group: "g", policyArn: "arn:aws:iam::aws:policy/IAMFullAccess" })).to.have.length(1);
        expect(await messages(iamNoAdminAccess, "aws:iam/role:Role", { assumeRolePolicy: "{}", managedPolicyArns: [ADMIN] })).to.have.length(1);
    });

    it("takes the forbidden list from config", async () => {
        const config = { "iam-no-admin-access": { forbiddenManagedPolicies: ["AmazonS3FullAccess"] } };
        expect(await messages(iamNoAdminAccess, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", { policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" }, config)).to.have.length(1);
        expect(await messages(iamNoAdminAccess, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", { policyArn: ADMIN }, config)).to.be.empty;
    });
});

describe("policy no-public-resource-policy", () => {
    const putEvents = (Principal: unknown, Condition?: object) => ({ Sid: "Put", Effect: "Allow", Principal, Action: "events:PutEvents", Resource: BUS, ...(Condition ? { Condition } : {}) });

    it("passes policies for named principals, and for `*` narrowed to an organisation or source", async () => {
        expect(await messages(noPublicResourcePolicy, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", { policy: document(putEvents({ AWS: "arn:aws:iam::111111111111:root" })) })).to.be.empty;
        expect(await messages(noPublicResourcePolicy, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", { policy: document(putEvents("*", { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } })) })).to.be.empty;
        const trust = document({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" });
        expect(await messages(noPublicResourcePolicy, "aws:iam/role:Role", { assumeRolePolicy: trust })).to.be.empty;
        // Deny statements for everyone are guardrails.
        expect(await messages(noPublicResourcePolicy, "aws:sqs/queuePolicy:QueuePolicy", { policy: document({ Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: "*" }) })).to.be.empty;
    });

    it("reports a trust policy for Principal {AWS: *}", async () => {
        const trust = document({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" });
        expect(await messages(noPublicResourcePolicy, "aws:iam/role:Role", { assumeRolePolicy: trust })).to.deep.equal([
            'The assumeRolePolicy statement 0 allows principal "*" without a condition on aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceAccount or aws:SourceArn: anyone with an AWS account could use it.',
        ]);
    });

    it("reports an event bus policy open to `*`, also when its condition does not narrow", async () => {
        expect(await messages(noPublicResourcePolicy, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", { policy: document(putEvents("*")) })).to.have.length(1);
        const ifExists = { StringEqualsIfExists: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } };
        expect(await messages(noPublicResourcePolicy, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", { policy: document(putEvents("*", ifExists)) })).to.have.length(1);
        const wildcardValue = { StringLike: { "aws:PrincipalOrgID": "*" } };
        expect(await messages(noPublicResourcePolicy, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", { policy: document(putEvents("*", wildcardValue)) })).to.have.length(1);
        const unrelated = { StringEquals: { "events:source": "x" } };
        expect(await messages(noPublicResourcePolicy, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", { policy: document(putEvents({ AWS: ["*"] }, unrelated)) })).to.have.length(1);
    });

    it("reports topic, queue, bucket and key policies open to `*`", async () => {
        const open = document({ Effect: "Allow", Principal: "*", Action: "sns:Publish", Resource: "*" });
        for (const type of ["aws:sns/topicPolicy:TopicPolicy", "aws:sqs/queuePolicy:QueuePolicy", "aws:s3/bucketPolicy:BucketPolicy", "aws:kms/key:Key", "aws:sns/topic:Topic"]) {
            expect(await messages(noPublicResourcePolicy, type, { policy: open }), type).to.have.length(1);
        }
    });

    it("reports a Lambda permission for principal `*` unless scoped by source or organisation", async () => {
        const permission = (extra: object = {}) => messages(noPublicResourcePolicy, "aws:lambda/permission:Permission", { action: "lambda:InvokeFunction", function: "f", principal: "*", ...extra });
        expect(await permission()).to.deep.equal([
            'The Lambda permission is for principal "*" with no sourceAccount, sourceArn or principalOrgId: anyone could invoke the function.',
        ]);
        expect(await permission({ principalOrgId: "o-a1b2c3d4e5" })).to.be.empty;
        expect(await permission({ sourceArn: "arn:aws:events:eu-central-1:111111111111:rule/r" })).to.be.empty;
        expect(await messages(noPublicResourcePolicy, "aws:lambda/permission:Permission", { action: "lambda:InvokeFunction", function: "f", principal: "events.amazonaws.com" })).to.be.empty;
    });

    it("reports an event permission for `*` without a condition, and an SSM document shared with All", async () => {
        expect(await messages(noPublicResourcePolicy, "aws:cloudwatch/eventPermission:EventPermission", { principal: "*", statementId: "s" })).to.have.length(1);
        const orgOnly = { principal: "*", statementId: "s", condition: { key: "aws:PrincipalOrgID", type: "StringEquals", value: "o-a1b2c3d4e5" } };
        expect(await messages(noPublicResourcePolicy, "aws:cloudwatch/eventPermission:EventPermission", orgOnly)).to.be.empty;
        expect(await messages(noPublicResourcePolicy, "aws:ssm/document:Document", { content: "{}", permissions: { type: "Share", accountIds: "All" } })).to.have.length(1);
        expect(await messages(noPublicResourcePolicy, "aws:ssm/document:Document", { content: "{}", permissions: { type: "Share", accountIds: "111111111111" } })).to.be.empty;
    });

    it("skips documents unknown during preview", async () => {
        expect(await messages(noPublicResourcePolicy, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", { policy: UNKNOWN_STRING })).to.be.empty;
    });
});
