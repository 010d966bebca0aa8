import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { BundledFunction } from "./bundledFunction";

/** EventBridge retries delivery for up to a day before giving up on a target. */
export const EVENT_DELIVERY_RETRY = { maximumEventAgeInSeconds: 24 * 3600, maximumRetryAttempts: 185 };

const SCHEDULE = /^(rate\(\s*\d+\s+(minute|minutes|hour|hours|day|days)\s*\)|cron\(.+\))$/;

/** Throws unless `expression` is an EventBridge `rate(...)` or `cron(...)` schedule. */
export function assertScheduleExpression(expression: string, context: string): void {
    if (!SCHEDULE.test(expression)) {
        throw new Error(`${context}: schedule "${expression}" is not an EventBridge rate(...) or cron(...) expression.`);
    }
    const rate = /^rate\(\s*(\d+)\s+(\w+)\s*\)$/.exec(expression);
    if (rate) {
        // EventBridge wants "1 minute" but "5 minutes"; a zero rate never fires.
        const value = Number(rate[1]);
        if (value === 0 || (value === 1) === rate[2].endsWith("s")) {
            throw new Error(`${context}: schedule "${expression}" needs a positive value with a matching unit ("1 minute", "5 minutes").`);
        }
    }
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

/** A rule on the default bus that fires on a schedule. */
export function scheduleRule(name: string, scheduleExpression: string, description: string, parent: pulumi.Resource): aws.cloudwatch.EventRule {
    assertScheduleExpression(scheduleExpression, name);
    return new aws.cloudwatch.EventRule(name, { scheduleExpression, description }, { parent });
}
