import { randomUUID } from "node:crypto";
import { AwsServiceError, startJsonService, JsonService } from "./awsJsonServer";

export interface PutEventEntry {
    Source: string;
    DetailType: string;
    Detail: string;
    EventBusName?: string;
    Resources?: string[];
    Time?: number | string;
}

export interface EventBridgeStandin extends JsonService {
    /** Entries accepted by PutEvents, in order, each with the event id it was given. */
    events: Array<PutEventEntry & { EventId: string }>;
    /** Entries refused by `authorize`, with the caller and the reason. */
    refused: Array<{ entry: PutEventEntry; caller?: string; reason: string }>;
    /** Called for each accepted entry (the local router uses it to apply rules). */
    onEvent?: (entry: PutEventEntry & { EventId: string }) => void;
    /**
     * Decides each entry before it is accepted: a reason refuses it (the entry fails with AccessDeniedException, as
     * EventBridge reports a bus policy's refusal). Default: every entry is accepted.
     */
    authorize?: (caller: string | undefined, entry: PutEventEntry) => Promise<string | undefined>;
    /**
     * Decides a change to a rule (PutTargets, DisableRule) before it is made: a reason refuses it with
     * AccessDeniedException, as EventBridge reports an IAM or SCP denial. Without it, rule changes are refused.
     */
    authorizeRuleChange?: (caller: string | undefined, request: RuleChangeRequest) => Promise<string | undefined>;
    /** Rule changes that were allowed, in order. The sandbox routes by the deployed rules: they are recorded only. */
    ruleChanges: Array<RuleChangeRequest & { caller?: string }>;
}

/** A change to a rule as EventBridge authorises it: `events:<action>` on the rule's ARN. */
export interface RuleChangeRequest {
    action: "PutTargets" | "DisableRule";
    rule: string;
    /** The rule's bus; default `default`. */
    eventBusName: string;
    /** PutTargets: the targets, with any constant `Input`. */
    targets?: Array<{ Id: string; Arn: string; Input?: string }>;
}

/**
 * The calling principal, which a signature would identify in AWS: the sandbox gives each caller an endpoint with
 * the path `/caller/<url-encoded principal ARN>` (the SDK keeps an endpoint's path).
 */
export function callerEndpoint(endpoint: string, principalArn: string): string {
    return `${endpoint}/caller/${encodeURIComponent(principalArn)}`;
}

export function callerOf(url: string): string | undefined {
    const match = /^\/caller\/([^/]+)/.exec(url);
    return match ? decodeURIComponent(match[1]) : undefined;
}

/**
 * A local stand-in for EventBridge (JSON 1.1, target prefix AWSEvents): PutEvents, and PutTargets / DisableRule as
 * far as authorising them (the sandbox plays a developer's attempts to retarget or disable the forwarder's rules).
 */
export async function startEventBridgeStandin(port = 0): Promise<EventBridgeStandin> {
    const events: EventBridgeStandin["events"] = [];
    const refused: EventBridgeStandin["refused"] = [];
    const ruleChanges: EventBridgeStandin["ruleChanges"] = [];
    const changeRule = async (caller: string | undefined, request: RuleChangeRequest) => {
        const denial = await (standin.authorizeRuleChange?.(caller, request) ?? Promise.resolve("the stand-in decides no rule change without an authorizer"));
        if (denial) throw new AwsServiceError("AccessDeniedException", denial);
        ruleChanges.push({ ...request, caller });
    };
    let standin: EventBridgeStandin;
    const service = await startJsonService(
        "AWSEvents",
        {
            async PutEvents(input: { Entries: PutEventEntry[] }, request) {
                const caller = callerOf(request.url);
                const decisions = await Promise.all((input.Entries ?? []).map((entry) => standin.authorize?.(caller, entry)));
                let failed = 0;
                const entries = (input.Entries ?? []).map((entry, i) => {
                    // Sources beginning with "aws." are AWS services' own: nobody may put them, whatever the policies.
                    if (String(entry.Source).startsWith("aws.")) {
                        failed++;
                        const reason = `source ${entry.Source} is reserved for AWS services`;
                        refused.push({ entry, caller, reason });
                        return { ErrorCode: "NotAuthorizedForSourceException", ErrorMessage: `Not authorized for the source. (${reason})` };
                    }
                    const reason = decisions[i];
                    if (reason) {
                        failed++;
                        refused.push({ entry, caller, reason });
                        return { ErrorCode: "AccessDeniedException", ErrorMessage: reason };
                    }
                    const accepted = { ...entry, EventId: randomUUID() };
                    events.push(accepted);
                    standin.onEvent?.(accepted);
                    return { EventId: accepted.EventId };
                });
                return { FailedEntryCount: failed, Entries: entries };
            },
            async PutTargets(input: { Rule: string; EventBusName?: string; Targets: Array<{ Id: string; Arn: string; Input?: string }> }, request) {
                await changeRule(callerOf(request.url), { action: "PutTargets", rule: input.Rule, eventBusName: input.EventBusName ?? "default", targets: input.Targets });
                return { FailedEntryCount: 0, FailedEntries: [] };
            },
            async DisableRule(input: { Name: string; EventBusName?: string }, request) {
                await changeRule(callerOf(request.url), { action: "DisableRule", rule: input.Name, eventBusName: input.EventBusName ?? "default" });
                return {};
            },
        },
        port,
    );
    standin = Object.assign(service, { events, refused, ruleChanges });
    return standin;
}
