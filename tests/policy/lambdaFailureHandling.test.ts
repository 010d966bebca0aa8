import { expect } from "chai";
import type { PolicyResource } from "@pulumi/policy";
import { lambdaAsyncFailureDestination, parseFunctionReference } from "../../policy/policies/lambdaFailureHandling";
import { UNKNOWN_STRING, awsProvider, checkStack, stackResource } from "./policyArgs";

const ARN = (name: string, region = "eu-central-1") => `arn:aws:lambda:${region}:111111111111:function:${name}`;

const fn = (name: string, props: Record<string, unknown> = {}, provider = awsProvider()) =>
    stackResource({ type: "aws:lambda/function:Function", name, props: { name, arn: ARN(name), runtime: "nodejs22.x", ...props }, provider });
const permission = (name: string, functionRef: unknown, principal = "events.amazonaws.com", dependsOn: PolicyResource[] = [], provider = awsProvider()) =>
    stackResource({
        type: "aws:lambda/permission:Permission",
        name,
        props: { action: "lambda:InvokeFunction", function: functionRef, principal },
        propertyDependencies: dependsOn.length ? { function: dependsOn } : {},
        provider,
    });
const eventTarget = (name: string, arn: unknown, dependsOn: PolicyResource[] = []) =>
    stackResource({ type: "aws:cloudwatch/eventTarget:EventTarget", name, props: { rule: "r", arn }, propertyDependencies: dependsOn.length ? { arn: dependsOn } : {} });
const invokeConfig = (name: string, functionName: unknown, destination: unknown = "arn:aws:sqs:eu-central-1:111111111111:failures", dependsOn: PolicyResource[] = [], provider = awsProvider()) =>
    stackResource({
        type: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        name,
        props: { functionName, maximumRetryAttempts: 2, ...(destination ? { destinationConfig: { onFailure: { destination } } } : {}) },
        propertyDependencies: dependsOn.length ? { functionName: dependsOn } : {},
        provider,
    });

describe("policy lambda-async-failure-destination", () => {
    it("passes an asynchronously invoked function with an on-failure destination or a dead-letter queue", async () => {
        expect(await checkStack(lambdaAsyncFailureDestination, [fn("worker"), permission("worker-invoke", "worker"), invokeConfig("worker-async", "worker")])).to.be.empty;
        const withDlq = fn("worker", { deadLetterConfig: { targetArn: "arn:aws:sqs:eu-central-1:111111111111:dlq" } });
        expect(await checkStack(lambdaAsyncFailureDestination, [withDlq, eventTarget("worker-target", ARN("worker"))])).to.be.empty;
    });

    it("reports an EventBridge-invoked function with neither, naming the trigger", async () => {
        const worker = fn("worker");
        const violations = await checkStack(lambdaAsyncFailureDestination, [worker, eventTarget("worker-target", `${ARN("worker")}:live`)]);
        expect(violations).to.deep.equal([
            {
                message:
                    "Lambda function worker is invoked asynchronously (EventBridge target: worker-target) but has neither a deadLetterConfig " +
                    "nor a FunctionEventInvokeConfig with destinationConfig.onFailure.",
                urn: worker.urn,
            },
        ]);
    });

    it("treats SNS and S3 invoke permissions as asynchronous, and others (API Gateway) not", async () => {
        for (const principal of ["sns.amazonaws.com", "s3.amazonaws.com"]) {
            expect(await checkStack(lambdaAsyncFailureDestination, [fn("worker"), permission("p", ARN("worker"), principal)])).to.have.length(1);
        }
        expect(await checkStack(lambdaAsyncFailureDestination, [fn("api"), permission("p", "api", "apigateway.amazonaws.com")])).to.be.empty;
        const config = { "lambda-async-failure-destination": { asyncPrincipals: ["scheduler.amazonaws.com"] } };
        expect(await checkStack(lambdaAsyncFailureDestination, [fn("worker"), permission("p", "worker", "scheduler.amazonaws.com")], config)).to.have.length(1);
    });

    it("treats an EventBridge Scheduler schedule targeting the function as asynchronous (it needs no invoke permission)", async () => {
        const schedule = (arn: unknown, dependsOn: PolicyResource[] = []) =>
            stackResource({
                type: "aws:scheduler/schedule:Schedule",
                name: "nightly",
                props: { scheduleExpression: "rate(1 day)", flexibleTimeWindow: { mode: "OFF" }, target: { arn, roleArn: "arn:aws:iam::111111111111:role/s" } },
                propertyDependencies: dependsOn.length ? { target: dependsOn } : {},
            });
        const violations = await checkStack(lambdaAsyncFailureDestination, [fn("worker"), schedule(ARN("worker"))]);
        expect(violations.map((v) => v.message)).to.deep.equal([
            "Lambda function worker is invoked asynchronously (EventBridge Scheduler schedule: nightly) but has neither a deadLetterConfig " +
                "nor a FunctionEventInvokeConfig with destinationConfig.onFailure.",
        ]);
        expect(await checkStack(lambdaAsyncFailureDestination, [fn("worker"), schedule(ARN("worker")), invokeConfig("c", "worker")])).to.be.empty;
        const worker = fn("worker", { arn: UNKNOWN_STRING });
        expect(await checkStack(lambdaAsyncFailureDestination, [worker, schedule(UNKNOWN_STRING, [worker])])).to.have.length(1);
        expect(await checkStack(lambdaAsyncFailureDestination, [fn("other"), schedule(ARN("worker"))])).to.be.empty;
    });

    it("does not count an invoke config without onFailure, or one for another function", async () => {
        const worker = fn("worker");
        expect(await checkStack(lambdaAsyncFailureDestination, [worker, permission("p", "worker"), invokeConfig("c", "worker", null)])).to.have.length(1);
        expect(await checkStack(lambdaAsyncFailureDestination, [worker, permission("p", "worker"), invokeConfig("c", "other")])).to.have.length(1);
    });

    it("compares bare names only within one provider (account and region)", async () => {
        const euWest = awsProvider({ name: "eu-west-1" });
        const local = fn("tracker");
        const remote = fn("tracker", { arn: ARN("tracker", "eu-west-1") }, euWest);
        const violations = await checkStack(lambdaAsyncFailureDestination, [
            local,
            remote,
            permission("p-local", "tracker"),
            permission("p-remote", "tracker", "events.amazonaws.com", [], euWest),
            invokeConfig("c-local", "tracker"),
        ]);
        expect(violations.map((v) => v.urn)).to.deep.equal([remote.urn]);
    });

    it("matches unknown references through property dependencies, lenient only when they cannot be attributed", async () => {
        const worker = fn("worker", { arn: UNKNOWN_STRING });
        const target = eventTarget("worker-target", UNKNOWN_STRING, [worker]);
        expect(await checkStack(lambdaAsyncFailureDestination, [worker, target])).to.have.length(1);
        expect(await checkStack(lambdaAsyncFailureDestination, [worker, target, invokeConfig("c", UNKNOWN_STRING, "arn:q", [worker])])).to.be.empty;
        expect(await checkStack(lambdaAsyncFailureDestination, [worker, target, invokeConfig("c", UNKNOWN_STRING)])).to.be.empty;
    });

    it("parses every form Lambda accepts for a function reference", () => {
        expect(parseFunctionReference("worker")).to.deep.equal({ name: "worker" });
        expect(parseFunctionReference("worker:live")).to.deep.equal({ name: "worker" });
        expect(parseFunctionReference("111111111111:function:worker:3")).to.deep.equal({ name: "worker" });
        expect(parseFunctionReference(`${ARN("worker")}:live`)).to.deep.equal({ arn: ARN("worker"), name: "worker" });
    });
});
