import * as http from "node:http";
import { keepAliveLikeAws } from "./keepAlive";
import type { AddressInfo } from "node:net";

/** An error the stand-in returns the way AWS JSON services do (`__type` + message, 4xx/5xx). */
export class AwsServiceError extends Error {
    constructor(
        public readonly type: string,
        message: string,
        public readonly status = 400,
    ) {
        super(message);
    }
}

/** The HTTP request an operation answers (e.g. its path, where the sandbox names the calling principal). */
export interface JsonRequest {
    url: string;
    headers: http.IncomingHttpHeaders;
}

export type JsonOperation = (input: any, request: JsonRequest) => unknown | Promise<unknown>;

export interface JsonCall {
    operation: string;
    input: any;
}

export interface JsonService {
    /** `http://127.0.0.1:<port>`, to give an SDK client as `endpoint`. */
    endpoint: string;
    /** Every request received, in order. */
    calls: JsonCall[];
    /** Makes the next `times` calls of `operation` fail with `error` (e.g. throttling), then behave again. */
    failNext(operation: string, error: AwsServiceError, times?: number): void;
    /** Delays every response by `ms` (latency injection for benchmarks). */
    setLatency(ms: number): void;
    close(): Promise<void>;
}

/**
 * A local stand-in for an AWS service that speaks the JSON 1.0/1.1 protocol (X-Amz-Target dispatch), for the
 * services that have no emulator. Real SDK v3 clients talk to it unchanged; it listens on 127.0.0.1 only.
 */
export async function startJsonService(
    targetPrefix: string,
    operations: Record<string, JsonOperation>,
    port = 0,
    /** Sees each request's headers before its operation runs (e.g. to read the signing region). */
    onRequest?: (headers: http.IncomingHttpHeaders) => void,
): Promise<JsonService> {
    const calls: JsonCall[] = [];
    const faults = new Map<string, { error: AwsServiceError; remaining: number }>();
    let latencyMs = 0;

    const server = keepAliveLikeAws(http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", async () => {
            const target = String(req.headers["x-amz-target"] ?? "");
            const operation = target.startsWith(`${targetPrefix}.`) ? target.slice(targetPrefix.length + 1) : "";
            const send = (status: number, body: unknown, errorType?: string) => {
                const payload = JSON.stringify(body ?? {});
                const headers: Record<string, string> = { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": `req-${calls.length}` };
                if (errorType) headers["x-amzn-errortype"] = errorType;
                const write = () => {
                    res.writeHead(status, headers);
                    res.end(payload);
                };
                latencyMs > 0 ? setTimeout(write, latencyMs) : write();
            };
            let input: any;
            try {
                input = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
            } catch {
                return send(400, { __type: "SerializationException", message: "body is not JSON" }, "SerializationException");
            }
            calls.push({ operation, input });
            onRequest?.(req.headers);
            const handler = operations[operation];
            if (!handler) {
                return send(400, { __type: "UnknownOperationException", message: `stand-in does not implement ${target}` }, "UnknownOperationException");
            }
            const fault = faults.get(operation);
            if (fault && fault.remaining > 0) {
                fault.remaining -= 1;
                return send(fault.error.status, { __type: fault.error.type, message: fault.error.message }, fault.error.type);
            }
            try {
                send(200, await handler(input, { url: req.url ?? "/", headers: req.headers }));
            } catch (err) {
                const e = err instanceof AwsServiceError ? err : new AwsServiceError("InternalFailure", String(err), 500);
                send(e.status, { __type: e.type, message: e.message }, e.type);
            }
        });
    }));
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const { port: bound } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${bound}`,
        calls,
        failNext(operation, error, times = 1) {
            faults.set(operation, { error, remaining: times });
        },
        setLatency(ms) {
            latencyMs = ms;
        },
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

/** Static credentials and region for SDK clients pointed at stand-ins (nothing is signed for real AWS). */
export const LOCAL_CLIENT_CONFIG = {
    region: "eu-central-1",
    credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret" },
};
