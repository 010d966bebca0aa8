import { denyInsecureTransport } from "./denyInsecureTransport";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** Fourteen days: the longest SQS keeps a message, so failed events survive a holiday. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

/** An encrypted dead-letter queue that keeps failed events as long as SQS allows. */
export function deadLetterQueue(name: string, parent: pulumi.Resource): aws.sqs.Queue {
    return new aws.sqs.Queue(
        name,
        { messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS, sqsManagedSseEnabled: true },
        { parent },
    );
}

/**
 * Lets EventBridge rules (named by ARN) deliver undeliverable events to a dead-letter queue, and refuses
 * anything but TLS.
 */
export function allowEventBridgeDeadLetters(
    name: string,
    queue: aws.sqs.Queue,
    ruleArns: pulumi.Input<string>[],
    parent: pulumi.Resource,
): aws.sqs.QueuePolicy {
    const policy = pulumi.all([queue.arn, pulumi.all(ruleArns)]).apply(([queueArn, rules]) =>
        JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "EventBridgeDeadLetters",
                    Effect: "Allow",
                    Principal: { Service: "events.amazonaws.com" },
                    Action: "sqs:SendMessage",
                    Resource: queueArn,
                    Condition: { ArnEquals: { "aws:SourceArn": rules } },
                },
                denyInsecureTransport("sqs:*", queueArn),
            ],
        }),
    );
    return new aws.sqs.QueuePolicy(name, { queueUrl: queue.url, policy }, { parent });
}

/**
 * The policy of a queue only its owner's roles use (Lambda failure destinations): nothing granted, everything
 * refused without TLS. A queue has one policy: queues EventBridge writes to get allowEventBridgeDeadLetters instead.
 */
export function tlsOnlyQueuePolicy(name: string, queue: aws.sqs.Queue, parent: pulumi.Resource): aws.sqs.QueuePolicy {
    const policy = queue.arn.apply((queueArn) => JSON.stringify({ Version: "2012-10-17", Statement: [denyInsecureTransport("sqs:*", queueArn)] }));
    return new aws.sqs.QueuePolicy(name, { queueUrl: queue.url, policy }, { parent });
}
