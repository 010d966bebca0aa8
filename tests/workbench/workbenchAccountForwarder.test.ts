import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { errorOf } from "../support/errors";
import { WorkbenchAccountForwarder } from "../../components/workbench/workbenchAccountForwarder";
import { allowStatements, named, ofType, runUnderMocks } from "../support/pulumiMocks";
import { inventoryMinuteOffset, spreadInventorySchedule } from "../../components/workbench/inventorySchedule";
import { WORKBENCH_DETAIL_TYPES, WORKBENCH_EVENT_SOURCE, WORKBENCH_SNAPSHOT_DETAIL_TYPE } from "../../functions/shared/workbenchEvent";

const HUB_BUS = "arn:aws:events:eu-central-1:999999999999:event-bus/license-hub";

describe("WorkbenchAccountForwarder (Pulumi mocks)", () => {
    let resources: Awaited<ReturnType<typeof runUnderMocks>>["resources"];

    before(async () => {
        ({ resources } = await runUnderMocks(() => new WorkbenchAccountForwarder("wb", { hubEventBusArn: HUB_BUS })));
    });

    it("registers itself with the licensing type token and parents every child", () => {
        const component = named(resources, "licensing:index:WorkbenchAccountForwarder", "wb");
        expect(component).to.exist;
        const children = resources.filter((r) => r.type.startsWith("aws:"));
        expect(children.length).to.be.greaterThan(8);
        for (const child of children) {
            expect(child.name.startsWith("wb-"), child.name).to.equal(true);
        }
    });

    it("listens to EC2 state changes that start or end a workbench, and nothing else", () => {
        const rule = named(resources, "aws:cloudwatch/eventRule:EventRule", "wb-ec2-state");
        expect(JSON.parse(rule.inputs.eventPattern)).to.deep.equal({
            source: ["aws.ec2"],
            "detail-type": ["EC2 Instance State-change Notification"],
            detail: { state: ["running", "stopping", "stopped", "shutting-down", "terminated"] },
        });
        const target = named(resources, "aws:cloudwatch/eventTarget:EventTarget", "wb-ec2-state-target");
        expect(target.inputs.arn).to.match(/:function:license-ops-workbench-forwarder$/);
        expect(target.inputs.deadLetterConfig.arn).to.match(/:wb-undelivered$/);
        const permission = named(resources, "aws:lambda/permission:Permission", "wb-ec2-state-invoke");
        expect(permission.inputs.principal).to.equal("events.amazonaws.com");
        expect(permission.inputs.sourceArn).to.match(/:rule\/license-ops-workbench-ec2-state$/);
    });

    it("forwards workbench events to the hub bus with a role allowed only events:PutEvents on that bus", () => {
        const rule = named(resources, "aws:cloudwatch/eventRule:EventRule", "wb-to-hub");
        const pattern = JSON.parse(rule.inputs.eventPattern);
        expect(pattern.source).to.deep.equal([WORKBENCH_EVENT_SOURCE]);
        expect(pattern["detail-type"]).to.deep.equal([...WORKBENCH_DETAIL_TYPES]);
        const target = named(resources, "aws:cloudwatch/eventTarget:EventTarget", "wb-to-hub");
        expect(target.inputs.arn).to.equal(HUB_BUS);
        expect(target.inputs.roleArn).to.equal("arn:aws:iam::111111111111:role/license-ops-workbench-to-hub-eu-central-1");
        expect(rule.inputs.eventBusName).to.equal("license-ops-workbench-events");
        expect(target.inputs.eventBusName).to.equal("license-ops-workbench-events");
        expect(target.inputs.retryPolicy.maximumRetryAttempts).to.be.greaterThan(0);
        expect(target.inputs.deadLetterConfig.arn).to.match(/:wb-undelivered$/);

        const role = named(resources, "aws:iam/role:Role", "wb-to-hub");
        const trust = JSON.parse(role.inputs.assumeRolePolicy);
        expect(trust.Statement[0].Principal).to.deep.equal({ Service: "events.amazonaws.com" });
        expect(trust.Statement[0].Condition.StringEquals["aws:SourceAccount"]).to.equal("111111111111");
        const policy = JSON.parse(named(resources, "aws:iam/rolePolicy:RolePolicy", "wb-to-hub").inputs.policy);
        expect(policy.Statement).to.deep.equal([{ Sid: "PutOnHubBus", Effect: "Allow", Action: ["events:PutEvents"], Resource: [HUB_BUS] }]);
    });

    it("deploys the bundled forwarder on Node.js 22 arm64 with its tag keys and an on-failure destination", () => {
        const fn = named(resources, "aws:lambda/function:Function", "wb-forwarder");
        expect(fn.inputs.runtime).to.equal("nodejs22.x");
        expect(fn.inputs.architectures).to.deep.equal(["arm64"]);
        expect(fn.inputs.handler).to.equal("index.handler");
        expect(fn.inputs.environment.variables).to.include({
            OWNER_TAG_KEY: "vew:workbench:ownerId",
            TYPE_TAG_KEY: "vew:workbench:type",
            EVENT_BUS_NAME: "license-ops-workbench-events",
        });
        expect(fn.inputs.loggingConfig.logGroup).to.equal("wb-forwarder-logs");
        const logs = named(resources, "aws:cloudwatch/logGroup:LogGroup", "wb-forwarder-logs");
        expect(logs.inputs.retentionInDays).to.equal(30);
        const invokeConfig = named(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "wb-forwarder-async");
        expect(invokeConfig.inputs.destinationConfig.onFailure.destination).to.match(/:wb-forwarder-failures$/);
        for (const queue of ofType(resources, "aws:sqs/queue:Queue")) {
            expect(queue.inputs.sqsManagedSseEnabled, queue.name).to.equal(true);
        }
    });

    it("grants the forwarder only what it uses, with no wildcard actions", () => {
        const statements = allowStatements(resources);
        for (const s of statements) {
            for (const action of s.Action) expect(action).not.to.contain("*");
        }
        const fnPolicy = JSON.parse(named(resources, "aws:iam/rolePolicy:RolePolicy", "wb-forwarder-policy").inputs.policy);
        const bySid = Object.fromEntries(fnPolicy.Statement.map((s: any) => [s.Sid, s]));
        expect(bySid.DescribeWorkbenchInstance).to.deep.include({ Action: ["ec2:DescribeInstances"], Resource: ["*"], Condition: { StringEquals: { "aws:RequestedRegion": "eu-central-1" } } });
        // State changes only, on its own bus: the forwarder's role cannot publish a snapshot or another source.
        expect(bySid.PutWorkbenchEvents).to.deep.include({
            Action: ["events:PutEvents"],
            Resource: ["arn:aws:events:eu-central-1:111111111111:event-bus/license-ops-workbench-events"],
            Condition: { "ForAllValues:StringEquals": { "events:source": [WORKBENCH_EVENT_SOURCE], "events:detail-type": ["Workbench State Change"] } },
        });
        expect(bySid.WriteOwnLogs.Resource[0]).to.match(/log-group:wb-forwarder-logs:\*$/);
        expect(bySid.SendFailedInvocations.Action).to.deep.equal(["sqs:SendMessage"]);
        expect(Object.keys(bySid).sort()).to.deep.equal(["DescribeWorkbenchInstance", "PutWorkbenchEvents", "SendFailedInvocations", "WriteOwnLogs"]);
    });

    it("alarms on the first event that could not be delivered or processed", () => {
        const alarms = ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm");
        const queues = alarms.filter((a) => a.inputs.namespace === "AWS/SQS").map((a) => a.inputs.dimensions.QueueName).sort();
        expect(queues).to.deep.equal(["wb-forwarder-failures", "wb-inventory-failures", "wb-undelivered"]);
        for (const alarm of alarms) expect(alarm.inputs).to.deep.include({ threshold: 0, comparisonOperator: "GreaterThanThreshold" });
    });

    it("alarms on the first start the forwarder refused, on the metric the forwarder emits, to the given actions", async () => {
        const alarm = named(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "wb-rejected-events");
        expect(alarm.inputs).to.deep.include({
            namespace: "LicenseOps",
            metricName: "WorkbenchEventsRejected",
            dimensions: { service: "workbench-forwarder" },
            statistic: "Sum",
            threshold: 0,
            comparisonOperator: "GreaterThanThreshold",
        });
        expect(named(resources, "aws:lambda/function:Function", "wb-forwarder").inputs.environment.variables.POWERTOOLS_SERVICE_NAME).to.equal("workbench-forwarder");
        const topic = "arn:aws:sns:eu-central-1:111111111111:alerts";
        const { resources: alerted } = await runUnderMocks(() => new WorkbenchAccountForwarder("al", { hubEventBusArn: HUB_BUS, alarmActions: [topic] }));
        const alarms = ofType(alerted, "aws:cloudwatch/metricAlarm:MetricAlarm");
        expect(alarms.map((a) => a.name)).to.include("al-rejected-events");
        for (const a of alarms) expect(a.inputs.alarmActions, a.name).to.deep.equal([topic]);
    });

    it("publishes on a dedicated bus that refuses every principal but the forwarder's role, with fixed names per region", async () => {
        const bus = named(resources, "aws:cloudwatch/eventBus:EventBus", "wb-bus");
        expect(bus.inputs.name).to.equal("license-ops-workbench-events");
        const policy = JSON.parse(named(resources, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", "wb-bus").inputs.policy);
        expect(policy.Statement).to.deep.equal([
            {
                Sid: "OnlyPublishersPutEvents",
                Effect: "Deny",
                Principal: "*",
                Action: "events:PutEvents",
                Resource: "arn:aws:events:eu-central-1:111111111111:event-bus/license-ops-workbench-events",
                Condition: {
                    ArnNotEquals: {
                        "aws:PrincipalArn": [
                            "arn:aws:iam::111111111111:role/license-ops-workbench-forwarder-eu-central-1",
                            "arn:aws:iam::111111111111:role/license-ops-workbench-inventory-eu-central-1",
                        ],
                    },
                },
            },
        ]);
        const namesOf = (deployed: typeof resources, name: string) => ({
            roles: [`${name}-forwarder-role`, `${name}-inventory-role`, `${name}-to-hub`].map((r) => named(deployed, "aws:iam/role:Role", r).inputs.name),
            functions: [`${name}-forwarder`, `${name}-inventory`].map((f) => named(deployed, "aws:lambda/function:Function", f).inputs.name),
            rules: [`${name}-ec2-state`, `${name}-inventory`, `${name}-to-hub`].map((r) => named(deployed, "aws:cloudwatch/eventRule:EventRule", r).inputs.name),
            bus: named(deployed, "aws:cloudwatch/eventBus:EventBus", `${name}-bus`).inputs.name,
        });
        expect(namesOf(resources, "wb")).to.deep.equal({
            roles: ["license-ops-workbench-forwarder-eu-central-1", "license-ops-workbench-inventory-eu-central-1", "license-ops-workbench-to-hub-eu-central-1"],
            functions: ["license-ops-workbench-forwarder", "license-ops-workbench-inventory"],
            rules: ["license-ops-workbench-ec2-state", "license-ops-workbench-inventory", "license-ops-workbench-to-hub"],
            bus: "license-ops-workbench-events",
        });

        // A second region of the same account: IAM names (global) differ, regional names stay; the region is the provider's.
        const longest = "a".repeat(28);
        const { resources: second } = await runUnderMocks(() => new WorkbenchAccountForwarder("p", { hubEventBusArn: HUB_BUS, namePrefix: longest }), { account: { region: "us-isof-south-1" } });
        const secondNames = namesOf(second, "p");
        expect(secondNames.roles).to.deep.equal([`${longest}-workbench-forwarder-us-isof-south-1`, `${longest}-workbench-inventory-us-isof-south-1`, `${longest}-workbench-to-hub-us-isof-south-1`]);
        for (const role of secondNames.roles) expect(role.length, role).to.be.at.most(64);
        expect(secondNames.functions).to.deep.equal([`${longest}-workbench-forwarder`, `${longest}-workbench-inventory`]);
        expect(secondNames.bus).to.equal(`${longest}-workbench-events`);
        expect(() => new WorkbenchAccountForwarder("bad", { hubEventBusArn: HUB_BUS, namePrefix: "1 bad" })).to.throw(/bad: namePrefix "1 bad" must start with a letter/);
        expect(() => new WorkbenchAccountForwarder("long", { hubEventBusArn: HUB_BUS, namePrefix: `${longest}a` })).to.throw(/long: namePrefix "a{29}" must start with a letter and use at most 28/);
    });

    it("spreads the account-regions' inventories over the 5-minute period, each at a minute derived from its account and region", async () => {
        const offsets = Array.from({ length: 200 }, (_, i) => inventoryMinuteOffset(String(100_000_000_000 + i), i % 2 ? "eu-central-1" : "us-east-1"));
        const perMinute = [0, 1, 2, 3, 4].map((m) => offsets.filter((o) => o === m).length);
        console.log(`      inventories of 200 account-regions per minute of the period: ${perMinute.join(", ")}`);
        for (const n of perMinute) expect(n).to.be.within(20, 60);
        const { resources: second } = await runUnderMocks(() => new WorkbenchAccountForwarder("w2", { hubEventBusArn: HUB_BUS }), { account: { accountId: "222222222222" } });
        expect(named(second, "aws:cloudwatch/eventRule:EventRule", "w2-inventory").inputs.scheduleExpression).to.equal(spreadInventorySchedule("222222222222", "eu-central-1"));
        expect(spreadInventorySchedule("222222222222", "eu-central-1")).to.match(/^cron\([0-4]\/5 \* \* \* \? \*\)$/);
    });

    it("runs the inventory every 5 minutes, with retries and the dead-letter queue, and once at deployment", () => {
        const fn = named(resources, "aws:lambda/function:Function", "wb-inventory");
        expect(fn.inputs.tags["licensing:handler"]).to.equal("workbench-inventory");
        expect(fn.inputs.environment.variables).to.include({ OWNER_TAG_KEY: "vew:workbench:ownerId", TYPE_TAG_KEY: "vew:workbench:type", EVENT_BUS_NAME: "license-ops-workbench-events" });
        const rule = named(resources, "aws:cloudwatch/eventRule:EventRule", "wb-inventory");
        expect(rule.inputs.scheduleExpression).to.equal(`cron(${inventoryMinuteOffset("111111111111", "eu-central-1")}/5 * * * ? *)`);
        expect(rule.inputs.eventBusName, "schedules run on the default bus").to.equal(undefined);
        const target = named(resources, "aws:cloudwatch/eventTarget:EventTarget", "wb-inventory-target");
        expect(target.inputs.arn).to.match(/:function:license-ops-workbench-inventory$/);
        expect(target.inputs.retryPolicy.maximumRetryAttempts).to.be.greaterThan(0);
        expect(target.inputs.deadLetterConfig.arn).to.match(/:wb-undelivered$/);
        expect(named(resources, "aws:lambda/permission:Permission", "wb-inventory-invoke").inputs.sourceArn).to.match(/:rule\/license-ops-workbench-inventory$/);
        const first = named(resources, "aws:lambda/invocation:Invocation", "wb-first-inventory");
        expect(first.inputs.functionName).to.equal("license-ops-workbench-inventory");
        expect(JSON.parse(first.inputs.input)).to.deep.equal({ trigger: "deployment" });
        expect(first.inputs.triggers.bundleSha256).to.equal(fn.inputs.tags["licensing:bundle-sha256"]);
        // The inventory's schedule may dead-letter into the same queue: its rule is admitted by the queue policy.
        expect(named(resources, "aws:sqs/queuePolicy:QueuePolicy", "wb-undelivered").inputs.policy).to.contain(":rule/license-ops-workbench-inventory");
    });

    it("runs the first inventory only once the bus admits it and the forwarding rule can carry its snapshot", () => {
        // Pulumi registers a resource only once everything it depends on is registered (the mocks see that order).
        const position = (type: string, name: string) => resources.indexOf(named(resources, type, name));
        const first = position("aws:lambda/invocation:Invocation", "wb-first-inventory");
        expect(first).to.be.greaterThan(position("aws:cloudwatch/eventBusPolicy:EventBusPolicy", "wb-bus"));
        expect(first).to.be.greaterThan(position("aws:cloudwatch/eventTarget:EventTarget", "wb-to-hub"));
    });

    it("grants the inventory DescribeInstances in its own region and snapshots on its own bus only", () => {
        const policy = JSON.parse(named(resources, "aws:iam/rolePolicy:RolePolicy", "wb-inventory-policy").inputs.policy);
        const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
        expect(bySid.ListWorkbenchInstances).to.deep.include({
            Action: ["ec2:DescribeInstances"],
            Resource: ["*"],
            Condition: { StringEquals: { "aws:RequestedRegion": "eu-central-1" } },
        });
        expect(bySid.PutInventorySnapshots).to.deep.include({
            Action: ["events:PutEvents"],
            Resource: ["arn:aws:events:eu-central-1:111111111111:event-bus/license-ops-workbench-events"],
            Condition: { "ForAllValues:StringEquals": { "events:source": [WORKBENCH_EVENT_SOURCE], "events:detail-type": [WORKBENCH_SNAPSHOT_DETAIL_TYPE] } },
        });
        expect(Object.keys(bySid).sort()).to.deep.equal(["ListWorkbenchInstances", "PutInventorySnapshots", "SendFailedInvocations", "WriteOwnLogs"]);
    });

    it("takes a configured inventory schedule and refuses one EventBridge would not, naming the field", async () => {
        const { resources: custom } = await runUnderMocks(() => new WorkbenchAccountForwarder("hourly", { hubEventBusArn: HUB_BUS, inventorySchedule: "rate(1 hour)" }));
        expect(named(custom, "aws:cloudwatch/eventRule:EventRule", "hourly-inventory").inputs.scheduleExpression).to.equal("rate(1 hour)");
        for (const schedule of ["every 5 minutes", "rate(5 minute)", "rate(0 minutes)"]) {
            const error = errorOf(() => new WorkbenchAccountForwarder(`bad-${schedule.length}`, { hubEventBusArn: HUB_BUS, inventorySchedule: schedule }));
            expect(error.message, schedule).to.match(new RegExp(`^bad-${schedule.length}: inventorySchedule: `));
            expect(pulumi.ResourceError.isInstance(error), schedule).to.equal(true);
        }
    });

    it("uses configured tag keys", async () => {
        const { resources: custom } = await runUnderMocks(
            () => new WorkbenchAccountForwarder("custom", { hubEventBusArn: HUB_BUS, ownerTagKey: "team:owner", workbenchTypeTagKey: "team:kind" }),
        );
        for (const fnName of ["custom-forwarder", "custom-inventory"]) {
            const fn = named(custom, "aws:lambda/function:Function", fnName);
            expect(fn.inputs.environment.variables, fnName).to.include({ OWNER_TAG_KEY: "team:owner", TYPE_TAG_KEY: "team:kind" });
        }
    });

    it("refuses a hub bus ARN that is not an event bus, naming the component", () => {
        const error = errorOf(() => new WorkbenchAccountForwarder("bad", { hubEventBusArn: "arn:aws:sqs:eu-central-1:999999999999:queue" }));
        expect(error.message).to.equal('bad: hubEventBusArn "arn:aws:sqs:eu-central-1:999999999999:queue" is not an EventBridge event bus ARN.');
        expect(pulumi.ResourceError.isInstance(error) && error.hideStack).to.equal(true);
        expect(() => new WorkbenchAccountForwarder("bad2", { hubEventBusArn: HUB_BUS, ownerTagKey: "aws:reserved" })).to.throw(/ownerTagKey/);
        expect(() => new WorkbenchAccountForwarder("case", { hubEventBusArn: HUB_BUS, ownerTagKey: "team:Owner", workbenchTypeTagKey: "team:owner" })).to.throw(
            /^case: ownerTagKey and workbenchTypeTagKey: "team:Owner" and "team:owner" differ only by case; use one spelling\.$/,
        );
    });
});
