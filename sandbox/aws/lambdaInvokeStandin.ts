import * as http from "node:http";
import { keepAliveLikeAws } from "./keepAlive";
import type { AddressInfo } from "node:net";

export interface StandinInvocation {
    functionName: string;
    invocationType: string;
    payload: string;
}

export interface LambdaInvokeStandin {
    /** `http://127.0.0.1:<port>`, to give a LambdaClient as `endpoint`. */
    endpoint: string;
    /** Invocations accepted, in order. */
    invocations: StandinInvocation[];
    /** Functions that exist (by name or ARN); others answer ResourceNotFoundException. Empty: every function exists. */
    functions: Set<string>;
    /** Makes the next `times` invocations fail with TooManyRequestsException (throttling). */
    throttleNext(times?: number): void;
    close(): Promise<void>;
}

/**
 * A local stand-in for Lambda's Invoke (REST-JSON: POST /2015-03-31/functions/<name>/invocations), recording each
 * invocation instead of running it. Event invocations answer 202, as Lambda does once it has queued the event.
 */
export async function startLambdaInvokeStandin(port = 0): Promise<LambdaInvokeStandin> {
    const invocations: StandinInvocation[] = [];
    const functions = new Set<string>();
    let throttled = 0;
    const server = keepAliveLikeAws(http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec((req.url ?? "").split("?")[0]);
            const error = (status: number, type: string, message: string) => {
                res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type });
                res.end(JSON.stringify({ Type: "User", message }));
            };
            if (req.method !== "POST" || !match) return error(404, "UnknownOperationException", `stand-in does not implement ${req.method} ${req.url}`);
            const functionName = decodeURIComponent(match[1]);
            if (functions.size > 0 && !functions.has(functionName)) return error(404, "ResourceNotFoundException", `Function not found: ${functionName}`);
            if (throttled > 0) {
                throttled--;
                return error(429, "TooManyRequestsException", "Rate exceeded");
            }
            const invocationType = String(req.headers["x-amz-invocation-type"] ?? "RequestResponse");
            invocations.push({ functionName, invocationType, payload: Buffer.concat(chunks).toString("utf8") });
            res.writeHead(invocationType === "Event" ? 202 : 200, { "content-type": "application/json" });
            res.end(invocationType === "Event" ? "" : "null");
        });
    }));
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const { port: bound } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${bound}`,
        invocations,
        functions,
        throttleNext(times = 1) {
            throttled = times;
        },
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
