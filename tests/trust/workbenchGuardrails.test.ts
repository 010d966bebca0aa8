import { expect } from "chai";
import { WorkbenchGuardrails, WorkbenchGuardrailsArgs } from "../../components/trust/workbenchGuardrails";
import { named, ofType, runUnderMocks } from "../support/pulumiMocks";

const ARGS: WorkbenchGuardrailsArgs = {
    deploymentRoleArns: ["arn:aws:iam::*:role/pulumi-deploy"],
    provisioningRoleArns: ["arn:aws:iam::*:role/workbench-provisioner", "arn:aws:iam::222222222222:role/service-catalog-launch"],
    targetIds: ["ou-ab12-workbench1", "222222222222"],
};

describe("WorkbenchGuardrails (Pulumi mocks)", () => {
    it("renders the SCP with the role exceptions it was given and attaches it to every target", async () => {
        const { resources } = await runUnderMocks(() => new WorkbenchGuardrails("g", ARGS));
        const scp = named(resources, "aws:organizations/policy:Policy", "g-scp");
        expect(scp.inputs.type).to.equal("SERVICE_CONTROL_POLICY");
        const statements = Object.fromEntries(JSON.parse(scp.inputs.content).Statement.map((s: any) => [s.Sid, s]));
        expect(statements.WorkbenchTagsOnlyByProvisioning.Condition.ArnNotLike["aws:PrincipalArn"]).to.deep.equal(ARGS.provisioningRoleArns);
        expect(statements.ForwarderRolesOnlyByDeployment.Condition.ArnNotLike["aws:PrincipalArn"]).to.deep.equal(ARGS.deploymentRoleArns);
        expect(statements.ForwarderRolesOnlyByDeployment.Resource).to.equal("arn:*:iam::*:role/license-ops-workbench-*");
        const attachments = ofType(resources, "aws:organizations/policyAttachment:PolicyAttachment").map((a) => a.inputs.targetId).sort();
        expect(attachments).to.deep.equal(["222222222222", "ou-ab12-workbench1"]);
        expect(ofType(resources, "aws:organizations/policy:Policy")).to.have.length(1);
    });

    it("adds a tag policy for the workbench keys when asked, attached like the SCP", async () => {
        const { resources } = await runUnderMocks(() => new WorkbenchGuardrails("t", { ...ARGS, tagPolicy: true, workbenchTagKeys: ["team:owner", "team:kind"] }));
        const tagPolicy = named(resources, "aws:organizations/policy:Policy", "t-tag-policy");
        expect(JSON.parse(tagPolicy.inputs.content).tags["team:owner"].tag_key["@@assign"]).to.equal("team:owner");
        expect(ofType(resources, "aws:organizations/policyAttachment:PolicyAttachment")).to.have.length(4);
        const scp = JSON.parse(named(resources, "aws:organizations/policy:Policy", "t-scp").inputs.content);
        expect(scp.Statement.find((s: any) => s.Sid === "WorkbenchTagsOnlyByProvisioning").Condition["ForAnyValue:StringEquals"]["aws:TagKeys"]).to.deep.equal(["team:owner", "team:kind"]);
    });

    it("refuses settings that would lock out nobody or everybody, naming the field", () => {
        expect(() => new WorkbenchGuardrails("a", { ...ARGS, deploymentRoleArns: [] })).to.throw(/a: deploymentRoleArns must name at least one role ARN/);
        expect(() => new WorkbenchGuardrails("b", { ...ARGS, provisioningRoleArns: ["arn:aws:iam::*:user/bob"] })).to.throw(/b: provisioningRoleArns: "arn:aws:iam::\*:user\/bob" is not an IAM role ARN/);
        expect(() => new WorkbenchGuardrails("c", { ...ARGS, targetIds: ["finance"] })).to.throw(/c: targetIds: "finance" is not a root/);
        expect(() => new WorkbenchGuardrails("d", { ...ARGS, hubEventBusArn: "arn:aws:sqs:eu-central-1:1:q" })).to.throw(/d: hubEventBusArn/);
    });
});
