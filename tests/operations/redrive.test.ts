import { expect } from "chai";
import { SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { AwsServiceError, LOCAL_CLIENT_CONFIG } from "../../sandbox/aws/awsJsonServer";
import { SqsStandin, startSqsStandin } from "../../sandbox/aws/sqsStandin";
import { LambdaInvokeStandin, startLambdaInvokeStandin } from "../../sandbox/aws/lambdaInvokeStandin";
import { EventBridgeStandin, startEventBridgeStandin } from "../../sandbox/aws/eventBridgeStandin";
import { awsRedrivePorts } from "../../operations/redrive/awsPorts";
import { redrive } from "../../operations/redrive/redrive";

const FORWARDER = "arn:aws:lambda:eu-central-1:111111111111:function:workbench-forwarder";
const ASSIGNMENT = "arn:aws:lambda:eu-central-1:222222222222:function:hub-assignment";
const EC2_EVENT = {
    version: "0",
    id: "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    source: "aws.ec2",
    account: "111111111111",
    time: "2026-03-02T08:00:00Z",
    region: "eu-central-1",
    resources: ["arn:aws:ec2:eu-central-1:111111111111:instance/i-0abc1234def567890"],
    detail: { "instance-id": "i-0abc1234def567890", state: "stopped" },
};
const WORKBENCH_EVENT = {
    ...EC2_EVENT,
    id: "b2a6f1de-7c1c-4a57-9d53-0c4c5d7d1b10",
    "detail-type": "Workbench State Change",
    source: "licensing.workbench",
    detail: { "schema-version": "1", "user-id": "alice", "workbench-state": "stopped" },
};

describe("redrive (SQS, Lambda and EventBridge stand-ins)", function () {
    this.timeout(30_000);
    let sqs: SqsStandin;
    let lambda: LambdaInvokeStandin;
    let events: EventBridgeStandin;
    let clients: { sqs: SQSClient; lambda: LambdaClient; events: EventBridgeClient };
    let queueUrl: string;

    before(async () => {
        [sqs, lambda, events] = await Promise.all([startSqsStandin(), startLambdaInvokeStandin(), startEventBridgeStandin()]);
        clients = {
            sqs: new SQSClient({ ...LOCAL_CLIENT_CONFIG, endpoint: sqs.endpoint, maxAttempts: 1 }),
            lambda: new LambdaClient({ ...LOCAL_CLIENT_CONFIG, endpoint: lambda.endpoint, maxAttempts: 1 }),
            events: new EventBridgeClient({ ...LOCAL_CLIENT_CONFIG, endpoint: events.endpoint, maxAttempts: 1 }),
        };
    });
    after(async () => {
        Object.values(clients).forEach((c) => c.destroy());
        await Promise.all([sqs.close(), lambda.close(), events.close()]);
    });
    beforeEach(() => {
        sqs.queues.clear();
        sqs.queues.set("undelivered", []);
        queueUrl = sqs.queueUrl("undelivered");
        lambda.invocations.length = 0;
        events.events.length = 0;
    });

    /** Dead-letters a message the way EventBridge or Lambda would (through the real SQS client). */
    const deadLetter = (body: unknown, attributes: Record<string, string> = {}) =>
        clients.sqs.send(
            new SendMessageCommand({
                QueueUrl: queueUrl,
                MessageBody: JSON.stringify(body),
                MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: "String", StringValue: v }])),
            }),
        );
    const run = (options: { dryRun?: boolean } = {}) => redrive(awsRedrivePorts(clients, queueUrl, { visibilityTimeoutSeconds: 1 }), { max: 100, ...options });

    it("sends each dead letter back where it came from and keeps what it cannot redrive", async () => {
        await deadLetter(EC2_EVENT, { RULE_ARN: "arn:aws:events:eu-central-1:111111111111:rule/workbench-ec2-state", TARGET_ARN: FORWARDER, ERROR_CODE: "SDK_CLIENT_ERROR" });
        await deadLetter(WORKBENCH_EVENT, { RULE_ARN: "arn:aws:events:eu-central-1:111111111111:rule/workbench-to-hub", TARGET_ARN: "arn:aws:events:eu-central-1:222222222222:event-bus/hub-bus" });
        await deadLetter({
            version: "1.0",
            requestContext: { requestId: "r-1", functionArn: `${ASSIGNMENT}:$LATEST`, condition: "RetriesExhausted", approximateInvokeCount: 3 },
            requestPayload: WORKBENCH_EVENT,
            responseContext: { statusCode: 200, functionError: "Unhandled" },
        });
        await deadLetter({ version: "1.0", requestContext: { functionArn: `${ASSIGNMENT}:$LATEST`, condition: "RetryAttemptsExhausted" }, DDBStreamBatchInfo: { shardId: "s", startSequenceNumber: "1" } });

        const report = await run();
        expect(report.redriven).to.equal(3);
        expect(report.kept).to.have.length(1);
        expect(report.kept[0].reason).to.match(/DynamoDB stream batch/);
        expect(lambda.invocations.map((i) => [i.functionName, i.invocationType, JSON.parse(i.payload)])).to.deep.equal([
            [FORWARDER, "Event", EC2_EVENT],
            [ASSIGNMENT, "Event", WORKBENCH_EVENT],
        ]);
        // The cross-account forward goes back through its rule: the event is put on the rule's own (default) bus.
        expect(events.events).to.have.length(1);
        expect(events.events[0]).to.deep.include({ EventBusName: "arn:aws:events:eu-central-1:111111111111:event-bus/default", Source: "licensing.workbench", DetailType: "Workbench State Change" });
        expect(JSON.parse(events.events[0].Detail)).to.deep.equal(WORKBENCH_EVENT.detail);
        expect(sqs.queues.get("undelivered")!.map((m) => JSON.parse(m.body).DDBStreamBatchInfo !== undefined)).to.deep.equal([true]);
    });

    it("keeps a message whose redelivery failed, and a second run finishes the job", async () => {
        await deadLetter(EC2_EVENT, { RULE_ARN: "arn:aws:events:eu-central-1:111111111111:rule/workbench-ec2-state", TARGET_ARN: FORWARDER });
        await deadLetter(WORKBENCH_EVENT, { RULE_ARN: "arn:aws:events:eu-central-1:222222222222:rule/hub-bus/hub-workbench-events", TARGET_ARN: ASSIGNMENT });
        lambda.throttleNext(1);
        const first = await run();
        expect(first.redriven).to.equal(1);
        expect(first.kept.map((k) => k.reason)).to.satisfy((reasons: string[]) => reasons.length === 1 && /TooManyRequests|Rate exceeded/.test(reasons[0]));
        expect(sqs.queues.get("undelivered")).to.have.length(1);

        await new Promise((resolve) => setTimeout(resolve, 1100)); // the visibility timeout runs out
        const second = await run();
        expect(second).to.deep.equal({ redriven: 1, kept: [] });
        expect(sqs.queues.get("undelivered")).to.have.length(0);
        expect(lambda.invocations.map((i) => i.functionName).sort()).to.deep.equal([ASSIGNMENT, FORWARDER].sort());
    });

    it("redelivers again when the delete after a redelivery failed: at least once, never lost", async () => {
        await deadLetter(WORKBENCH_EVENT, { RULE_ARN: "arn:aws:events:eu-central-1:222222222222:rule/hub-bus/hub-workbench-events", TARGET_ARN: ASSIGNMENT });
        sqs.failNext("DeleteMessage", new AwsServiceError("com.amazonaws.sqs#InternalError", "try again", 500));
        expect((await run()).redriven).to.equal(0);
        await new Promise((resolve) => setTimeout(resolve, 1100));
        expect(await run()).to.deep.equal({ redriven: 1, kept: [] });
        // The hub applies the same event twice idempotently (tests/hub/assignment*.test.ts): both deliveries are safe.
        expect(lambda.invocations).to.have.length(2);
        expect(sqs.queues.get("undelivered")).to.have.length(0);
    });

    it("changes nothing in a dry run", async () => {
        await deadLetter(EC2_EVENT, { RULE_ARN: "arn:aws:events:eu-central-1:111111111111:rule/workbench-ec2-state", TARGET_ARN: FORWARDER });
        const lines: string[] = [];
        const report = await redrive(awsRedrivePorts(clients, queueUrl, { visibilityTimeoutSeconds: 1 }), { max: 100, dryRun: true, log: (l) => lines.push(l) });
        expect(report).to.deep.equal({ redriven: 0, kept: [] });
        expect(lines).to.have.length(1);
        expect(lines[0]).to.match(/^would invoke arn:aws:lambda:.*workbench-forwarder/);
        expect(lambda.invocations).to.have.length(0);
        expect(sqs.queues.get("undelivered")).to.have.length(1);
    });
});
