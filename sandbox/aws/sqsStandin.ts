import { createHash, randomUUID } from "node:crypto";
import { AwsServiceError, JsonService, startJsonService } from "./awsJsonServer";

export interface SqsMessageAttribute {
    DataType: string;
    StringValue?: string;
}

export interface StandinMessage {
    messageId: string;
    body: string;
    attributes: Record<string, SqsMessageAttribute>;
    /** Epoch ms before which ReceiveMessage does not return the message (0: visible). */
    invisibleUntil: number;
    receiptHandle?: string;
    receiveCount: number;
}

export interface SqsStandin extends JsonService {
    /** Queue name -> messages, oldest first. */
    queues: Map<string, StandinMessage[]>;
    /** The queue URL SQS would give a queue of this name. */
    queueUrl(name: string): string;
}

const ACCOUNT = "111111111111";

/**
 * A local stand-in for the parts of Amazon SQS the redrive command uses, speaking the AWS JSON 1.0 protocol current
 * SDK v3 clients use (target prefix AmazonSQS): CreateQueue, GetQueueUrl, SendMessage, ReceiveMessage (visibility
 * timeout, message attributes), DeleteMessage, GetQueueAttributes. Bodies carry the MD5 digests the SDK verifies.
 */
export async function startSqsStandin(port = 0): Promise<SqsStandin> {
    const queues = new Map<string, StandinMessage[]>();
    let endpoint = "";
    const queueUrl = (name: string) => `${endpoint}/${ACCOUNT}/${name}`;
    const queueOf = (url: unknown) => {
        const name = String(url ?? "").split("/").pop() ?? "";
        const messages = queues.get(name);
        if (!messages) throw new AwsServiceError("com.amazonaws.sqs#QueueDoesNotExist", "The specified queue does not exist.");
        return messages;
    };
    const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");

    const service = await startJsonService(
        "AmazonSQS",
        {
            CreateQueue(input: { QueueName?: string }) {
                if (!input.QueueName || !/^[A-Za-z0-9_-]{1,80}$/.test(input.QueueName)) throw new AwsServiceError("com.amazonaws.sqs#InvalidParameterValue", "Invalid QueueName.");
                if (!queues.has(input.QueueName)) queues.set(input.QueueName, []);
                return { QueueUrl: queueUrl(input.QueueName) };
            },
            GetQueueUrl(input: { QueueName?: string }) {
                queueOf(input.QueueName);
                return { QueueUrl: queueUrl(String(input.QueueName)) };
            },
            SendMessage(input: { QueueUrl?: string; MessageBody?: string; MessageAttributes?: Record<string, SqsMessageAttribute> }) {
                const messages = queueOf(input.QueueUrl);
                if (!input.MessageBody) throw new AwsServiceError("com.amazonaws.sqs#MissingParameter", "MessageBody is required.");
                const message: StandinMessage = { messageId: randomUUID(), body: input.MessageBody, attributes: input.MessageAttributes ?? {}, invisibleUntil: 0, receiveCount: 0 };
                messages.push(message);
                return { MessageId: message.messageId, MD5OfMessageBody: md5(message.body) };
            },
            ReceiveMessage(input: { QueueUrl?: string; MaxNumberOfMessages?: number; VisibilityTimeout?: number }) {
                const messages = queueOf(input.QueueUrl);
                const max = input.MaxNumberOfMessages ?? 1;
                if (!Number.isInteger(max) || max < 1 || max > 10) throw new AwsServiceError("com.amazonaws.sqs#InvalidParameterValue", "MaxNumberOfMessages must be 1 to 10.");
                const now = Date.now();
                const visible = messages.filter((m) => m.invisibleUntil <= now).slice(0, max);
                for (const message of visible) {
                    message.invisibleUntil = now + (input.VisibilityTimeout ?? 30) * 1000;
                    message.receiptHandle = randomUUID();
                    message.receiveCount += 1;
                }
                return {
                    Messages: visible.map((m) => ({
                        MessageId: m.messageId,
                        ReceiptHandle: m.receiptHandle,
                        MD5OfBody: md5(m.body),
                        Body: m.body,
                        Attributes: { ApproximateReceiveCount: String(m.receiveCount) },
                        MessageAttributes: m.attributes,
                    })),
                };
            },
            DeleteMessage(input: { QueueUrl?: string; ReceiptHandle?: string }) {
                const messages = queueOf(input.QueueUrl);
                const at = messages.findIndex((m) => m.receiptHandle !== undefined && m.receiptHandle === input.ReceiptHandle);
                // SQS accepts a handle of a message already deleted; an unknown handle is an error.
                if (at >= 0) messages.splice(at, 1);
                else if (!input.ReceiptHandle) throw new AwsServiceError("com.amazonaws.sqs#ReceiptHandleIsInvalid", "The receipt handle is not valid.");
                return {};
            },
            GetQueueAttributes(input: { QueueUrl?: string }) {
                const messages = queueOf(input.QueueUrl);
                const now = Date.now();
                return {
                    Attributes: {
                        ApproximateNumberOfMessages: String(messages.filter((m) => m.invisibleUntil <= now).length),
                        ApproximateNumberOfMessagesNotVisible: String(messages.filter((m) => m.invisibleUntil > now).length),
                    },
                };
            },
        },
        port,
    );
    endpoint = service.endpoint;
    return Object.assign(service, { queues, queueUrl });
}
