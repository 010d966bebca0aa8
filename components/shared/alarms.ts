import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** Alarm on the first occurrence of something that should never happen (an error, a dead letter), per 5 minutes. */
export function anyOccurrenceAlarm(
    name: string,
    metric: { namespace: string; metricName: string; dimensions: Record<string, pulumi.Input<string>>; statistic: "Sum" | "Maximum" },
    description: pulumi.Input<string>,
    alarmActions: pulumi.Input<pulumi.Input<string>[]> | undefined,
    parent: pulumi.Resource,
): aws.cloudwatch.MetricAlarm {
    return new aws.cloudwatch.MetricAlarm(
        name,
        {
            alarmDescription: description,
            ...metric,
            period: 300,
            evaluationPeriods: 1,
            threshold: 0,
            comparisonOperator: "GreaterThanThreshold",
            treatMissingData: "notBreaching",
            alarmActions,
        },
        { parent },
    );
}

/** Alarm while a dead-letter queue holds any message: each one is an event that was not processed. */
export function deadLetterAlarm(
    name: string,
    queue: aws.sqs.Queue,
    what: string,
    alarmActions: pulumi.Input<pulumi.Input<string>[]> | undefined,
    parent: pulumi.Resource,
): aws.cloudwatch.MetricAlarm {
    return anyOccurrenceAlarm(
        name,
        { namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: queue.name }, statistic: "Maximum" },
        pulumi.interpolate`${queue.name} holds ${what}`,
        alarmActions,
        parent,
    );
}
