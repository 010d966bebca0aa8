/**
 * Redrive: moves dead-lettered events back to where they came from. Two kinds of dead letters exist in this project:
 *
 * - EventBridge target dead-letter queues (`*-undelivered`): the body is the event, the message attributes name the
 *   rule (`RULE_ARN`) and the target (`TARGET_ARN`) that failed. A Lambda target is invoked again, asynchronously,
 *   with the event; any other target (another account's bus) gets the event back through its rule: it is put on the
 *   rule's bus again, so the rule forwards it with its own role.
 * - Lambda on-failure destinations (`*-failures`): the body is an invocation record whose `requestContext.functionArn`
 *   and `requestPayload` say what to invoke again.
 *
 * A message is deleted only after its redelivery was accepted, so an interrupted run loses nothing, and running twice
 * is safe: the hub applies events idempotently, and the forwarder only forwards. Anything else (e.g. a DynamoDB
 * stream batch's failure record, which names records rather than carrying them) is left in the queue and reported.
 */

export interface DeadLetter {
    messageId: string;
    receiptHandle: string;
    body: string;
    /** String message attributes (RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE for EventBridge). */
    attributes: Record<string, string>;
}

/** An event entry for PutEvents, rebuilt from a dead-lettered event. */
export interface EventEntry {
    EventBusName: string;
    Source: string;
    DetailType: string;
    Detail: string;
    Resources?: string[];
    Time?: Date;
}

export type Origin =
    | { kind: "function"; functionArn: string; payload: string }
    | { kind: "bus"; ruleArn: string; entry: EventEntry }
    | { kind: "unknown"; reason: string };

export interface RedrivePorts {
    /** Up to 10 messages, hidden from other readers for the visibility timeout. */
    receive(max: number): Promise<DeadLetter[]>;
    delete(message: DeadLetter): Promise<void>;
    /** Asynchronous invoke (InvocationType Event); throws when Lambda refused it. */
    invoke(functionArn: string, payload: string): Promise<void>;
    /** PutEvents of one entry; throws when EventBridge refused it. */
    putEvent(entry: EventEntry): Promise<void>;
}

export interface RedriveOptions {
    /** Stop after this many messages. */
    max: number;
    /** Only say what would be done; nothing is sent or deleted. */
    dryRun?: boolean;
    log?: (line: string) => void;
}

export interface RedriveReport {
    redriven: number;
    /** Left in the queue: not a kind redrive knows, or its redelivery failed (visible again after the timeout). */
    kept: Array<{ messageId: string; reason: string }>;
}

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/;
const RULE_ARN = /^arn:(aws[a-z-]*):events:([a-z0-9-]+):(\d{12}):rule\/(?:([A-Za-z0-9._\-/]+)\/)?([A-Za-z0-9._-]+)$/;

/** Where a dead letter came from, and how to send it back. */
export function originOf(message: DeadLetter): Origin {
    let body: any;
    try {
        body = JSON.parse(message.body);
    } catch {
        return { kind: "unknown", reason: "the body is not JSON" };
    }
    const target = message.attributes.TARGET_ARN;
    const rule = message.attributes.RULE_ARN;
    if (target !== undefined) {
        if (LAMBDA_ARN.test(target)) return { kind: "function", functionArn: target, payload: message.body };
        const ruleParts = rule === undefined ? null : RULE_ARN.exec(rule);
        if (!ruleParts) return { kind: "unknown", reason: `RULE_ARN ${JSON.stringify(rule)} is not an EventBridge rule ARN` };
        if (typeof body?.source !== "string" || typeof body?.["detail-type"] !== "string" || body.detail === undefined) {
            return { kind: "unknown", reason: "the body is not an EventBridge event" };
        }
        const [, partition, region, account, busName] = ruleParts;
        const time = typeof body.time === "string" && !Number.isNaN(Date.parse(body.time)) ? new Date(body.time) : undefined;
        return {
            kind: "bus",
            ruleArn: rule!,
            entry: {
                EventBusName: `arn:${partition}:events:${region}:${account}:event-bus/${busName ?? "default"}`,
                Source: body.source,
                DetailType: body["detail-type"],
                Detail: JSON.stringify(body.detail),
                Resources: Array.isArray(body.resources) ? body.resources : undefined,
                Time: time,
            },
        };
    }
    const functionArn = body?.requestContext?.functionArn;
    if (typeof functionArn === "string" && body && "requestPayload" in body) {
        // The record names the version that ran ($LATEST or a number); invoke that function's current code.
        const unqualified = functionArn.replace(/:(\$LATEST|\d+)$/, "");
        if (!LAMBDA_ARN.test(unqualified)) return { kind: "unknown", reason: `functionArn ${JSON.stringify(functionArn)} is not a Lambda ARN` };
        return { kind: "function", functionArn: unqualified, payload: JSON.stringify(body.requestPayload) };
    }
    if (body?.DDBStreamBatchInfo) {
        return { kind: "unknown", reason: "a DynamoDB stream batch's failure record (it names records, it does not carry them); the hub sync's periodic full check repairs what it missed" };
    }
    return { kind: "unknown", reason: "neither an EventBridge dead letter (TARGET_ARN) nor a Lambda failure record" };
}

/** Drains a dead-letter queue back to where its messages came from; see the module comment. */
export async function redrive(ports: RedrivePorts, options: RedriveOptions): Promise<RedriveReport> {
    const log = options.log ?? (() => undefined);
    const report: RedriveReport = { redriven: 0, kept: [] };
    let seen = 0;
    while (seen < options.max) {
        const batch = await ports.receive(Math.min(10, options.max - seen));
        if (batch.length === 0) break;
        seen += batch.length;
        for (const message of batch) {
            const origin = originOf(message);
            if (origin.kind === "unknown") {
                report.kept.push({ messageId: message.messageId, reason: origin.reason });
                log(`kept ${message.messageId}: ${origin.reason}`);
                continue;
            }
            const where = origin.kind === "function" ? `invoke ${origin.functionArn}` : `put on ${origin.entry.EventBusName} for ${origin.ruleArn}`;
            if (options.dryRun) {
                log(`would ${where}: ${message.messageId}`);
                continue;
            }
            try {
                if (origin.kind === "function") await ports.invoke(origin.functionArn, origin.payload);
                else await ports.putEvent(origin.entry);
                await ports.delete(message);
                report.redriven++;
                log(`redriven ${message.messageId}: ${where}`);
            } catch (err) {
                const reason = `redelivery failed: ${(err as Error).name}: ${(err as Error).message}`;
                report.kept.push({ messageId: message.messageId, reason });
                log(`kept ${message.messageId}: ${reason}`);
            }
        }
    }
    return report;
}
