import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { WorkbenchAccountForwarder } from "../../components/workbench/workbenchAccountForwarder";
import { BundledFunction } from "../../components/lambda/bundledFunction";
import { invokeFunctionOnRule } from "../../components/lambda/triggers";
import { allowEventBridgeDeadLetters, deadLetterQueue } from "../../components/shared/sqs";
import { RecordedResource, runUnderMocks } from "../support/pulumiMocks";
import { describeViolations, mandatory, validateResources } from "./runPack";

const HUB_BUS = "arn:aws:events:eu-central-1:999999999999:event-bus/license-hub";
const ORGANISATION_TAGS = { CostCenter: "cc-licensing", Owner: "platform-team" };

/** Parents resources wired by hand, as a composition would. */
class BareParent extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:policy:BareParent", name);
    }
}

describe("our components under the policy pack", () => {
    let forwarder: RecordedResource[];

    before(async () => {
        ({ resources: forwarder } = await runUnderMocks(() => new WorkbenchAccountForwarder("wb", { hubEventBusArn: HUB_BUS })));
    });

    it("WorkbenchAccountForwarder passes every policy when the stack sets the required tags as provider default tags", async () => {
        const violations = await validateResources(forwarder, {}, { defaultTags: ORGANISATION_TAGS });
        expect(mandatory(violations), describeViolations(violations)).to.be.empty;
    });

    it("WorkbenchAccountForwarder without default tags fails only required-tags, on every taggable resource", async () => {
        const violations = mandatory(await validateResources(forwarder));
        expect([...new Set(violations.map((v) => v.policy))]).to.deep.equal(["required-tags"]);
        const flagged = violations.map((v) => `${v.resource?.type} ${v.resource?.name}`).sort();
        expect(flagged).to.include.members([
            "aws:lambda/function:Function wb-forwarder",
            "aws:iam/role:Role wb-to-hub",
            "aws:sqs/queue:Queue wb-undelivered",
            "aws:cloudwatch/eventRule:EventRule wb-ec2-state",
        ]);
        const untaggable = ["aws:iam/rolePolicy:RolePolicy", "aws:lambda/permission:Permission", "aws:cloudwatch/eventTarget:EventTarget", "aws:sqs/queuePolicy:QueuePolicy"];
        expect(flagged.filter((r) => untaggable.some((type) => r.startsWith(type))), "these take no tags").to.be.empty;
        // Lowered or switched off through the pack's config.
        expect(mandatory(await validateResources(forwarder, { "required-tags": "advisory" }))).to.be.empty;
        const disabled = await validateResources(forwarder, { "required-tags": { enforcementLevel: "disabled" } });
        expect(disabled.map((v) => v.policy)).not.to.include("required-tags");
    });

    it("reads default tags from an explicit provider the resources are created with", async () => {
        const { resources } = await runUnderMocks(() => {
            const provider = new aws.Provider("eu-west-1", { region: "eu-west-1", defaultTags: { tags: ORGANISATION_TAGS } });
            return new WorkbenchAccountForwarder("wb-west", { hubEventBusArn: HUB_BUS }, { providers: { aws: provider } });
        });
        const violations = await validateResources(resources);
        expect(mandatory(violations), describeViolations(violations)).to.be.empty;
    });

    it("catches a BundledFunction invoked by a rule without asyncInvocation (no on-failure destination)", async () => {
        const { resources } = await runUnderMocks(() => {
            const parent = new BareParent("bare");
            const fn = new BundledFunction("bare-fn", { handler: "workbench-forwarder", statements: [] }, { parent });
            const rule = new aws.cloudwatch.EventRule("bare-rule", { scheduleExpression: "rate(5 minutes)" }, { parent });
            const undelivered = deadLetterQueue("bare-dlq", parent);
            allowEventBridgeDeadLetters("bare-dlq", undelivered, [rule.arn], parent);
            invokeFunctionOnRule("bare-rule", rule, fn, undelivered.arn, parent);
        });
        const violations = mandatory(await validateResources(resources, {}, { defaultTags: ORGANISATION_TAGS }));
        expect(violations.map((v) => `${v.policy} ${v.resource?.name}`)).to.deep.equal(["lambda-async-failure-destination bare-fn"]);
    });
});
