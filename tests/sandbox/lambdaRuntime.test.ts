import { expect } from "chai";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { bundleDigest } from "../../components/lambda/bundle";
import type { LocalFunction } from "../../sandbox/world/deployment";
import { LocalLambdaRuntime } from "../../sandbox/runtime/lambdaRuntime";
import { ec2StateChangeEvent } from "../support/ec2Events";

function localFunction(handler: string, overrides: Partial<LocalFunction> = {}): LocalFunction {
    const name = `test-${handler}`;
    return {
        arn: `arn:aws:lambda:eu-central-1:111111111111:function:${name}`,
        name,
        accountId: "111111111111",
        region: "eu-central-1",
        stack: "test",
        roleArn: `arn:aws:iam::111111111111:role/${name}`,
        handler,
        bundleDigest: bundleDigest(handler),
        environment: {},
        timeoutSeconds: 30,
        memorySizeMb: 256,
        logGroup: `${name}-logs`,
        logFormat: "JSON",
        async: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21600 },
        ...overrides,
    };
}

describe("sandbox Lambda runtime", function () {
    this.timeout(30_000);
    let outDir: string;
    let runtime: LocalLambdaRuntime;
    let silent: net.Server;
    let silentEndpoint: string;

    before(async () => {
        outDir = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-runtime-"));
        // Accepts connections and never answers: an AWS call that hangs.
        silent = net.createServer(() => undefined);
        await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
        silentEndpoint = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
        runtime = new LocalLambdaRuntime({
            outDir,
            platformEnvironment: (fn) => ({
                PATH: process.env.PATH ?? "",
                AWS_REGION: fn.region,
                AWS_ACCESS_KEY_ID: "AKIDLOCAL",
                AWS_SECRET_ACCESS_KEY: "local",
                AWS_ENDPOINT_URL_EC2: silentEndpoint,
                AWS_ENDPOINT_URL_EVENTBRIDGE: silentEndpoint,
            }),
        });
    });
    after(async () => {
        await runtime.close();
        silent.close();
        fs.rmSync(outDir, { recursive: true, force: true });
    });

    it("runs the deployed bundle in its own process and writes its logs to the function's log group file", async () => {
        const fn = localFunction("workbench-forwarder");
        runtime.deploy(fn);
        expect(fs.existsSync(path.join(outDir, "functions", fn.accountId, fn.region, fn.name, "index.js"))).to.equal(true);
        const result = await runtime.invoke(fn.arn, { source: "aws.s3", "detail-type": "Object Created" });
        expect(result.ok).to.equal(true);
        expect(result.result).to.deep.include({ outcome: "rejected" });
        const log = fs.readFileSync(runtime.logFileOf(fn.arn)!, "utf8");
        expect(log).to.contain(`START RequestId: ${result.requestId}`);
        expect(log).to.match(/"message":"event rejected"/);
    });

    it("reports a failing init as the invocation's error, as Lambda does", async () => {
        const fn = localFunction("hub-change-marker");
        runtime.deploy(fn);
        const result = await runtime.invoke(fn.arn, { Records: [] });
        expect(result.ok).to.equal(false);
        expect(result.error?.message).to.contain("HUB_TABLE_NAME is not set");
    });

    it("ends an invocation that outlives the function's timeout, and starts a fresh container for the next", async () => {
        const fn = localFunction("workbench-forwarder", { name: "test-slow-forwarder", arn: "arn:aws:lambda:eu-central-1:111111111111:function:test-slow-forwarder", timeoutSeconds: 1 });
        runtime.deploy(fn);
        const event = ec2StateChangeEvent("i-0123456789abcdef0", "running");
        const first = await runtime.invoke(fn.arn, event);
        expect(first.ok).to.equal(false);
        expect(first.error).to.deep.equal({ type: "Sandbox.Timedout", message: "Task timed out after 1.00 seconds" });
        const second = await runtime.invoke(fn.arn, event);
        expect(second.error?.type).to.equal("Sandbox.Timedout");
        expect(second.coldStart).to.equal(true);
    });

    it("runs the invocations after a configuration update in fresh containers with the new environment, never a warm one", async () => {
        const fn = localFunction("hub-change-marker", { name: "test-reconfigured", arn: "arn:aws:lambda:eu-central-1:111111111111:function:test-reconfigured", environment: { HUB_TABLE_NAME: "seats" } });
        runtime.deploy(fn);
        const before = await runtime.invoke(fn.arn, { Records: [] });
        expect(before.ok, JSON.stringify(before.error)).to.equal(true);
        expect((await runtime.invoke(fn.arn, { Records: [] })).coldStart, "the container stays warm").to.equal(false);
        runtime.updateConfiguration(fn.arn, {});
        const after = await runtime.invoke(fn.arn, { Records: [] });
        expect(after.coldStart).to.equal(true);
        expect(after.error?.message).to.contain("HUB_TABLE_NAME is not set");
    });

    it("refuses a bundle other than the one the stack recorded", () => {
        expect(() => runtime.deploy(localFunction("workbench-forwarder", { bundleDigest: "0000000000000000" }))).to.throw(/is not the one the stack recorded/);
    });
});
