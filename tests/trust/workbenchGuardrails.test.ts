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

    it("guards the fixed function and rule names and DeleteTags without keys, within the 5,120-character SCP quota", async () => {
        const { resources } = await runUnderMocks(() => new WorkbenchGuardrails("g", { ...ARGS, hubEventBusArn: "arn:aws:events:eu-central-1:999999999999:event-bus/hub-workbench-events-4f2a1b3" }));
        const content: string = named(resources, "aws:organizations/policy:Policy", "g-scp").inputs.content;
        const statements = Object.fromEntries(JSON.parse(content).Statement.map((s: any) => [s.Sid, s]));
        expect(statements.ForwarderFunctionsOnlyByDeployment.Resource).to.deep.equal(["arn:*:lambda:*:*:function:license-ops-workbench-*"]);
        expect(statements.ForwarderFunctionsOnlyByDeployment.Action).to.include.members(["lambda:Put*", "lambda:Update*", "lambda:Create*", "lambda:Delete*", "lambda:AddPermission", "lambda:InvokeFunction"]);
        expect(statements.EventPathsOnlyByDeployment.Resource).to.include("arn:*:events:*:*:rule/license-ops-workbench-*");
        expect(statements.EventPathsOnlyByDeployment.Action).to.include.members(["events:PutTargets", "events:RemoveTargets", "events:DisableRule", "events:DeleteRule", "events:PutRule"]);
        expect(statements.KeepWorkbenchTag0.Condition).to.deep.equal({
            Null: { "aws:TagKeys": "true", "aws:ResourceTag/vew:workbench:ownerId": "false" },
            ArnNotLike: { "aws:PrincipalArn": ARGS.provisioningRoleArns },
        });
        console.log(`      guardrail SCP: ${content.length} characters (AWS allows 5,120)`);
        expect(content.length).to.be.at.most(5120);
        // Room for the roles a real organisation names: five deployment and five provisioning roles still fit.
        const many = (kind: string) => Array.from({ length: 5 }, (_, i) => `arn:aws:iam::*:role/platform/${kind}-role-number-${i}`);
        const { resources: crowded } = await runUnderMocks(() => new WorkbenchGuardrails("c", { ...ARGS, deploymentRoleArns: many("deploy"), provisioningRoleArns: many("provision") }));
        const crowdedSize = named(crowded, "aws:organizations/policy:Policy", "c-scp").inputs.content.length;
        console.log(`      guardrail SCP with 5 deployment and 5 provisioning roles: ${crowdedSize} characters`);
        expect(crowdedSize).to.be.at.most(5120);
    });

    it("refuses wildcard role names (they exempt every matching role) and tag keys that differ only by case", () => {
        expect(() => new WorkbenchGuardrails("w", { ...ARGS, deploymentRoleArns: ["arn:aws:iam::*:role/*"] })).to.throw(/^w: deploymentRoleArns: "arn:aws:iam::\*:role\/\*" has a wildcard in the role name, which would exempt every matching role; name the role exactly/);
        expect(() => new WorkbenchGuardrails("p", { ...ARGS, provisioningRoleArns: ["arn:aws:iam::*:role/workbench-*"] })).to.throw(/^p: provisioningRoleArns: .* has a wildcard in the role name/);
        expect(() => new WorkbenchGuardrails("k", { ...ARGS, workbenchTagKeys: ["team:owner", "Team:Owner"] })).to.throw(/^k: workbenchTagKeys: "team:owner" and "Team:Owner" differ only by case; use one spelling/);
    });

    it("refuses settings that would lock out nobody or everybody, naming the field", () => {
        expect(() => new WorkbenchGuardrails("a", { ...ARGS, deploymentRoleArns: [] })).to.throw(/a: deploymentRoleArns must name at least one role ARN/);
        expect(() => new WorkbenchGuardrails("b", { ...ARGS, provisioningRoleArns: ["arn:aws:iam::*:user/bob"] })).to.throw(/b: provisioningRoleArns: "arn:aws:iam::\*:user\/bob" is not an IAM role ARN/);
        expect(() => new WorkbenchGuardrails("c", { ...ARGS, targetIds: ["finance"] })).to.throw(/c: targetIds: "finance" is not a root/);
        expect(() => new WorkbenchGuardrails("d", { ...ARGS, hubEventBusArn: "arn:aws:sqs:eu-central-1:1:q" })).to.throw(/d: hubEventBusArn/);
    });
});
