import { expect } from "chai";
import { awsForwarderPorts } from "../../functions/workbench-forwarder/awsPorts";
import { DEFAULT_TAG_KEYS, forwardStateChange, forwarderContext } from "../../functions/workbench-forwarder/forwarder";
import { workbenchDetailProblem } from "../../functions/shared/workbenchEvent";
import { AwsServiceError } from "../../sandbox/aws/awsJsonServer";
import { describeUntrusted } from "../../functions/shared/telemetry";
import { workbenchAccountStandins } from "./support/accountStandins";
import { ec2StateChangeEvent } from "../support/ec2Events";

const WORKBENCH = "i-0a1b2c3d4e5f60718";
const OWNER = DEFAULT_TAG_KEYS.ownerTagKey;
const TYPE = DEFAULT_TAG_KEYS.typeTagKey;

const CONTEXT = forwarderContext("arn:aws:lambda:eu-central-1:123456789012:function:license-ops-workbench-forwarder", "eu-central-1");
const OBSERVED_AT = new Date("2026-11-23T08:16:02.250Z");

describe("workbench forwarder handler (real SDK clients, local EC2 and EventBridge stand-ins)", () => {
    const account = workbenchAccountStandins({ ec2MaxAttempts: 2 });
    let run: (event: unknown, keys?: typeof DEFAULT_TAG_KEYS) => ReturnType<typeof forwardStateChange>;

    before(() => {
        const ports = awsForwarderPorts(account.ec2Client, account.eventBridgeClient, "default");
        run = (event, keys = DEFAULT_TAG_KEYS) => forwardStateChange(event, keys, CONTEXT, ports, account.telemetry, () => OBSERVED_AT);
    });

    /** What EC2 reports -> what reaches the hub: pending counts as running (EC2's lag before running). */
    const expected = {
        pending: ["started", "running"],
        running: ["started", "running"],
        stopping: ["stopped", "stopping"],
        stopped: ["stopped", "stopped"],
        "shutting-down": ["stopped", "shutting-down"],
        terminated: ["stopped", "terminated"],
    } as const;
    const PAYLOAD_STATES = ["running", "stopped", "terminated", "pending", "bogus"];
    for (const [ec2State, [workbenchState, reported]] of Object.entries(expected)) {
        it(`forwards what EC2 says (${ec2State}) whatever state the event claims, with one EC2 call each`, async () => {
            account.ec2.instances.set(WORKBENCH, { [OWNER]: "jdoe", [TYPE]: "cae-matlab", Name: "not-forwarded" });
            account.ec2.instances.set("i-0000000000000ffff", { [OWNER]: "someone-else", [TYPE]: "cad" });
            account.ec2.states.set(WORKBENCH, ec2State);
            for (const claimed of PAYLOAD_STATES) {
                const outcome = await run(ec2StateChangeEvent(WORKBENCH, claimed));
                expect(outcome.outcome, claimed).to.equal("forwarded");
            }
            expect(account.bus.events).to.have.length(PAYLOAD_STATES.length);
            // Exactly one EC2 call per event, counted at the stand-in.
            expect(account.ec2.calls).to.deep.equal(PAYLOAD_STATES.map(() => "DescribeInstances"));
            for (const [i, entry] of account.bus.events.entries()) {
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
                    "ec2-state": reported,
                    // The time of the observation, not the event's.
                    "ec2-event-time": "2026-11-23T08:16:02.250Z",
                    "ec2-event-id": `evt-${WORKBENCH}-${PAYLOAD_STATES[i]}`,
                });
                expect(workbenchDetailProblem(detail)).to.equal(undefined);
            }
            expect(account.telemetry.total("WorkbenchEventsForwarded")).to.equal(PAYLOAD_STATES.length);
        });
    }

    it("takes account and region from its own context: a forged region or account never reaches the hub as given", async () => {
        account.ec2.instances.set(WORKBENCH, { [OWNER]: "jdoe", [TYPE]: "cae" });
        const forged = [
            ec2StateChangeEvent(WORKBENCH, "running", { region: "us-east-1", resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${WORKBENCH}`] }),
            ec2StateChangeEvent(WORKBENCH, "running", { account: "999999999999", region: "ap-south-2" }),
            ec2StateChangeEvent(WORKBENCH, "stopped", { time: "2099-01-01T00:00:00Z", resources: ["arn:aws:ec2:us-east-1:999999999999:instance/i-0ffffffffffffffff"] }),
        ];
        for (const event of forged) expect((await run(event)).outcome).to.equal("forwarded");
        for (const entry of account.bus.events) {
            const detail = JSON.parse(entry.Detail);
            expect(detail).to.include({ account: "123456789012", region: "eu-central-1", "workbench-state": "started", "ec2-event-time": OBSERVED_AT.toISOString() });
            expect(entry.Resources).to.deep.equal([`arn:aws:ec2:eu-central-1:123456789012:instance/${WORKBENCH}`]);
        }
        expect(account.ec2.calls).to.deep.equal(["DescribeInstances", "DescribeInstances", "DescribeInstances"]);
    });

    it("forwards a stop for an instance EC2 does not know (gone, or never in this account and region)", async () => {
        account.ec2.instances.set("i-0000000000000ffff", { [OWNER]: "jdoe", [TYPE]: "cae" });
        const outcome = await run(ec2StateChangeEvent(WORKBENCH, "running"));
        expect(outcome.outcome).to.equal("forwarded");
        expect(JSON.parse(account.bus.events[0].Detail)).to.include({ "workbench-state": "stopped", "ec2-state": "terminated", "instance-id": WORKBENCH });
        expect(account.ec2.calls).to.deep.equal(["DescribeInstances"]);
    });

    it("ignores a state EC2 reports that neither starts nor ends a workbench", async () => {
        account.ec2.instances.set(WORKBENCH, { [OWNER]: "jdoe", [TYPE]: "cae" });
        account.ec2.states.set(WORKBENCH, "rebooting");
        expect((await run(ec2StateChangeEvent(WORKBENCH, "running"))).outcome).to.equal("ignored");
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
            account.ec2.states.set(id, i % 2 ? "terminated" : "stopped");
            expect((await run(ec2StateChangeEvent(id, "running"))).outcome, id).to.equal("forwarded");
        }
        const details = account.bus.events.map((e) => JSON.parse(e.Detail));
        expect(details.map((d) => d["instance-id"])).to.deep.equal(ids);
        for (const detail of details) {
            expect(detail).not.to.have.property("user-id");
            expect(detail).not.to.have.property("workbench-type");
            expect(workbenchDetailProblem(detail)).to.equal(undefined);
        }
        expect(account.ec2.calls, "one lookup per event").to.deep.equal(ids.map(() => "DescribeInstances"));
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
            ec2StateChangeEvent(WORKBENCH, "running", { detail: { state: "running" } }),
            ec2StateChangeEvent(WORKBENCH, "running", { id: "evt\n<script>" }),
            ec2StateChangeEvent(WORKBENCH, "running", { id: undefined }),
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
        expect(account.ec2.calls).to.deep.equal(["DescribeInstances", "DescribeInstances"]);
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
