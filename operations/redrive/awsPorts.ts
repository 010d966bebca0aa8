import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { DeadLetter, RedrivePorts } from "./redrive";

export interface RedriveClients {
    sqs: SQSClient;
    lambda: LambdaClient;
    events: EventBridgeClient;
}

/** Seconds a received message stays hidden while it is redriven (long enough for one Invoke or PutEvents). */
const VISIBILITY_TIMEOUT_SECONDS = 120;

export function awsRedrivePorts(clients: RedriveClients, queueUrl: string, options: { visibilityTimeoutSeconds?: number } = {}): RedrivePorts {
    return {
        async receive(max) {
            const { Messages } = await clients.sqs.send(
                new ReceiveMessageCommand({
                    QueueUrl: queueUrl,
                    MaxNumberOfMessages: max,
                    VisibilityTimeout: options.visibilityTimeoutSeconds ?? VISIBILITY_TIMEOUT_SECONDS,
                    WaitTimeSeconds: 1,
                    MessageAttributeNames: ["All"],
                }),
            );
            return (Messages ?? []).map(
                (m): DeadLetter => ({
                    messageId: m.MessageId ?? "?",
                    receiptHandle: m.ReceiptHandle ?? "",
                    body: m.Body ?? "",
                    attributes: Object.fromEntries(
                        Object.entries(m.MessageAttributes ?? {})
                            .filter(([, value]) => value.StringValue !== undefined)
                            .map(([name, value]) => [name, value.StringValue as string]),
                    ),
                }),
            );
        },
        async delete(message) {
            await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.receiptHandle }));
        },
        async invoke(functionArn, payload) {
            const { StatusCode, FunctionError } = await clients.lambda.send(
                new InvokeCommand({ FunctionName: functionArn, InvocationType: "Event", Payload: Buffer.from(payload, "utf8") }),
            );
            if (StatusCode !== 202 || FunctionError) throw new Error(`Lambda answered ${StatusCode}${FunctionError ? ` (${FunctionError})` : ""}`);
        },
        async putEvent(entry) {
            const result = await clients.events.send(new PutEventsCommand({ Entries: [entry] }));
            if ((result.FailedEntryCount ?? 0) > 0) {
                const failed = result.Entries?.[0];
                throw new Error(`PutEvents refused the event: ${failed?.ErrorCode} ${failed?.ErrorMessage}`);
            }
        },
    };
}
