import { expect } from "chai";
import { awsForwarderPorts } from "../../functions/workbench-forwarder/awsPorts";
import { DEFAULT_TAG_KEYS, forwardStateChange } from "../../functions/workbench-forwarder/forwarder";
import { workbenchDetailProblem } from "../../functions/shared/workbenchEvent";
import { AwsServiceError } from "../../sandbox/aws/awsJsonServer";
import { describeUntrusted } from "../../functions/shared/telemetry";
import { workbenchAccountStandins } from "./support/accountStandins";
import { ec2StateChangeEvent } from "../support/ec2Events";

const WORKBENCH = "i-0a1b2c3d4e5f60718";
const OWNER = DEFAULT_TAG_KEYS.ownerTagKey;
const TYPE = DEFAULT_TAG_KEYS.typeTagKey;

describe("workbench forwarder handler (real SDK clients, local EC2 and EventBridge stand-ins)", () => {
    const account = workbenchAccountStandins({ ec2MaxAttempts: 2 });
    let run: (event: unknown, keys?: typeof DEFAULT_TAG_KEYS) => ReturnType<typeof forwardStateChange>;

    before(() => {
        const ports = awsForwarderPorts(account.ec2Client, account.eventBridgeClient, "default");
        run = (event, keys = DEFAULT_TAG_KEYS) => forwardStateChange(event, keys, ports, account.telemetry);
    });

    const expected = { running: "started", stopping: "stopped", stopped: "stopped", "shutting-down": "stopped", terminated: "stopped" } as const;
    for (const [state, workbenchState] of Object.entries(expected)) {
        it(`forwards exactly one ${workbenchState} event for a tagged workbench entering ${state}`, async () => {
            account.ec2.instances.set(WORKBENCH, { [OWNER]: "jdoe", [TYPE]: "cae-matlab", Name: "not-forwarded" });
            const outcome = await run(ec2StateChangeEvent(WORKBENCH, state));

            expect(outcome.outcome).to.equal("forwarded");
            expect(account.bus.events).to.have.length(1);
            const [entry] = account.bus.events;
            expect(entry.Source).to.equal("licensing.workbench");
            expect(entry.DetailType).to.equal("Workbench State Change");
            expect(entry.EventBusName).to.equal("default");
            expect(entry.Resources).to.deep.equal([`arn:aws:ec2:eu-central-1:123456789012:instance/${WORKBENCH}`]);
            const detail = JSON.parse(entry.Detail);
            // Version 2: a start names owner and type; a stop names neither (the hub releases whatever it holds).
            expect(detail).to.deep.equal({
                "schema-version": "2",
                ...(workbenchState === "started" ? { "user-id": "jdoe", "workbench-type": "cae-matlab" } : {}),
                "workbench-state": workbenchState,
                "instance-id": WORKBENCH,
                account: "123456789012",
                region: "eu-central-1",
                "ec2-state": state,
                "ec2-event-time": "2026-11-23T08:15:30Z",
                "ec2-event-id": `evt-${WORKBENCH}-${state}`,
            });
            expect(account.ec2.calls).to.deep.equal(workbenchState === "started" ? ["DescribeTags"] : []);
            expect(workbenchDetailProblem(detail)).to.equal(undefined);
            expect(account.telemetry.total("WorkbenchEventsForwarded")).to.equal(1);
        });
    }

    it("ignores states that neither start nor end a workbench without calling EC2", async () => {
        account.ec2.instances.set(WORKBENCH, { [OWNER]: "jdoe", [TYPE]: "cae" });
        const outcome = await run(ec2StateChangeEvent(WORKBENCH, "pending"));
        expect(outcome).to.deep.equal({ outcome: "ignored", reason: "state pending neither starts nor ends a workbench" });
        expect(account.ec2.calls).to.deep.equal([]);
        expect(account.bus.events).to.deep.equal([]);
    });

    it("ignores starts of instances without workbench tags", async () => {
        account.ec2.instances.set("i-00000000000000001", { Name: "build-agent" });
        expect((await run(ec2StateChangeEvent("i-00000000000000001", "running"))).outcome).to.equal("ignored");
        expect(account.bus.events).to.deep.equal([]);
        expect(account.telemetry.total("WorkbenchEventsIgnored")).to.equal(1);
    });

    it("forwards every stop, whatever the tags: removed, emptied, hostile, or the instance already gone", async () => {
        account.ec2.instances.set("i-00000000000000001", { Name: "tags-removed" });
        account.ec2.instances.set("i-00000000000000003", { [OWNER]: "", [TYPE]: "cae" });
        account.ec2.instances.set("i-00000000000000004", { [OWNER]: "jdoe; rm -rf /", [TYPE]: "cae" });
        const ids = ["i-00000000000000001", "i-00000000000000002", "i-00000000000000003", "i-00000000000000004"];
        for (const [i, id] of ids.entries()) {
            expect((await run(ec2StateChangeEvent(id, i % 2 ? "terminated" : "stopped"))).outcome, id).to.equal("forwarded");
        }
        const details = account.bus.events.map((e) => JSON.parse(e.Detail));
        expect(details.map((d) => d["instance-id"])).to.deep.equal(ids);
        for (const detail of details) {
            expect(detail).not.to.have.property("user-id");
            expect(detail).not.to.have.property("workbench-type");
            expect(workbenchDetailProblem(detail)).to.equal(undefined);
        }
        expect(account.ec2.calls, "a stop needs no tag lookup").to.deep.equal([]);
    });

    it("rejects and counts workbenches with a missing or empty tag", async () => {
        account.ec2.instances.set("i-00000000000000003", { [OWNER]: "jdoe" });
        account.ec2.instances.set("i-00000000000000004", { [OWNER]: "", [TYPE]: "cae" });
        account.ec2.instances.set("i-00000000000000005", { [OWNER]: "jdoe", [TYPE]: "" });
        for (const id of ["i-00000000000000003", "i-00000000000000004", "i-00000000000000005"]) {
            expect((await run(ec2StateChangeEvent(id, "running"))).outcome, id).to.equal("rejected");
        }
        expect(account.bus.events).to.deep.equal([]);
        expect(account.telemetry.total("WorkbenchEventsRejected")).to.equal(3);
    });

    const hostileUserIds = [
        "jdoe; rm -rf /",
        "$(reboot)",
        "`id`",
        "-rf",
        "--all-users",
        "j doe",
        "jürgen",
        "jdoe\nroot",
        "a".repeat(65),
        "../../etc/passwd",
        "jdoe|cat",
        "'jdoe'",
    ];
    for (const owner of hostileUserIds) {
        it(`rejects the hostile owner tag ${JSON.stringify(owner).slice(0, 30)} and forwards nothing`, async () => {
            account.ec2.instances.set(WORKBENCH, { [OWNER]: owner, [TYPE]: "cae" });
            const outcome = await run(ec2StateChangeEvent(WORKBENCH, "running"));
            expect(outcome.outcome).to.equal("rejected");
            expect(account.bus.events).to.deep.equal([]);
            expect(account.telemetry.total("WorkbenchEventsRejected")).to.equal(1);
            // The log carries a quoted, truncated rendering, never the raw value.
            const logged = account.telemetry.logs.find((l) => l.level === "warn");
            expect(logged?.fields?.value).to.equal(describeUntrusted(owner));
            expect(logged?.fields?.value).not.to.equal(owner);
        });
    }

    it("rejects a hostile workbench type", async () => {
        account.ec2.instances.set(WORKBENCH, { [OWNER]: "jdoe", [TYPE]: "cae && curl evil" });
        expect((await run(ec2StateChangeEvent(WORKBENCH, "running"))).outcome).to.equal("rejected");
        expect(account.bus.events).to.deep.equal([]);
    });

    it("accepts plausible user ids at the edges of the allowed set", async () => {
        for (const owner of ["a", "j.doe_2@corp-mail.example", "A".repeat(64)]) {
            account.bus.events.length = 0;
            account.ec2.instances.set(WORKBENCH, { [OWNER]: owner, [TYPE]: "cae" });
            expect((await run(ec2StateChangeEvent(WORKBENCH, "running"))).outcome, owner).to.equal("forwarded");
            expect(JSON.parse(account.bus.events[0].Detail)["user-id"]).to.equal(owner);
        }
    });

    it("rejects events that are not EC2 state changes or are malformed", async () => {
        const malformed: unknown[] = [
            null,
            "running",
            ec2StateChangeEvent(WORKBENCH, "running", { source: "aws.autoscaling" }),
            ec2StateChangeEvent(WORKBENCH, "running", { "detail-type": "EC2 Spot Instance Interruption Warning" }),
            ec2StateChangeEvent(WORKBENCH, "running", { detail: { "instance-id": "i-$(id)", state: "running" } }),
            ec2StateChangeEvent(WORKBENCH, "running", { detail: { "instance-id": WORKBENCH } }),
            ec2StateChangeEvent(WORKBENCH, "running", { time: "yesterday" }),
            ec2StateChangeEvent(WORKBENCH, "running", { account: undefined }),
        ];
        for (const event of malformed) {
            expect((await run(event)).outcome, JSON.stringify(event)).to.equal("rejected");
        }
        expect(account.ec2.calls).to.deep.equal([]);
        expect(account.telemetry.total("WorkbenchEventsRejected")).to.equal(malformed.length);
    });

    it("reads tags with the configured keys", async () => {
        account.ec2.instances.set(WORKBENCH, { "team:owner": "jdoe", "team:kind": "cad", [OWNER]: "someone-else", [TYPE]: "other" });
        const outcome = await run(ec2StateChangeEvent(WORKBENCH, "running"), { ownerTagKey: "team:owner", typeTagKey: "team:kind" });
        expect(outcome.outcome).to.equal("forwarded");
        expect(JSON.parse(account.bus.events[0].Detail)).to.include({ "user-id": "jdoe", "workbench-type": "cad" });
    });

    it("throws on EC2 API errors so that Lambda retries, and forwards nothing", async () => {
        account.ec2.instances.set(WORKBENCH, { [OWNER]: "jdoe", [TYPE]: "cae" });
        account.ec2.failNext("UnauthorizedOperation", 403);
        let error: unknown;
        await run(ec2StateChangeEvent(WORKBENCH, "running")).catch((e) => (error = e));
        expect(String(error)).to.match(/UnauthorizedOperation|injected fault/);
        expect(account.bus.events).to.deep.equal([]);
    });

    it("retries EC2 throttling within the SDK and then succeeds", async () => {
        account.ec2.instances.set(WORKBENCH, { [OWNER]: "jdoe", [TYPE]: "cae" });
        account.ec2.failNext("RequestLimitExceeded", 503, 1);
        expect((await run(ec2StateChangeEvent(WORKBENCH, "running"))).outcome).to.equal("forwarded");
        expect(account.ec2.calls).to.deep.equal(["DescribeTags", "DescribeTags"]);
    });

    it("throws when EventBridge refuses the event", async () => {
        account.ec2.instances.set(WORKBENCH, { [OWNER]: "jdoe", [TYPE]: "cae" });
        account.bus.failNext("PutEvents", new AwsServiceError("AccessDeniedException", "not allowed", 400));
        let error: unknown;
        await run(ec2StateChangeEvent(WORKBENCH, "running")).catch((e) => (error = e));
        expect(String(error)).to.contain("not allowed");
        expect(account.telemetry.total("WorkbenchEventsForwarded")).to.equal(0);
    });
});
