/**
 * The governance stack's guardrails at their largest: the service control policy with the most deployment and
 * provisioning roles it supports, the StackSets execution role reserved and the default workbench tag keys, within
 * Organizations' 5,120 characters, and one more role of each kind refused at preview in one line. Sizes are printed.
 * (What the SCP guards: tests/trust/workbenchGuardrails.test.ts.)
 */
import { expect } from "chai";
import { WorkbenchGuardrails, WorkbenchGuardrailsArgs } from "../../components/trust/workbenchGuardrails";
import { MAX_SUPPORTED_GUARDRAIL_ROLES } from "../../components/trust/guardrailPolicies";
import { named, runUnderMocks } from "../support/pulumiMocks";
import { rejectionOf } from "../support/errors";
import { AWS_QUOTAS, reportSize } from "./quotas";

/** Role ARNs as long as an organisation's usually are (a path and a descriptive name: up to 53 characters). */
const roles = (kind: string, count: number) => Array.from({ length: count }, (_, i) => `arn:aws:iam::*:role/platform/${kind}-role-number-${String(i).padStart(2, "0")}`);
const args = (count: number): WorkbenchGuardrailsArgs => ({
    deploymentRoleArns: roles("deploy", count),
    provisioningRoleArns: roles("provision", count),
    targetIds: ["ou-ab12-workbench1"],
    hubEventBusArn: "arn:aws:events:eu-central-1:222222222222:event-bus/hub-workbench-events-4f2a1b3",
    stackSetsExecution: true,
    tagPolicy: true,
});

describe("quotas: the workbench guardrails at the most roles they support", function () {
    this.timeout(120_000);

    it(`fits ${MAX_SUPPORTED_GUARDRAIL_ROLES} deployment and ${MAX_SUPPORTED_GUARDRAIL_ROLES} provisioning roles in the 5,120-character SCP, and refuses one more of each in one line`, async () => {
        const { resources } = await runUnderMocks(() => new WorkbenchGuardrails("g", args(MAX_SUPPORTED_GUARDRAIL_ROLES)));
        const content: string = named(resources, "aws:organizations/policy:Policy", "g-scp").inputs.content;
        reportSize(`guardrail SCP, ${MAX_SUPPORTED_GUARDRAIL_ROLES} + ${MAX_SUPPORTED_GUARDRAIL_ROLES} roles of up to 53 characters, StackSets role reserved`, content.length, AWS_QUOTAS.serviceControlPolicyChars);
        expect(content.length).to.be.at.most(AWS_QUOTAS.serviceControlPolicyChars);
        for (const role of args(MAX_SUPPORTED_GUARDRAIL_ROLES).provisioningRoleArns as string[]) expect(content).to.contain(role);

        // The roles may be Outputs, so the size is checked once they are known: at preview, as the program runs.
        const refusal = (await rejectionOf(runUnderMocks(() => new WorkbenchGuardrails("many", args(MAX_SUPPORTED_GUARDRAIL_ROLES + 1))))).message;
        expect(refusal.split("\n")).to.have.length(1);
        expect(refusal).to.match(/^many: the service control policy takes \d+ characters; AWS allows 5120\. Name fewer role ARNs: 5 of each kind fit\.$/);
    });
});
