import { randomUUID } from "node:crypto";
import * as http from "node:http";
import { keepAliveLikeAws } from "./keepAlive";
import type { AddressInfo } from "node:net";

/** One message accepted by Publish. */
export interface PublishedMessage {
    TopicArn: string;
    Message: string;
    Subject?: string;
    MessageId: string;
}

export interface SnsStandin {
    /** `http://127.0.0.1:<port>`, to give an SNSClient as `endpoint`. */
    endpoint: string;
    /** Topics that exist (Publish to any other ARN fails with NotFound). */
    topics: Set<string>;
    /** Messages accepted, in order. */
    published: PublishedMessage[];
    /** Makes the next `times` Publish calls fail with this error code (e.g. "Throttling", "KMSAccessDenied"). */
    failNext(code: string, times?: number): void;
    close(): Promise<void>;
}

const XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";

/**
 * A local stand-in for SNS Publish. @aws-sdk/client-sns speaks the AWS Query protocol (form-encoded POST with
 * `Action` and `Version`, XML responses), so this is a small Query/XML server, not a JSON one. Listens on 127.0.0.1.
 */
export async function startSnsStandin(topics: string[] = [], port = 0): Promise<SnsStandin> {
    const published: PublishedMessage[] = [];
    const topicSet = new Set(topics);
    let fault: { code: string; remaining: number } | undefined;

    const server = keepAliveLikeAws(http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const params = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
            const requestId = randomUUID();
            const reply = (status: number, xml: string) => {
                res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": requestId });
                res.end(xml);
            };
            const error = (status: number, code: string, message: string, type = "Sender") =>
                reply(
                    status,
                    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
                );

            if (params.get("Action") !== "Publish") return error(400, "InvalidAction", `stand-in does not implement ${params.get("Action")}`);
            if (fault && fault.remaining > 0) {
                fault.remaining -= 1;
                return error(400, fault.code, "injected fault");
            }
            const topicArn = params.get("TopicArn") ?? "";
            const message = params.get("Message");
            if (!topicSet.has(topicArn)) return error(404, "NotFound", "Topic does not exist");
            if (message === null || message.length === 0) return error(400, "InvalidParameter", "Empty message");
            const subject = params.get("Subject") ?? undefined;
            if (subject !== undefined && (subject.length > 100 || /[^\x20-\x7e]/.test(subject))) {
                return error(400, "InvalidParameter", "Subject must be ASCII text of at most 100 characters");
            }
            const messageId = randomUUID();
            published.push({ TopicArn: topicArn, Message: message, Subject: subject, MessageId: messageId });
            reply(
                200,
                `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
            );
        });
    }));
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const { port: bound } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${bound}`,
        topics: topicSet,
        published,
        failNext(code, times = 1) {
            fault = { code, remaining: times };
        },
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

/** Text as XML element content. */
export function escapeXml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
