import { expect } from "chai";
import { WorkbenchStackSet, WorkbenchStackSetArgs } from "../../components/stackset/workbenchStackSet";
import { forwarderTemplate, templateBundles } from "../../components/stackset/forwarderTemplate";
import { RecordedResource, named, ofType, runUnderMocks } from "../support/pulumiMocks";
import { messageOf, rejectionOf } from "../support/errors";
import { AlertTopic } from "../../components/shared/alertTopic";

const ARGS: WorkbenchStackSetArgs = {
    hubEventBusArn: "arn:aws:events:eu-central-1:999999999999:event-bus/hub-workbench-events",
    alarmTopicArns: { "eu-central-1": "arn:aws:sns:eu-central-1:555555555555:license-alerts", "us-east-1": "arn:aws:sns:us-east-1:555555555555:license-alerts" },
    organizationId: "o-abcdef1234",
    organizationalUnitIds: ["ou-ab12-workbench1", "ou-ab12-workbench2"],
    regions: ["eu-central-1", "us-east-1"],
};

describe("WorkbenchStackSet (Pulumi mocks)", () => {
    let resources: RecordedResource[];
    before(async () => {
        resources = (await runUnderMocks(() => new WorkbenchStackSet("workbenches", ARGS), { account: { accountId: "555555555555" } })).resources;
    });

    it("deploys the rendered forwarder to every account of the workbench OUs, automatically, and removes it from leavers", () => {
        const stackSet = named(resources, "aws:cloudformation/stackSet:StackSet", "workbenches-forwarder").inputs;
        expect(stackSet).to.deep.include({
            name: "license-ops-workbench-forwarder",
            permissionModel: "SERVICE_MANAGED",
            autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
            capabilities: ["CAPABILITY_NAMED_IAM"],
            callAs: "SELF",
        });
        expect(JSON.parse(stackSet.templateBody)).to.deep.equal(forwarderTemplate());
        expect(stackSet.parameters).to.deep.include({
            HubEventBusArn: ARGS.hubEventBusArn,
            NamePrefix: "license-ops",
            CodeBucketPrefix: "license-ops-workbench-code-555555555555",
        });
        expect(stackSet.operationPreferences).to.deep.equal({ regionConcurrencyType: "PARALLEL", maxConcurrentPercentage: 10, failureTolerancePercentage: 5 });
        const instances = ofType(resources, "aws:cloudformation/stackSetInstance:StackSetInstance").map((r) => r.inputs);
        expect(instances.map((i) => i.stackSetInstanceRegion)).to.deep.equal(ARGS.regions);
        for (const i of instances) {
            expect(i.deploymentTargets).to.deep.equal({ organizationalUnitIds: ARGS.organizationalUnitIds });
            // Alarms notify a topic of their own region.
            expect(i.parameterOverrides).to.deep.equal({ AlarmTopicArn: ARGS.alarmTopicArns[i.stackSetInstanceRegion] });
        }
    });

    it("publishes the template's bundles to a private code bucket per region that only the organisation may read", () => {
        for (const region of ARGS.regions) {
            const bucket = named(resources, "aws:s3/bucket:Bucket", `workbenches-code-${region}`);
            expect(bucket.inputs.bucket).to.equal(`license-ops-workbench-code-555555555555-${region}`);
            expect(bucket.provider, "the bucket lives in its region").to.match(new RegExp(`workbenches-${region}`));
            expect(named(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `workbenches-code-${region}`).inputs).to.include({ blockPublicPolicy: true, restrictPublicBuckets: true });
            const policy = JSON.parse(named(resources, "aws:s3/bucketPolicy:BucketPolicy", `workbenches-code-${region}`).inputs.policy);
            expect(policy.Statement.map((s: any) => s.Sid)).to.deep.equal(["DenyInsecureTransport", "OrganizationReadsBundles"]);
            expect(policy.Statement[1]).to.deep.include({ Action: "s3:GetObject", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abcdef1234" } } });
            expect(policy.Statement[1].Resource).to.match(/\/workbench-bundles\/\*$/);
            for (const { handler, key } of templateBundles(forwarderTemplate())) {
                expect(named(resources, "aws:s3/bucketObjectv2:BucketObjectv2", `workbenches-${region}-${handler}`).inputs.key).to.equal(key);
            }
        }
    });

    it("refuses plain mistakes at preview, one line each naming the field", () => {
        const message = messageOf(
            () =>
                new WorkbenchStackSet("bad", {
                    ...ARGS,
                    regions: ["eu-central-1", "Frankfurt", "eu-central-1"],
                    organizationalUnitIds: ["r-ab12"],
                    maxConcurrentPercentage: 0,
                    codeBucketPrefix: "Upper_Case",
                }),
        );
        expect(message).to.contain('regions: "Frankfurt" is not a region name');
        expect(message).to.contain("regions: lists a region twice");
        expect(message).to.contain('organizationalUnitIds: "r-ab12" is not an OU id');
        expect(message).to.contain("maxConcurrentPercentage: must be an integer from 1 to 100 (got 0)");
        expect(message).to.contain('codeBucketPrefix: "Upper_Case" must be');
        expect(messageOf(() => new WorkbenchStackSet("none", { ...ARGS, regions: [] }))).to.contain("regions: name at least one region");
        expect(messageOf(() => new WorkbenchStackSet("topics", { ...ARGS, regions: ["eu-central-1", "eu-west-1"] }))).to.contain("alarmTopicArns: no topic for eu-west-1");
    });
});

describe("AlertTopic admitting the organisation's alarms (the StackSet's alarm topics)", () => {
    const statements = (resources: RecordedResource[], type: string) => JSON.parse(named(resources, type, "alerts").inputs.policy).Statement as any[];
    const run = (admitOrganizationAlarms?: string) =>
        runUnderMocks(() => new AlertTopic("alerts", { emailAddresses: ["ops@example.com"], admitOrganizationAlarms }), { account: { accountId: "555555555555" } }).then((r) => r.resources);

    it("admits CloudWatch alarms of the organisation's accounts in its region, in the topic and key policies, only when asked", async () => {
        const condition = { StringEquals: { "aws:SourceOrgID": "o-abcdef1234" }, ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:eu-central-1:*:alarm:*" } };
        const admitting = await run("o-abcdef1234");
        expect(statements(admitting, "aws:sns/topicPolicy:TopicPolicy").find((s) => s.Sid === "CloudWatchAlarmsOfTheOrganization")).to.deep.include({ Action: "sns:Publish", Condition: condition });
        expect(statements(admitting, "aws:kms/key:Key").find((s) => s.Sid === "CloudWatchAlarmsOfTheOrganization")).to.deep.include({ Action: ["kms:Decrypt", "kms:GenerateDataKey"], Condition: condition });
        const own = await run();
        for (const type of ["aws:sns/topicPolicy:TopicPolicy", "aws:kms/key:Key"]) expect(statements(own, type).map((s) => s.Sid)).not.to.include("CloudWatchAlarmsOfTheOrganization");
        expect((await rejectionOf(run("org-1"))).message).to.contain('alerts: admitOrganizationAlarms "org-1" is not an AWS Organizations id');
    });
});
