import { expect } from "chai";
import * as os from "node:os";
import { buildHandler, bundleHandler, handlerArchive, handlerEntryPoint, projectRoot } from "../../components/lambda/bundle";
import { startEc2Standin, Ec2Standin } from "../../sandbox/aws/ec2Standin";
import { startEventBridgeStandin, EventBridgeStandin } from "../../sandbox/aws/eventBridgeStandin";
import { ec2StateChangeEvent } from "../support/ec2Events";
import { valueOf } from "../support/pulumiMocks";
import { loadDeployedHandler } from "../support/bundles";

describe("Lambda bundling", () => {
    it("produces the same bytes on every build, with no machine-specific paths", () => {
        const first = buildHandler("workbench-forwarder");
        const second = buildHandler("workbench-forwarder");
        expect(first).to.equal(second);
        // What the disk cache serves (bundleCache.ts) is what esbuild builds.
        expect(bundleHandler("workbench-forwarder")).to.equal(first);
        expect(first).not.to.contain(projectRoot);
        expect(first).not.to.contain(os.tmpdir());
    });

    it("bundles the AWS SDK into the artifact instead of relying on the runtime's copy", () => {
        const code = bundleHandler("workbench-forwarder");
        expect(code).not.to.match(/require\(["']@aws-sdk\/client-/);
        expect(code).to.contain("DescribeInstances");
    });

    it("packs one index.js per function into the archive", async () => {
        const archive = handlerArchive("workbench-forwarder");
        const assets = await valueOf(archive.assets);
        expect(Object.keys(assets)).to.deep.equal(["index.js"]);
    });

    it("refuses unknown or oddly named handlers with the expected path", () => {
        expect(() => handlerEntryPoint("no-such-handler")).to.throw(/expected functions\/no-such-handler\/index\.ts/);
        expect(() => handlerEntryPoint("../components")).to.throw(/lower-case letters/);
    });

    describe("the deployed forwarder artifact, run as Lambda would run it", () => {
        let ec2: Ec2Standin;
        let bus: EventBridgeStandin;
        const saved = { ...process.env };

        before(async () => {
            ec2 = await startEc2Standin();
            bus = await startEventBridgeStandin();
            Object.assign(process.env, {
                AWS_REGION: "eu-central-1",
                AWS_ACCESS_KEY_ID: "AKIDLOCAL",
                AWS_SECRET_ACCESS_KEY: "local-secret",
                AWS_ENDPOINT_URL_EC2: ec2.endpoint,
                AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
                POWERTOOLS_METRICS_DISABLED: "true",
                POWERTOOLS_LOG_LEVEL: "SILENT",
            });
        });
        after(async () => {
            process.env = saved;
            await ec2.close();
            await bus.close();
        });

        it("forwards a workbench start through the real SDK clients", async () => {
            ec2.instances.set("i-0123456789abcdef0", { "vew:workbench:ownerId": "jdoe", "vew:workbench:type": "cae" });
            const { handler, remove } = loadDeployedHandler("workbench-forwarder");
            try {
                // Lambda's context names the function: its account is where the instance is looked up and reported.
                const context = { invokedFunctionArn: "arn:aws:lambda:eu-central-1:111111111111:function:license-ops-workbench-forwarder" };
                const outcome = await handler(ec2StateChangeEvent("i-0123456789abcdef0", "stopped", { account: "222222222222" }), context);
                expect(outcome.outcome).to.equal("forwarded");
                expect(bus.events).to.have.length(1);
                expect(JSON.parse(bus.events[0].Detail)).to.include({ "user-id": "jdoe", "workbench-state": "started", account: "111111111111", region: "eu-central-1" });
                expect(ec2.calls).to.deep.equal(["DescribeInstances"]);
            } finally {
                remove();
            }
        });
    });
});
