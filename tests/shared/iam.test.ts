import { expect } from "chai";
import { assertExplicitActions, assertScopedResources, policyDocument, serviceTrustPolicy } from "../../components/shared/iam";
import { runUnderMocks, valueOf } from "../support/pulumiMocks";

describe("least-privilege IAM helpers", () => {
    it("refuses wildcard and malformed actions, naming the culprit", () => {
        for (const action of ["*", "s3:*", "ec2:Describe*", "dynamodb:Get?tem", "PutEvents", ""]) {
            expect(() => assertExplicitActions([{ actions: [action], resources: ["arn:aws:s3:::b"] }], "ctx"), action).to.throw(/ctx: IAM action .* is not allowed/);
        }
        expect(() => assertExplicitActions([{ sid: "Empty", actions: [], resources: [] }], "ctx")).to.throw(/Empty.*no actions/);
    });

    it("allows resource * only for actions AWS cannot scope", () => {
        expect(() => assertScopedResources("Tags", ["ec2:DescribeTags"], ["*"], "ctx")).not.to.throw();
        expect(() => assertScopedResources("Mixed", ["ec2:DescribeTags", "events:PutEvents"], ["*"], "ctx")).to.throw(/Mixed grants resource "\*" to events:PutEvents/);
        expect(() => assertScopedResources("None", ["events:PutEvents"], [], "ctx")).to.throw(/has no resources/);
    });

    it("renders sorted Allow statements and checks resources once they resolve", async () => {
        await runUnderMocks(() => undefined);
        const doc = JSON.parse(
            await valueOf(
                policyDocument(
                    [{ sid: "Put", actions: ["events:PutEvents"], resources: [Promise.resolve("arn:aws:events:eu-central-1:1:event-bus/x")], conditions: { StringEquals: { "aws:SourceAccount": "1" } } }],
                    "ctx",
                ),
            ),
        );
        expect(doc).to.deep.equal({
            Version: "2012-10-17",
            Statement: [{ Sid: "Put", Effect: "Allow", Action: ["events:PutEvents"], Resource: ["arn:aws:events:eu-central-1:1:event-bus/x"], Condition: { StringEquals: { "aws:SourceAccount": "1" } } }],
        });
        const trust = JSON.parse(await valueOf(serviceTrustPolicy("events.amazonaws.com", "123456789012")));
        expect(trust.Statement[0]).to.deep.equal({
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
        });
    });
});
