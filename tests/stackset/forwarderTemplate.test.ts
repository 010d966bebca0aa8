import { expect } from "chai";
import { WorkbenchAccountForwarder } from "../../components/workbench/workbenchAccountForwarder";
import { CloudFormationTemplate, FORWARDER_TEMPLATE_PARAMETERS as P, forwarderTemplate, templateBundles } from "../../components/stackset/forwarderTemplate";
import { handlerNames } from "../../components/lambda/bundle";
import { renderForwarderTemplate } from "../../tools/stackset/renderForwarderTemplate";
import { cloudFormationSchemaProblems } from "../../tools/stackset/cloudFormationSchemas";
import { CLOUDFORMATION_TYPES, MERGED_INTO_OWNER } from "../../tools/stackset/cloudFormationTypes";
import { resolveIntrinsics } from "../../tools/stackset/resolveTemplate";
import { reviewStatement } from "../../policy/lib/iamReference";
import { RecordedResource, runUnderMocks } from "../support/pulumiMocks";

const ACCOUNT = "222222222222";
const REGION = "eu-west-1";
const PARAMETERS = {
    [P.hubEventBusArn]: "arn:aws:events:eu-central-1:999999999999:event-bus/hub-workbench-events",
    [P.alarmTopicArn]: `arn:aws:sns:${REGION}:${ACCOUNT}:platform-alarms`,
    [P.namePrefix]: "acme",
    [P.ownerTagKey]: "acme:owner",
    [P.typeTagKey]: "acme:workbench-type",
    [P.inventorySchedule]: "rate(10 minutes)",
    [P.codeBucketPrefix]: "acme-workbench-code",
};
/** CloudFormation takes a template body of at most 51,200 bytes inline (larger ones must come from S3). */
const TEMPLATE_BODY_MAX_BYTES = 51_200;

describe("the workbench forwarder's StackSet template (rendered from the component)", function () {
    this.timeout(120_000);
    let template: CloudFormationTemplate;
    let component: RecordedResource[];
    let sources: Record<string, string>;
    let resolved: CloudFormationTemplate["Resources"];
    const recordedOf = (logicalId: string) => {
        const [type, name] = sources[logicalId].split(" ");
        return component.find((r) => r.type === type && r.name === name)!;
    };

    before(async () => {
        template = forwarderTemplate();
        component = (
            await runUnderMocks(
                () =>
                    new WorkbenchAccountForwarder("workbench", {
                        hubEventBusArn: PARAMETERS[P.hubEventBusArn],
                        alarmActions: [PARAMETERS[P.alarmTopicArn]],
                        namePrefix: PARAMETERS[P.namePrefix],
                        ownerTagKey: PARAMETERS[P.ownerTagKey],
                        workbenchTypeTagKey: PARAMETERS[P.typeTagKey],
                        inventorySchedule: PARAMETERS[P.inventorySchedule],
                    }),
                { account: { accountId: ACCOUNT, region: REGION } },
            )
        ).resources;
        sources = (template.Metadata["license-ops"] as { sources: Record<string, string> }).sources;
        // The template for this account-region, as CloudFormation would resolve it, with the component's physical
        // names and ARNs (a role's Pulumi id is its name, CloudFormation's Ref of a role; the mocks give ids a shape
        // of their own, so the role's Ref is its mocked id).
        resolved = resolveIntrinsics(template.Resources, {
            accountId: ACCOUNT,
            region: REGION,
            partition: "aws",
            parameters: PARAMETERS,
            physical(logicalId) {
                const r = recordedOf(logicalId);
                const ref = r.type === "aws:sqs/queue:Queue" ? r.outputs!.url : r.type === "aws:iam/role:Role" ? r.id! : r.outputs!.name;
                return { ref, attributes: { Arn: r.outputs!.arn, QueueName: r.outputs!.name } };
            },
        }) as CloudFormationTemplate["Resources"];
    });

    it("is the committed template: a fresh render of the component is byte for byte what is committed", async () => {
        const fresh = await renderForwarderTemplate();
        expect(JSON.stringify(fresh, null, 2), "the committed template is stale: run npm run template:update").to.equal(JSON.stringify(template, null, 2));
    });

    it("passes AWS's CloudFormation resource schemas: types, properties, required properties, references, attributes", () => {
        expect(cloudFormationSchemaProblems(template)).to.deep.equal([]);
        // The check is not a formality: the mistakes a hand edit or a new mapping would make are each caught.
        const broken = JSON.parse(JSON.stringify(template)) as CloudFormationTemplate;
        broken.Resources.Forwarder.Properties.Timeout = "30";
        delete broken.Resources.ToHubRolePolicy.Properties.PolicyName;
        (broken.Resources.ToHubEventRule.Properties.Targets as any[])[0].RoleArn = { "Fn::GetAtt": ["ToHubRole", "Name"] };
        broken.Resources.ForwarderErrors.Properties.Colour = "red";
        expect(cloudFormationSchemaProblems(broken)).to.have.members([
            'Forwarder.Timeout: must be an integer (got "30")',
            "ToHubRolePolicy.PolicyName: required",
            "ToHubEventRule.Targets[0].RoleArn: AWS::IAM::Role has no attribute Name (has Arn, RoleId)",
            `ForwarderErrors.Colour: unknown property (has ${Object.keys(require("../../tools/stackset/cloudFormationSchemas").cloudFormationSpec().resources.get("AWS::CloudWatch::Alarm").properties).sort().join(", ")})`,
        ]);
    });

    it("resolves, for an account-region, to exactly the component's resources and properties: nothing lost in translation", () => {
        const translated = new Set<string>();
        for (const [logicalId, source] of Object.entries(sources)) {
            const r = recordedOf(logicalId);
            expect(r, source).to.exist;
            const mapping = CLOUDFORMATION_TYPES[r.type];
            if (!mapping) continue; // left out, with its reason in the template's metadata
            const expected = JSON.parse(JSON.stringify(mapping.properties({ targetId: logicalId, ...r.inputs }, logicalId)));
            const merged = MERGED_INTO_OWNER[r.type];
            if (merged) {
                const ownerId = Object.entries(sources).find(([, s]) => s === `${merged.ownerType} ${component.find((o) => o.type === merged.ownerType && o.outputs!.name === r.inputs[merged.owner])!.name}`)![0];
                for (const [key, value] of Object.entries(expected)) {
                    const actual = resolved[ownerId].Properties[key];
                    if (Array.isArray(value)) expect(actual, `${source} in ${ownerId}.${key}`).to.deep.include(value[0]);
                    else expect(actual, `${source} in ${ownerId}.${key}`).to.deep.equal(value);
                }
            } else {
                const { Code, Targets, Policy, ...actual } = resolved[logicalId].Properties;
                void Code, Targets, Policy;
                expect(actual, source).to.deep.equal(expected);
            }
            translated.add(`${r.type} ${r.name}`);
        }
        const everyChild = component.filter((r) => r.type.startsWith("aws:") && r.type !== "aws:lambda/invocation:Invocation").map((r) => `${r.type} ${r.name}`);
        expect([...translated].sort()).to.deep.equal(everyChild.sort());
    });

    it("grants nothing AWS's service authorization reference would not honour (the policy pack's IAM check)", async () => {
        const documents: Array<{ where: string; kind: "identity" | "trust" | "resource"; document: any }> = [];
        for (const [id, r] of Object.entries(resolved)) {
            if (r.Type === "AWS::IAM::RolePolicy") documents.push({ where: id, kind: "identity", document: r.Properties.PolicyDocument });
            if (r.Type === "AWS::IAM::Role") documents.push({ where: id, kind: "trust", document: r.Properties.AssumeRolePolicyDocument });
            if (r.Type === "AWS::SQS::QueuePolicy") documents.push({ where: id, kind: "resource", document: r.Properties.PolicyDocument });
            if (r.Type === "AWS::Events::EventBus" && r.Properties.Policy) documents.push({ where: id, kind: "resource", document: r.Properties.Policy });
        }
        expect(documents.length).to.be.greaterThan(8);
        const problems: string[] = [];
        for (const { where, kind, document } of documents) {
            for (const statement of document.Statement) {
                const review = await reviewStatement(statement, kind, "aws:iam/rolePolicy:RolePolicy");
                problems.push(...review.problems.map((p) => `${where} ${statement.Sid ?? ""}: ${p}`));
            }
        }
        expect(problems).to.deep.equal([]);
    });

    it("reads every Lambda bundle from the organisation's code bucket of its region, and fits CloudFormation's inline body", () => {
        const bundles = templateBundles(template);
        expect(bundles.map((b) => b.handler).sort()).to.deep.equal(["workbench-forwarder", "workbench-inventory"]);
        for (const b of bundles) expect(handlerNames()).to.include(b.handler);
        const bytes = Buffer.byteLength(JSON.stringify(template));
        console.log(`      template body (minified): ${bytes.toLocaleString("en")} of ${TEMPLATE_BODY_MAX_BYTES.toLocaleString("en")} bytes`);
        expect(bytes).to.be.at.most(TEMPLATE_BODY_MAX_BYTES);
    });
});
