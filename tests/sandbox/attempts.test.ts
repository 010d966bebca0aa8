import { expect } from "chai";
import { CreateTagsCommand, DeleteTagsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DisableRuleCommand, EventBridgeClient, PutEventsCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { LOCAL_CLIENT_CONFIG } from "../../sandbox/aws/awsJsonServer";
import { Ec2Standin, TagChangeRequest, startEc2Standin } from "../../sandbox/aws/ec2Standin";
import { EventBridgeStandin, RuleChangeRequest, callerEndpoint, startEventBridgeStandin } from "../../sandbox/aws/eventBridgeStandin";
import { attemptProblems, isRefusal } from "../../sandbox/world/attempts";
import { scenarioSeconds } from "../../sandbox/world/scenario";
import { Story } from "../../sandbox/story/story";
import type { SandboxEvent } from "../../sandbox/runtime/events";
import { allSettledOrThrow } from "../support/settled";

const INSTANCE = "i-0123456789abcdef0";
const DEVELOPER = "arn:aws:iam::111111111111:role/developer";

describe("sandbox attempts: the stand-ins an attacker meets", () => {
    let ec2: Ec2Standin;
    let events: EventBridgeStandin;
    const decided: Array<{ caller?: string; request: TagChangeRequest }> = [];

    before(async () => {
        const [startedEc2, startedEvents] = await allSettledOrThrow<Ec2Standin | EventBridgeStandin>([startEc2Standin(), startEventBridgeStandin()]);
        ec2 = startedEc2 as Ec2Standin;
        events = startedEvents as EventBridgeStandin;
    });
    after(() => allSettledOrThrow([ec2.close(), events.close()]));

    beforeEach(() => {
        decided.length = 0;
        ec2.instances.set(INSTANCE, { "vew:workbench:ownerId": "bob", "vew:workbench:type": "cad", Name: "bob's" });
        ec2.authorizeTagChange = async (caller, request) => {
            decided.push({ caller, request });
            return Object.keys(request.tags).some((k) => k.startsWith("vew:")) ? "SCP WorkbenchTagsOnlyByProvisioning" : undefined;
        };
    });

    const ec2As = (principal: string) => new EC2Client({ ...LOCAL_CLIENT_CONFIG, endpoint: callerEndpoint(ec2.endpoint, principal), maxAttempts: 1 });

    it("EC2 asks the authorizer with the caller and the tag keys, and refuses a denied re-tag with UnauthorizedOperation", async () => {
        const client = ec2As(DEVELOPER);
        const refused = await client.send(new CreateTagsCommand({ Resources: [INSTANCE], Tags: [{ Key: "vew:workbench:ownerId", Value: "ceo" }] })).catch((e: Error) => e);
        expect((refused as Error).name).to.equal("UnauthorizedOperation");
        expect((refused as Error).message).to.contain("SCP WorkbenchTagsOnlyByProvisioning");
        expect(ec2.instances.get(INSTANCE)!["vew:workbench:ownerId"]).to.equal("bob");
        expect(decided).to.deep.equal([{ caller: DEVELOPER, request: { action: "CreateTags", instanceIds: [INSTANCE], tags: { "vew:workbench:ownerId": "ceo" } } }]);
        client.destroy();
    });

    it("EC2 applies an allowed tag change, and DeleteTags without a value removes the key whatever its value", async () => {
        const client = ec2As(DEVELOPER);
        await client.send(new CreateTagsCommand({ Resources: [INSTANCE], Tags: [{ Key: "Name", Value: "renamed" }] }));
        expect(ec2.instances.get(INSTANCE)!.Name).to.equal("renamed");
        await client.send(new DeleteTagsCommand({ Resources: [INSTANCE], Tags: [{ Key: "Name", Value: "other" }] }));
        expect(ec2.instances.get(INSTANCE)!.Name, "a value that does not match keeps the tag").to.equal("renamed");
        await client.send(new DeleteTagsCommand({ Resources: [INSTANCE], Tags: [{ Key: "Name" }] }));
        expect(ec2.instances.get(INSTANCE)).to.not.have.property("Name");
        client.destroy();
    });

    it("EC2 asks about a DeleteTags naming no key as such, and when allowed deletes every tag but AWS's own", async () => {
        ec2.instances.set(INSTANCE, { ...ec2.instances.get(INSTANCE)!, "aws:cloudformation:stack-name": "wb" });
        ec2.authorizeTagChange = async (caller, request) => {
            decided.push({ caller, request });
            return undefined;
        };
        const client = ec2As(DEVELOPER);
        await client.send(new DeleteTagsCommand({ Resources: [INSTANCE] }));
        expect(decided).to.deep.equal([{ caller: DEVELOPER, request: { action: "DeleteTags", instanceIds: [INSTANCE], tags: {} } }]);
        expect(ec2.instances.get(INSTANCE)).to.deep.equal({ "aws:cloudformation:stack-name": "wb" });
        client.destroy();
    });

    it("EventBridge asks about a retarget or a disabling of a rule with the caller, refuses a denied one with AccessDeniedException, records an allowed one", async () => {
        const asked: Array<{ caller?: string; request: RuleChangeRequest }> = [];
        events.authorizeRuleChange = async (caller, request) => {
            asked.push({ caller, request });
            return request.rule.startsWith("license-ops-workbench-") ? "SCP EventPathsOnlyByDeployment" : undefined;
        };
        const client = new EventBridgeClient({ ...LOCAL_CLIENT_CONFIG, endpoint: callerEndpoint(events.endpoint, DEVELOPER), maxAttempts: 1 });
        const Input = JSON.stringify({ detail: { "instance-id": INSTANCE, state: "stopped" } });
        const refused = await client.send(new PutTargetsCommand({ Rule: "license-ops-workbench-ec2-state", Targets: [{ Id: "forged", Arn: "arn:aws:lambda:eu-central-1:111111111111:function:x", Input }] })).catch((e: Error) => e);
        expect((refused as Error).name).to.equal("AccessDeniedException");
        expect((refused as Error).message).to.contain("SCP EventPathsOnlyByDeployment");
        const disabled = await client.send(new DisableRuleCommand({ Name: "license-ops-workbench-inventory" })).catch((e: Error) => e);
        expect((disabled as Error).name).to.equal("AccessDeniedException");
        await client.send(new DisableRuleCommand({ Name: "nightly-backup" }));
        expect(asked.map((a) => [a.caller, a.request.action, a.request.rule, a.request.eventBusName])).to.deep.equal([
            [DEVELOPER, "PutTargets", "license-ops-workbench-ec2-state", "default"],
            [DEVELOPER, "DisableRule", "license-ops-workbench-inventory", "default"],
            [DEVELOPER, "DisableRule", "nightly-backup", "default"],
        ]);
        expect(asked[0].request.targets?.[0].Input).to.equal(Input);
        expect(events.ruleChanges.map((c) => c.rule)).to.deep.equal(["nightly-backup"]);
        events.authorizeRuleChange = undefined;
        const unchecked = await client.send(new DisableRuleCommand({ Name: "nightly-backup" })).catch((e: Error) => e);
        expect((unchecked as Error).name, "nobody decides: refused").to.equal("AccessDeniedException");
        client.destroy();
    });

    it("EC2 refuses every tag change when nobody decides them", async () => {
        ec2.authorizeTagChange = undefined;
        const client = ec2As(DEVELOPER);
        const refused = await client.send(new CreateTagsCommand({ Resources: [INSTANCE], Tags: [{ Key: "Name", Value: "x" }] })).catch((e: Error) => e);
        expect((refused as Error).name).to.equal("UnauthorizedOperation");
        client.destroy();
    });

    it("EventBridge refuses aws.* sources to every caller, before any policy is consulted", async () => {
        let asked = 0;
        events.authorize = async () => {
            asked++;
            return undefined;
        };
        const client = new EventBridgeClient({ ...LOCAL_CLIENT_CONFIG, endpoint: callerEndpoint(events.endpoint, DEVELOPER), maxAttempts: 1 });
        const answer = await client.send(
            new PutEventsCommand({
                Entries: [
                    { Source: "aws.ec2", DetailType: "EC2 Instance State-change Notification", Detail: JSON.stringify({ "instance-id": INSTANCE, state: "running" }) },
                    { Source: "licensing.workbench", DetailType: "Workbench State Change", Detail: "{}" },
                ],
            }),
        );
        expect(answer.FailedEntryCount).to.equal(1);
        expect(answer.Entries![0].ErrorCode).to.equal("NotAuthorizedForSourceException");
        expect(answer.Entries![1].EventId).to.be.a("string");
        expect(events.events.map((e) => e.Source)).to.deep.equal(["licensing.workbench"]);
        expect(asked, "the policy decision is asked for both; the reserved source wins regardless").to.equal(2);
        client.destroy();
    });
});

describe("sandbox attempts: scenario entries", () => {
    const accounts = { engineering: { role: "workbench-account" }, licensing: { role: "license-server" } };
    const instances = { "bob-cae": {} };
    const problems = (attempts: unknown) => attemptProblems(attempts, accounts, instances, scenarioSeconds);

    it("accepts a put-events and a create-tags attempt written as the docs show", () => {
        expect(
            problems([
                { at: "0:45", kind: "put-events", account: "engineering", principal: "developer", bus: "hub", instance: "bob-cae", state: "stopped", stampedAheadSeconds: 240, expect: { outcome: "refused-by-hub-bus" } },
                { at: 50, kind: "create-tags", account: "engineering", principal: "developer", instance: "bob-cae", tags: { "vew:workbench:ownerId": "ceo" }, expect: { outcome: "refused-by-guardrails" } },
                { at: 55, kind: "delete-tags", account: "engineering", principal: "developer", instance: "bob-cae", expect: { outcome: "refused-by-guardrails" } },
            ]),
        ).to.deep.equal([]);
    });

    it("accepts a retarget and a disabling of a default-bus rule, and names what does not belong to them", () => {
        expect(
            problems([
                { at: 58, kind: "put-targets", account: "engineering", principal: "developer", rule: "license-ops-workbench-ec2-state", instance: "bob-cae", state: "stopped", expect: { outcome: "refused-by-guardrails" } },
                { at: 62, kind: "disable-rule", account: "engineering", principal: "developer", rule: "license-ops-workbench-inventory", expect: { outcome: "refused-by-guardrails" } },
            ]),
        ).to.deep.equal([]);
        expect(
            problems([
                { at: 58, kind: "put-targets", account: "engineering", principal: "developer", rule: "a rule", instance: "bob-cae", tags: { a: "b" } },
                { at: 62, kind: "disable-rule", account: "engineering", principal: "developer", rule: "r", instance: "bob-cae", state: "stopped" },
                { at: 63, kind: "create-tags", account: "engineering", principal: "developer", instance: "bob-cae", tags: { a: "b" }, rule: "r" },
            ]),
        ).to.deep.equal([
            "attempts[0].rule must name a rule of the account's default bus",
            "attempts[0].state must be running or stopped (what the forged Input claims)",
            "attempts[0].tags does not belong to a put-targets attempt",
            "attempts[1].instance does not belong to a disable-rule attempt (the rule carries every instance's events)",
            "attempts[1].state does not belong to a disable-rule attempt",
            "attempts[2].rule belongs to put-targets and disable-rule attempts",
        ]);
    });

    it("takes silenceNamed (<account key>/<region>) on a disable-rule attempt only, and names a bad one", () => {
        expect(
            problems([{ at: 65, kind: "disable-rule", account: "engineering", principal: "pulumi-deploy", rule: "license-ops-workbench-inventory", expect: { outcome: "rule-changed", silenceNamed: ["engineering/eu-central-1"] } }]),
        ).to.deep.equal([]);
        expect(
            problems([
                { at: 65, kind: "disable-rule", account: "engineering", principal: "pulumi-deploy", rule: "r", expect: { outcome: "rule-changed", silenceNamed: ["licensing/eu-central-1", "engineering"] } },
                { at: 66, kind: "delete-tags", account: "engineering", principal: "developer", instance: "bob-cae", expect: { outcome: "refused-by-guardrails", silenceNamed: [] } },
            ]),
        ).to.deep.equal([
            'attempts[0].expect.silenceNamed: "licensing/eu-central-1" must be <workbench account key>/<region>, e.g. research/eu-central-1',
            'attempts[0].expect.silenceNamed: "engineering" must be <workbench account key>/<region>, e.g. research/eu-central-1',
            "attempts[1].expect.silenceNamed is not an expectation of this kind of step (use outcome)",
        ]);
    });

    it("refuses tags on a delete-tags attempt: it names no key, so every tag goes", () => {
        expect(problems([{ at: 55, kind: "delete-tags", account: "engineering", principal: "developer", instance: "bob-cae", tags: { Name: "x" } }])).to.deep.equal([
            "attempts[0].tags does not belong to a delete-tags attempt (it names no tag: every tag goes)",
        ]);
    });

    it("names each mistake with the entry and the field", () => {
        expect(
            problems([
                { at: "0:75", kind: "put-events", account: "licensing", principal: "dev eloper", bus: "side", instance: "nobody", state: "pending", tags: { a: "b" }, expect: { outcome: "refused" } },
                { at: 1, kind: "create-tags", account: "engineering", principal: "developer", instance: "bob-cae", tags: {}, bus: "hub", colour: "red" },
            ]),
        ).to.deep.equal([
            'attempts[0].at must be seconds >= 0 or "m:ss"',
            "attempts[0].account must be a workbench account of the scenario",
            "attempts[0].principal must be an IAM role name",
            'attempts[0].instance "nobody" is not in instances',
            "attempts[0].bus must be one of workbench, default, hub",
            "attempts[0].state must be running or stopped",
            "attempts[0].tags belongs to create-tags attempts",
            `attempts[0].expect.outcome must be one of refused-by-workbench-bus, refused-by-default-bus, refused-by-hub-bus, refused-by-eventbridge, refused-by-guardrails, no-rule, applied, superseded, rejected-by-hub, accepted, tags-changed, rule-changed`,
            "attempts[1].colour is not a field of an attempt (use at, kind, account, principal, instance, bus, source, state, owner, type, stampedAheadSeconds, tags, rule, note, expect)",
            "attempts[1].tags must map at least one tag key to a value",
            "attempts[1].bus belongs to put-events attempts",
        ]);
    });

    it("counts refusals, a forged event that went nowhere and one the hub refused as stopped; anything else got through", () => {
        for (const outcome of ["refused-by-workbench-bus", "refused-by-hub-bus", "refused-by-eventbridge", "refused-by-guardrails", "no-rule", "rejected-by-hub"] as const) {
            expect(isRefusal(outcome), outcome).to.equal(true);
        }
        for (const outcome of ["applied", "superseded", "accepted", "tags-changed", undefined] as const) expect(isRefusal(outcome), String(outcome)).to.equal(false);
    });
});

describe("sandbox attempts: the story of a forged event", () => {
    const attempt = { at: 50, kind: "put-events", account: "engineering", principal: "developer", bus: "default", instance: "bob-cae", state: "running", expect: { outcome: "no-rule" } } as const;
    const noRule = (followId: string): SandboxEvent => ({
        at: 51,
        kind: "no-rule",
        accountId: "111111111111",
        region: "eu-central-1",
        busName: "default",
        event: { version: "0", id: "evt-1", "detail-type": "Workbench State Change", source: "licensing.workbench", account: "111111111111", time: "2026-12-01T00:00:00Z", region: "eu-central-1", resources: [], detail: { "ec2-event-id": followId } },
    });

    it("keeps where the journey ended even when EventBridge routed the event before PutEvents answered", () => {
        const story = new Story();
        const trace = story.openAttempt({ ...attempt }, 50, "forged start");
        story.followAttempt(trace, ["follow-1"]);
        story.onEvent(noRule("follow-1"));
        story.attemptAnswered(trace, "accepted", ["evt-1"]);
        expect(story.checks()).to.deep.include({ step: "t=00:50 attempt: forged start", note: undefined, expected: "outcome no-rule", ok: true, observed: "outcome no-rule" });
    });

    it("records a refusal as final, and an accepted event until its journey ends", () => {
        const story = new Story();
        const refused = story.openAttempt({ ...attempt, expect: { outcome: "refused-by-default-bus" } }, 50, "refused");
        story.followAttempt(refused, ["follow-2"]);
        story.attemptAnswered(refused, "refused-by-default-bus");
        story.onEvent(noRule("follow-2"));
        const accepted = story.openAttempt({ ...attempt }, 60, "accepted");
        story.followAttempt(accepted, ["follow-3"]);
        story.attemptAnswered(accepted, "accepted", ["evt-3"]);
        expect(story.attempts().map((t) => t.observation.outcome)).to.deep.equal(["refused-by-default-bus", "accepted"]);
        story.onEvent(noRule("follow-3"));
        expect(story.attempts().map((t) => t.observation.outcome)).to.deep.equal(["refused-by-default-bus", "no-rule"]);
    });
});
