import { cronFieldProblem } from "./cronFields";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { BundledFunction } from "./bundledFunction";
import { whenKnown } from "../shared/validation";

/** EventBridge retries delivery for up to a day before giving up on a target. */
export const EVENT_DELIVERY_RETRY = { maximumEventAgeInSeconds: 24 * 3600, maximumRetryAttempts: 185 };

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const CRON = /^cron\((.*)\)$/;
const CRON_FIELD = /^[0-9A-Za-z*?,/#-]+$/;
const CRON_FIELDS = "minutes hours day-of-month month day-of-week year";

/**
 * Why `expression` is not an EventBridge schedule (`rate(...)`, or `cron(...)` with its six fields), or undefined when
 * it is one. Caught here because EventBridge itself refuses it only at `pulumi up`, after other resources changed.
 */
export function scheduleExpressionProblem(expression: unknown): string | undefined {
    const shown = JSON.stringify(expression);
    if (typeof expression !== "string") return `${shown} is not an EventBridge schedule: use rate(...) or cron(...)`;
    const rate = RATE.exec(expression);
    if (rate) {
        // EventBridge wants "1 minute" but "5 minutes"; a zero rate never fires.
        const value = Number(rate[1]);
        if (value === 0 || (value === 1) === rate[2].endsWith("s")) return `${shown} needs a positive value with a matching unit ("1 minute", "5 minutes")`;
        return undefined;
    }
    const cron = CRON.exec(expression);
    if (!cron) return `${shown} is not an EventBridge rate(...) or cron(...) expression (e.g. "rate(1 hour)", "cron(0 6 * * ? *)")`;
    const fields = cron[1].trim().split(/\s+/).filter(Boolean);
    if (fields.length !== 6) {
        return `${shown} has ${fields.length} fields; EventBridge cron needs 6 (${CRON_FIELDS}), e.g. "cron(0 * * * ? *)"`;
    }
    const bad = fields.find((field) => !CRON_FIELD.test(field));
    if (bad !== undefined) return `${shown}: field ${JSON.stringify(bad)} has characters EventBridge cron does not accept`;
    for (const [i, field] of fields.entries()) {
        const problem = cronFieldProblem(i, field);
        if (problem) return `${shown}: ${problem}`;
    }
    // EventBridge: day-of-month and day-of-week cannot both be given; the one left out is "?".
    if ((fields[2] === "?") === (fields[4] === "?")) return `${shown}: exactly one of day-of-month and day-of-week must be "?", e.g. "cron(0 6 * * ? *)"`;
    return undefined;
}

/** Throws `<context>: <why>` unless `expression` is an EventBridge `rate(...)` or six-field `cron(...)` schedule. */
export function assertScheduleExpression(expression: string, context: string): void {
    const problem = scheduleExpressionProblem(expression);
    if (problem) throw new Error(`${context}: ${problem}.`);
}

/**
 * Sends the events a rule matches to a function: an EventBridge target with a retry policy and a dead-letter
 * queue, and the permission for that rule (and only that rule) to invoke the function.
 */
export function invokeFunctionOnRule(
    name: string,
    rule: aws.cloudwatch.EventRule,
    fn: BundledFunction,
    deadLetterQueueArn: pulumi.Input<string>,
    parent: pulumi.Resource,
): aws.cloudwatch.EventTarget {
    const permission = new aws.lambda.Permission(
        `${name}-invoke`,
        { action: "lambda:InvokeFunction", function: fn.function.name, principal: "events.amazonaws.com", sourceArn: rule.arn },
        { parent },
    );
    return new aws.cloudwatch.EventTarget(
        `${name}-target`,
        {
            rule: rule.name,
            eventBusName: rule.eventBusName,
            arn: fn.function.arn,
            retryPolicy: EVENT_DELIVERY_RETRY,
            deadLetterConfig: { arn: deadLetterQueueArn },
        },
        { parent, dependsOn: [permission] },
    );
}

/** A rule on the default bus that fires on a schedule (checked as soon as it is known). */
export function scheduleRule(name: string, scheduleExpression: pulumi.Input<string>, description: string, parent: pulumi.Resource): aws.cloudwatch.EventRule {
    const expression = whenKnown(scheduleExpression, (value) => assertScheduleExpression(value, name), parent);
    return new aws.cloudwatch.EventRule(name, { scheduleExpression: expression, description }, { parent });
}
