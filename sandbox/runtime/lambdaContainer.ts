/**
 * One Lambda execution environment, run as its own Node process by the sandbox (see lambdaRuntime.ts). It loads the
 * function's bundle (`$LAMBDA_TASK_ROOT/index.js`) at start-up, as Lambda's init phase does, and then runs one
 * invocation at a time for the parent over IPC. Its environment is exactly what the sandbox gives it, so functions
 * do not see each other's variables. Built with esbuild into plain JavaScript: no tsx in the function's process.
 */
import * as path from "node:path";

interface InvokeMessage {
    type: "invoke";
    id: number;
    event: unknown;
    context: { awsRequestId: string; invokedFunctionArn: string; deadlineMs: number; clockOffsetMs?: number };
}

const RealDate = Date;
let clockOffsetMs = 0;

/**
 * Shifts the clock the function sees (`Date.now()`, `new Date()`) by the invocation's offset. Installed only in
 * containers that are given one, so every other function runs on the real clock untouched.
 */
function shiftClock(offsetMs: number): void {
    clockOffsetMs = offsetMs;
    if (globalThis.Date !== RealDate) return;
    const now = () => RealDate.now() + clockOffsetMs;
    globalThis.Date = new Proxy(RealDate, {
        construct: (target, args, newTarget) => Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget),
        apply: () => new RealDate(now()).toString(),
        get: (target, property, receiver) => (property === "now" ? now : Reflect.get(target, property, receiver)),
    });
}

type Handler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;

const send = (message: Record<string, unknown>) => process.send?.(message);
const describe = (err: unknown) => ({
    type: (err as Error)?.name && (err as Error).name !== "Error" ? (err as Error).name : "Error",
    message: String((err as Error)?.message ?? err),
});

let handler: Handler | undefined;
try {
    const module = require(path.join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), "index.js")) as { handler?: Handler };
    if (typeof module.handler !== "function") throw Object.assign(new Error("index.handler is undefined or not exported"), { name: "Runtime.HandlerNotFound" });
    handler = module.handler;
    send({ type: "ready" });
} catch (err) {
    send({ type: "init-error", error: describe(err) });
}

process.on("message", async (message: InvokeMessage) => {
    if (message?.type !== "invoke" || !handler) return;
    const { awsRequestId, invokedFunctionArn, deadlineMs } = message.context;
    if (message.context.clockOffsetMs !== undefined) shiftClock(message.context.clockOffsetMs);
    const context = {
        awsRequestId,
        invokedFunctionArn,
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
        memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => Math.max(0, deadlineMs - RealDate.now()),
    };
    try {
        const result = await handler(message.event, context);
        send({ type: "result", id: message.id, ok: true, result: result === undefined ? null : result });
    } catch (err) {
        console.error(JSON.stringify({ level: "ERROR", message: "Invoke Error", requestId: awsRequestId, errorType: describe(err).type, errorMessage: describe(err).message }));
        send({ type: "result", id: message.id, ok: false, error: describe(err) });
    }
});

// A crash of the function's process ends the container, as on Lambda; the parent reports Runtime.ExitError.
process.on("unhandledRejection", (reason) => {
    console.error(JSON.stringify({ level: "ERROR", message: "Unhandled Promise Rejection", error: describe(reason) }));
    process.exit(128);
});
process.on("disconnect", () => process.exit(0));
