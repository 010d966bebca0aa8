import { expect } from "chai";
import { BundledFunction } from "../../components/lambda/bundledFunction";
import { assertScheduleExpression } from "../../components/lambda/triggers";
import { named, ofType, runUnderMocks } from "../support/pulumiMocks";

describe("BundledFunction (Pulumi mocks)", () => {
    it("creates no failure queue or invoke config for synchronously invoked functions, and honours overrides", async () => {
        const { resources } = await runUnderMocks(
            () =>
                new BundledFunction("sync", {
                    handler: "workbench-forwarder",
                    statements: [],
                    architecture: "x86_64",
                    timeoutSeconds: 10,
                    memorySizeMb: 512,
                    logRetentionDays: 7,
                    environment: { A: "1" },
                }),
        );
        expect(ofType(resources, "aws:sqs/queue:Queue")).to.deep.equal([]);
        expect(ofType(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")).to.deep.equal([]);
        expect(ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name)).to.deep.equal(["sync-errors"]);
        const fn = named(resources, "aws:lambda/function:Function", "sync");
        expect(fn.inputs).to.deep.include({ architectures: ["x86_64"], timeout: 10, memorySize: 512 });
        expect(fn.inputs.environment.variables).to.deep.equal({ POWERTOOLS_SERVICE_NAME: "workbench-forwarder", A: "1" });
        expect(named(resources, "aws:cloudwatch/logGroup:LogGroup", "sync-logs").inputs.retentionInDays).to.equal(7);
        const alarm = named(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "sync-errors");
        expect(alarm.inputs).to.deep.include({ metricName: "Errors", namespace: "AWS/Lambda", threshold: 0 });
    });

    it("wires asynchronous retries to an encrypted on-failure queue", async () => {
        const { resources } = await runUnderMocks(
            () => new BundledFunction("async", { handler: "workbench-forwarder", statements: [], asyncInvocation: { maximumRetryAttempts: 1, maximumEventAgeSeconds: 600 } }),
        );
        const config = named(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "async-async");
        expect(config.inputs).to.deep.include({ maximumRetryAttempts: 1, maximumEventAgeInSeconds: 600 });
        expect(named(resources, "aws:sqs/queue:Queue", "async-failures").inputs.sqsManagedSseEnabled).to.equal(true);
        const alarm = named(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "async-failures");
        expect(alarm.inputs).to.deep.include({ namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", threshold: 0 });
        expect(alarm.inputs.dimensions).to.deep.equal({ QueueName: "async-failures" });
    });

    it("refuses invalid retry settings and wildcard permissions before creating anything", () => {
        expect(() => new BundledFunction("r", { handler: "workbench-forwarder", statements: [], asyncInvocation: { maximumRetryAttempts: 3 } })).to.throw(/r: asyncInvocation.maximumRetryAttempts/);
        expect(() => new BundledFunction("a", { handler: "workbench-forwarder", statements: [], asyncInvocation: { maximumEventAgeSeconds: 30 } })).to.throw(/maximumEventAgeSeconds/);
        expect(() => new BundledFunction("w", { handler: "workbench-forwarder", statements: [{ actions: ["s3:*"], resources: ["arn:aws:s3:::b/*"] }] })).to.throw(/w: IAM action "s3:\*"/);
        expect(() => new BundledFunction("h", { handler: "missing-handler", statements: [] })).to.throw(/not found/);
    });
});

describe("schedule expressions", () => {
    it("accepts EventBridge rate and cron expressions", () => {
        for (const ok of ["rate(1 minute)", "rate(5 minutes)", "rate(1 day)", "rate(12 hours)", "cron(0 6 * * ? *)", "cron(0/15 8-17 ? * MON-FRI *)", "cron(0 10 L * ? 2027)"]) {
            expect(() => assertScheduleExpression(ok, "ctx"), ok).not.to.throw();
        }
    });
    it("refuses malformed expressions and mismatched units", () => {
        for (const bad of ["every minute", "rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "rate(5 seconds)", "cron()", "cron(0 6 * * * *)", "cron(0 6 1 * MON *)", "cron(0 6 $ * ? *)"]) {
            expect(() => assertScheduleExpression(bad, "ctx"), bad).to.throw(/^ctx: "/);
        }
    });
    it("checks every cron field against its range, naming the field: cron(0 61 * * ? *) is refused at preview", () => {
        const cases: Array<[string, string]> = [
            ["cron(0 61 * * ? *)", 'hours "61" is outside 0-23'],
            ["cron(60 6 * * ? *)", 'minutes "60" is outside 0-59'],
            ["cron(0 6 32 * ? *)", 'day-of-month "32" is outside 1-31'],
            ["cron(0 6 ? 13 MON *)", 'month "13" is outside 1-12 or JAN-DEC'],
            ["cron(0 6 ? JAX MON *)", 'month "JAX" is outside 1-12 or JAN-DEC'],
            ["cron(0 6 ? * 8 *)", 'day-of-week "8" is outside 1-7 or SUN-SAT'],
            ["cron(0 6 * * ? 1969)", 'year "1969" is outside 1970-2199'],
            ["cron(0/0 * * * ? *)", 'minutes "0/0": step 0 is outside 1-59'],
            ["cron(0 6-30 * * ? *)", 'hours "30" is outside 0-23'],
        ];
        for (const [bad, why] of cases) expect(() => assertScheduleExpression(bad, "hub: syncSchedule"), bad).to.throw(`hub: syncSchedule: "${bad}": ${why}.`);
        for (const ok of ["cron(0 6 ? * 2#1 *)", "cron(15 10 ? * 6L 2027-2029)", "cron(0 6 ? JAN-MAR SUN-SAT *)", "cron(5,35 14 * * ? *)", "cron(0 6 15W * ? *)"]) {
            expect(() => assertScheduleExpression(ok, "ctx"), ok).not.to.throw();
        }
    });
    it("refuses a five-field (Unix) cron with one line naming the field and the six EventBridge needs", () => {
        expect(() => assertScheduleExpression("cron(0 * * * *)", "usage: scheduleExpression")).to.throw(
            /^usage: scheduleExpression: "cron\(0 \* \* \* \*\)" has 5 fields; EventBridge cron needs 6 \(minutes hours day-of-month month day-of-week year\), e\.g\. "cron\(0 \* \* \* \? \*\)"\.$/,
        );
    });
});
