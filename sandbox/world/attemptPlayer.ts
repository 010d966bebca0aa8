/**
 * Plays a scenario's attempts (attempts.ts) as the attacker would: through the real AWS SDK clients, signed in as the
 * attacker's role (the stand-ins learn the caller from the endpoint path, see eventBridgeStandin.ts), against the
 * same stand-ins and policies the forwarder meets. The answer of the API is the attempt's first outcome; a forged
 * event that is accepted is followed on its journey by the story, like any other event.
 */
import { randomUUID } from "node:crypto";
import { EC2Client, CreateTagsCommand, DeleteTagsCommand } from "@aws-sdk/client-ec2";
import { DisableRuleCommand, EventBridgeClient, PutEventsCommand, PutEventsRequestEntry, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import {
    EC2_STATE_TO_WORKBENCH_STATE,
    WORKBENCH_EVENT_DETAIL_TYPE,
    WORKBENCH_EVENT_SCHEMA_VERSION,
    WORKBENCH_EVENT_SOURCE,
    WorkbenchEventDetail,
} from "../../functions/shared/workbenchEvent";
import { LOCAL_CLIENT_CONFIG } from "../aws/awsJsonServer";
import { callerEndpoint } from "../aws/eventBridgeStandin";
import { ATTACKER_POLICIES, Attempt, AttemptOutcome, attackerArn } from "./attempts";
import { DEFAULT_BUS, LocalDeployment } from "./deployment";
import type { PolicyDocumentJson } from "../aws/iamEvaluator";
import type { Emit } from "../runtime/events";
import { Scenario, homeRegionOf, instanceIdOf } from "./scenario";
import type { Story } from "../story/story";

export interface AttemptPlayerDeps {
    scenario: Scenario;
    deployment: LocalDeployment;
    /** Each account's stand-in endpoints. */
    /** The account-region's EventBridge and EC2 endpoints. */
    endpoints(accountId: string, region: string): { eventBridge: string; ec2: string };
    /** The hub bus's ARN (the license-server stack's output). */
    hubBusArn: string;
    /** Lets the stand-ins find the attacker's identity policies by its ARN. */
    registerPrincipal(principalArn: string, policies: PolicyDocumentJson[]): void;
    story: Story;
    emit: Emit;
    /** Scenario seconds now, and the time they stand for. */
    scenarioNow(): number;
    timeAt(scenarioSeconds: number): Date;
}

export class AttemptPlayer {
    constructor(private readonly deps: AttemptPlayerDeps) {}

    /** Makes the attempt scheduled at `scheduledAt` scenario seconds (its label keeps that time, as deliveries do). */
    async play(attempt: Attempt, scheduledAt: number): Promise<void> {
        const { scenario, story, emit } = this.deps;
        const accountId = scenario.accounts[attempt.account].accountId;
        const principalArn = attackerArn(accountId, attempt.principal);
        this.deps.registerPrincipal(principalArn, ATTACKER_POLICIES);
        const trace = story.openAttempt(attempt, scheduledAt, describeAttempt(attempt));
        const at = this.deps.scenarioNow();
        const { outcome, reason } =
            attempt.kind === "put-events"
                ? await this.forge(attempt, accountId, principalArn, trace)
                : attempt.kind === "put-targets" || attempt.kind === "disable-rule"
                  ? await this.changeRule(attempt, accountId, principalArn, trace)
                  : await this.retag(attempt, accountId, principalArn, trace);
        emit({ at, kind: "attempt", accountKey: attempt.account, principal: attempt.principal, description: describeAttempt(attempt), outcome, reason, note: attempt.note });
    }

    private async forge(attempt: Attempt, accountId: string, principalArn: string, trace: Parameters<Story["attemptAnswered"]>[0]): Promise<{ outcome: AttemptOutcome; reason?: string }> {
        const bus = attempt.bus!;
        const followId = randomUUID();
        const entry = this.forgedEntry(attempt, accountId, followId);
        entry.EventBusName = bus === "hub" ? this.deps.hubBusArn : bus === "workbench" ? this.workbenchBusName(accountId) : undefined;
        const client = new EventBridgeClient({ ...LOCAL_CLIENT_CONFIG, region: this.homeRegion(accountId), endpoint: callerEndpoint(this.deps.endpoints(accountId, this.homeRegion(accountId)).eventBridge, principalArn), maxAttempts: 1 });
        this.deps.story.followAttempt(trace, [followId]);
        try {
            const answer = (await client.send(new PutEventsCommand({ Entries: [entry] }))).Entries?.[0] ?? {};
            if (answer.ErrorCode === "NotAuthorizedForSourceException") return this.answered(trace, "refused-by-eventbridge", answer.ErrorMessage);
            if (answer.ErrorCode === "AccessDeniedException") return this.answered(trace, `refused-by-${bus}-bus` as AttemptOutcome, answer.ErrorMessage);
            if (answer.ErrorCode) throw new Error(`PutEvents answered ${answer.ErrorCode}: ${answer.ErrorMessage}`);
            return this.answered(trace, "accepted", undefined, [answer.EventId!, followId]);
        } finally {
            client.destroy();
        }
    }

    private async retag(attempt: Attempt, accountId: string, principalArn: string, trace: Parameters<Story["attemptAnswered"]>[0]): Promise<{ outcome: AttemptOutcome; reason?: string }> {
        const client = new EC2Client({ ...LOCAL_CLIENT_CONFIG, region: this.homeRegion(accountId), endpoint: callerEndpoint(this.deps.endpoints(accountId, this.homeRegion(accountId)).ec2, principalArn), maxAttempts: 1 });
        try {
            const Resources = [instanceIdOf(this.deps.scenario, attempt.instance!)];
            // DeleteTags naming no tag deletes every tag (the request then carries no aws:TagKeys).
            if (attempt.kind === "delete-tags") await client.send(new DeleteTagsCommand({ Resources }));
            else await client.send(new CreateTagsCommand({ Resources, Tags: Object.entries(attempt.tags!).map(([Key, Value]) => ({ Key, Value })) }));
            return this.answered(trace, "tags-changed");
        } catch (err) {
            if ((err as Error).name !== "UnauthorizedOperation") throw err;
            // The attacker's own policies allow every tag change (ATTACKER_POLICIES): a refusal is the guardrails'.
            return this.answered(trace, "refused-by-guardrails", (err as Error).message);
        } finally {
            client.destroy();
        }
    }

    /**
     * Retargets a default-bus rule at the forwarder with a constant Input (a forged EC2 event the forwarder would
     * receive whenever the rule fires), or disables it. The SCP is what must refuse it; the forged timeline entries
     * play what the forwarder would make of such an Input.
     */
    private async changeRule(attempt: Attempt, accountId: string, principalArn: string, trace: Parameters<Story["attemptAnswered"]>[0]): Promise<{ outcome: AttemptOutcome; reason?: string }> {
        const client = new EventBridgeClient({ ...LOCAL_CLIENT_CONFIG, region: this.homeRegion(accountId), endpoint: callerEndpoint(this.deps.endpoints(accountId, this.homeRegion(accountId)).eventBridge, principalArn), maxAttempts: 1 });
        try {
            if (attempt.kind === "disable-rule") await client.send(new DisableRuleCommand({ Name: attempt.rule! }));
            else {
                const forwarder = this.deps.deployment.functions.find((f) => f.accountId === accountId && f.region === this.homeRegion(accountId) && f.handler === "workbench-forwarder");
                const forged = { source: "aws.ec2", "detail-type": "EC2 Instance State-change Notification", detail: { "instance-id": instanceIdOf(this.deps.scenario, attempt.instance!), state: attempt.state } };
                await client.send(new PutTargetsCommand({ Rule: attempt.rule!, Targets: [{ Id: "forged", Arn: forwarder?.arn ?? "", Input: JSON.stringify(forged) }] }));
            }
            return this.answered(trace, "rule-changed");
        } catch (err) {
            if ((err as Error).name !== "AccessDeniedException") throw err;
            // The attacker's own policies allow every rule change (ATTACKER_POLICIES): a refusal is the guardrails'.
            return this.answered(trace, "refused-by-guardrails", (err as Error).message);
        } finally {
            client.destroy();
        }
    }

    private answered(trace: Parameters<Story["attemptAnswered"]>[0], outcome: AttemptOutcome, reason?: string, followIds?: string[]) {
        this.deps.story.attemptAnswered(trace, outcome, followIds);
        return { outcome, reason };
    }

    /** The event an attacker writes: the forwarder's own format (or EC2's), naming the attempt's instance. */
    private forgedEntry(attempt: Attempt, accountId: string, followId: string): PutEventsRequestEntry {
        const instance = this.deps.scenario.instances[attempt.instance!];
        const instanceId = instanceIdOf(this.deps.scenario, attempt.instance!);
        const time = new Date(this.deps.timeAt(this.deps.scenarioNow()).getTime() + (attempt.stampedAheadSeconds ?? 0) * 1000);
        if (attempt.source === "aws.ec2") {
            return { Source: "aws.ec2", DetailType: "EC2 Instance State-change Notification", Time: time, Detail: JSON.stringify({ "instance-id": instanceId, state: attempt.state }) };
        }
        const detail: WorkbenchEventDetail = {
            "schema-version": WORKBENCH_EVENT_SCHEMA_VERSION,
            "user-id": attempt.owner ?? instance.owner,
            "workbench-type": attempt.type ?? instance.type,
            "workbench-state": EC2_STATE_TO_WORKBENCH_STATE[attempt.state!],
            "instance-id": instanceId,
            account: accountId,
            region: this.homeRegion(accountId),
            "ec2-state": attempt.state!,
            "ec2-event-time": time.toISOString().replace(/\.\d{3}Z$/, "Z"),
            "ec2-event-id": followId,
        };
        return { Source: WORKBENCH_EVENT_SOURCE, DetailType: WORKBENCH_EVENT_DETAIL_TYPE, Time: time, Resources: [], Detail: JSON.stringify(detail) };
    }

    /** Attempts are played in the account's home region (the first of its regions). */
    private homeRegion(accountId: string): string {
        return homeRegionOf(this.deps.scenario, accountId);
    }

    /** The account's workbench bus: the one bus of its own in its home region that is not the default bus. */
    private workbenchBusName(accountId: string): string {
        const region = this.homeRegion(accountId);
        const buses = this.deps.deployment.buses.filter((b) => b.accountId === accountId && b.region === region && b.name !== DEFAULT_BUS);
        if (buses.length !== 1) throw new Error(`account ${accountId} has ${buses.length} buses besides its default bus: the sandbox cannot tell which is the workbench bus`);
        return buses[0].name;
    }
}

/** "role/dev puts a forged running of alice-cae (owner ceo) on the workbench bus" and the like. */
export function describeAttempt(a: Attempt): string {
    if (a.kind === "put-targets") return `role/${a.principal} retargets rule ${a.rule} at the forwarder with a constant Input (a forged ${a.state} of ${a.instance})`;
    if (a.kind === "disable-rule") return `role/${a.principal} disables rule ${a.rule}`;
    if (a.kind === "delete-tags") return `role/${a.principal} deletes every tag of ${a.instance} (DeleteTags naming no key)`;
    if (a.kind === "create-tags") return `role/${a.principal} re-tags ${a.instance}: ${Object.entries(a.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(", ")}`;
    const claims = [a.owner ? `owner ${a.owner}` : "", a.type ? `type ${a.type}` : "", a.stampedAheadSeconds ? `stamped ${a.stampedAheadSeconds} s ahead` : ""].filter(Boolean);
    return `role/${a.principal} puts a forged ${a.source ?? WORKBENCH_EVENT_SOURCE} ${a.state} of ${a.instance}${claims.length ? ` (${claims.join(", ")})` : ""} on the ${a.bus} bus`;
}
