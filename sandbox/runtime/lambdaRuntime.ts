/**
 * A small local Lambda service: each function's bundle, the exact `index.js` its component deployed, runs in its own
 * child processes ("containers") with the function's environment only. Containers are reused between invocations
 * and started on demand up to the function's reserved concurrency (further invocations wait, as throttled
 * asynchronous events do); an invocation that outlives the function's timeout kills its container. Logs go to one
 * file per log group, like CloudWatch Logs.
 */
import { ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { bundleDigest, bundleHandler } from "../../components/lambda/bundle";
import type { LocalFunction } from "../world/deployment";

export interface InvokeResult {
    requestId: string;
    ok: boolean;
    result?: unknown;
    error?: { type: string; message: string };
    durationMs: number;
    coldStart: boolean;
}

export interface LambdaRuntimeOptions {
    /** Root of the sandbox's output: bundles under functions/, logs under logs/, the container script under runtime/. */
    outDir: string;
    /** Environment the platform adds to a function's own variables (region, credentials, endpoints). */
    platformEnvironment(fn: LocalFunction): Record<string, string>;
    /**
     * Milliseconds to add to the clock a function's invocation sees, decided when it starts (from the function and
     * the event it is invoked with); undefined: the real clock. The sandbox gives it to functions that stamp their
     * own times into the ordering of EC2 events.
     */
    clockOffsetMs?(fn: LocalFunction, event: unknown): number | undefined;
    /**
     * Containers per function when it has no reserved concurrency. Default 4: Lambda would scale further, but local
     * processes are heavy; further invocations wait for a free container, as throttled asynchronous events do.
     */
    defaultConcurrency?: number;
}

interface Container {
    process: ChildProcess;
    ready: Promise<{ ok: true } | { ok: false; error: { type: string; message: string } }>;
    busy: boolean;
    pending?: { id: number; resolve: (r: { ok: boolean; result?: unknown; error?: { type: string; message: string } }) => void };
    dead: boolean;
    /** Its function's configuration changed while it ran: it ends after this invocation. */
    retired?: boolean;
}

interface FunctionPool {
    fn: LocalFunction;
    taskRoot: string;
    logFile: string;
    containers: Container[];
    waiting: Array<() => void>;
    limit: number;
}

export class LocalLambdaRuntime {
    private readonly pools = new Map<string, FunctionPool>();
    private readonly containerScript: string;
    private nextId = 1;
    private isClosed = false;

    constructor(private readonly options: LambdaRuntimeOptions) {
        this.containerScript = path.join(options.outDir, "runtime", "lambda-container.js");
        fs.mkdirSync(path.dirname(this.containerScript), { recursive: true });
        buildSync({
            entryPoints: [path.join(__dirname, "lambdaContainer.ts")],
            outfile: this.containerScript,
            bundle: true,
            platform: "node",
            format: "cjs",
            target: "node20",
            logLevel: "silent",
        });
    }

    /**
     * Installs a function: writes the bundle its component deployed to `functions/<account>/<region>/<name>/index.js`
     * (function names are regional: a workbench account has a forwarder of the same name in each region),
     * after checking it is the artifact the deployment recorded (the `licensing:bundle-sha256` tag).
     */
    deploy(fn: LocalFunction): void {
        if (bundleDigest(fn.handler) !== fn.bundleDigest) {
            throw new Error(`Lambda ${fn.name}: the bundle of ${fn.handler} is not the one the stack recorded (${fn.bundleDigest}); the code changed during the run`);
        }
        const taskRoot = path.join(this.options.outDir, "functions", fn.accountId, fn.region, fn.name);
        fs.mkdirSync(taskRoot, { recursive: true });
        fs.writeFileSync(path.join(taskRoot, "index.js"), bundleHandler(fn.handler));
        // Log groups are regional too, as are the alarms that read their metrics (story/alarms.ts).
        const logFile = path.join(this.options.outDir, "logs", fn.accountId, fn.region, `${(fn.logGroup ?? `/aws/lambda/${fn.name}`).replace(/^\/+/, "").replace(/\//g, "_")}.log`);
        fs.mkdirSync(path.dirname(logFile), { recursive: true });
        const limit = fn.reservedConcurrency ?? this.options.defaultConcurrency ?? 4;
        this.pools.set(fn.arn, { fn, taskRoot, logFile, containers: [], waiting: [], limit });
    }

    /**
     * Starts one container per function ahead of the first event (Lambda's provisioned concurrency, in effect), so a
     * scenario on a fast clock does not pay a cold start, which takes far longer locally than on Lambda, per event.
     * Initialisation failures surface at the first invocation, as they would on Lambda.
     */
    async warm(parallel = 2): Promise<void> {
        const pools = [...this.pools.values()].filter((p) => p.containers.length === 0);
        const next = async (): Promise<void> => {
            const pool = pools.shift();
            if (!pool) return;
            await this.start(pool).ready;
            await next();
        };
        await Promise.all(Array.from({ length: parallel }, next));
    }

    /**
     * A configuration update, as `pulumi up` makes one when a function's environment changes (a redeployed hub
     * configuration's new key): invocations from now on run in fresh containers that read the new environment at
     * their cold start; idle containers end now, busy ones when their invocation ends (Lambda never changes the
     * environment of a running one).
     */
    updateConfiguration(functionArn: string, environment: Record<string, string>): void {
        const pool = this.pools.get(functionArn);
        if (!pool) throw new Error(`no function ${functionArn} is deployed in the sandbox`);
        pool.fn = { ...pool.fn, environment };
        for (const container of [...pool.containers]) {
            if (container.busy) container.retired = true;
            else this.kill(pool, container);
        }
    }

    /** The file a function's logs are written to. */
    logFileOf(functionArn: string): string | undefined {
        return this.pools.get(functionArn)?.logFile;
    }

    /** A synchronous (RequestResponse) invocation. */
    async invoke(functionArn: string, event: unknown): Promise<InvokeResult> {
        const pool = this.pools.get(functionArn);
        if (!pool) throw new Error(`no function ${functionArn} is deployed in the sandbox`);
        const requestId = randomUUID();
        const { container, coldStart } = await this.acquire(pool);
        const started = Date.now();
        try {
            const init = await container.ready;
            if (!init.ok) {
                this.kill(pool, container);
                return { requestId, ok: false, error: init.error, durationMs: Date.now() - started, coldStart };
            }
            fs.appendFileSync(pool.logFile, `START RequestId: ${requestId} Version: $LATEST\n`);
            const outcome = await this.run(pool, container, requestId, event);
            const durationMs = Date.now() - started;
            fs.appendFileSync(pool.logFile, `END RequestId: ${requestId}\nREPORT RequestId: ${requestId}\tDuration: ${durationMs} ms\t${coldStart ? "Init: cold start\t" : ""}\n`);
            return { requestId, ...outcome, durationMs, coldStart };
        } finally {
            container.busy = false;
            if (container.retired) this.kill(pool, container);
            pool.waiting.shift()?.();
        }
    }

    /** True once `close` was called. */
    get closed(): boolean {
        return this.isClosed;
    }

    /** Stops every container. */
    async close(): Promise<void> {
        this.isClosed = true;
        const exits: Array<Promise<void>> = [];
        for (const pool of this.pools.values()) {
            for (const container of pool.containers) {
                if (container.dead) continue;
                exits.push(new Promise((resolve) => container.process.once("exit", () => resolve())));
                this.kill(pool, container);
            }
            pool.waiting.splice(0).forEach((wake) => wake());
        }
        await Promise.all(exits);
    }

    private async acquire(pool: FunctionPool): Promise<{ container: Container; coldStart: boolean }> {
        for (;;) {
            if (this.isClosed) throw new Error("the sandbox's Lambda runtime is closed");
            const idle = pool.containers.find((c) => !c.busy && !c.dead);
            if (idle) {
                idle.busy = true;
                return { container: idle, coldStart: false };
            }
            if (pool.containers.filter((c) => !c.dead).length < pool.limit) {
                const container = this.start(pool);
                container.busy = true;
                return { container, coldStart: true };
            }
            // At its concurrency limit (e.g. the sync's reserved concurrency of 1): wait for a container to free up.
            await new Promise<void>((resolve) => pool.waiting.push(resolve));
        }
    }

    private start(pool: FunctionPool): Container {
        const { fn } = pool;
        const log = fs.openSync(pool.logFile, "a");
        const env = {
            ...this.options.platformEnvironment(fn),
            ...fn.environment,
            LAMBDA_TASK_ROOT: pool.taskRoot,
            AWS_LAMBDA_FUNCTION_NAME: fn.name,
            AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySizeMb),
            AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroup ?? `/aws/lambda/${fn.name}`,
            ...(fn.logFormat === "JSON" ? { AWS_LAMBDA_LOG_FORMAT: "JSON", AWS_LAMBDA_LOG_LEVEL: fn.applicationLogLevel ?? "INFO" } : {}),
            AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
            TZ: "UTC",
        };
        const child = fork(this.containerScript, [], { cwd: pool.taskRoot, env, execArgv: [], stdio: ["ignore", log, log, "ipc"] });
        fs.closeSync(log);
        const container: Container = { process: child, busy: false, dead: false, ready: Promise.resolve({ ok: true }) };
        container.ready = new Promise((resolve) => {
            const onMessage = (message: { type: string; error?: { type: string; message: string } }) => {
                if (message.type === "ready") resolve({ ok: true });
                else if (message.type === "init-error") resolve({ ok: false, error: message.error! });
                else return;
                child.off("message", onMessage);
            };
            child.on("message", onMessage);
            child.once("exit", (code) => resolve({ ok: false, error: { type: "Runtime.ExitError", message: `the runtime exited during init with code ${code}` } }));
        });
        child.on("message", (message: { type: string; id?: number; ok?: boolean; result?: unknown; error?: { type: string; message: string } }) => {
            const pending = container.pending;
            if (message.type === "result" && pending && pending.id === message.id) {
                const { resolve } = pending;
                container.pending = undefined;
                resolve({ ok: Boolean(message.ok), result: message.result, error: message.error });
            }
        });
        child.once("exit", (code, signal) => {
            container.dead = true;
            const pending = container.pending;
            container.pending = undefined;
            pending?.resolve({ ok: false, error: { type: "Runtime.ExitError", message: `the runtime exited with ${signal ?? `code ${code}`} during the invocation` } });
            pool.containers = pool.containers.filter((c) => c !== container);
        });
        pool.containers.push(container);
        return container;
    }

    private run(pool: FunctionPool, container: Container, requestId: string, event: unknown): Promise<{ ok: boolean; result?: unknown; error?: { type: string; message: string } }> {
        const timeoutMs = pool.fn.timeoutSeconds * 1000;
        return new Promise((resolve) => {
            const id = this.nextId++;
            const timer = setTimeout(() => {
                container.pending = undefined;
                this.kill(pool, container);
                fs.appendFileSync(pool.logFile, `${new Date().toISOString()} ${requestId} Task timed out after ${pool.fn.timeoutSeconds.toFixed(2)} seconds\n`);
                resolve({ ok: false, error: { type: "Sandbox.Timedout", message: `Task timed out after ${pool.fn.timeoutSeconds.toFixed(2)} seconds` } });
            }, timeoutMs);
            container.pending = {
                id,
                resolve: (outcome) => {
                    clearTimeout(timer);
                    resolve(outcome);
                },
            };
            const clockOffsetMs = this.options.clockOffsetMs?.(pool.fn, event);
            container.process.send({ type: "invoke", id, event, context: { awsRequestId: requestId, invokedFunctionArn: pool.fn.arn, deadlineMs: Date.now() + timeoutMs, clockOffsetMs } });
        });
    }

    private kill(pool: FunctionPool, container: Container): void {
        container.dead = true;
        pool.containers = pool.containers.filter((c) => c !== container);
        if (container.process.exitCode === null && container.process.signalCode === null) container.process.kill("SIGKILL");
    }
}
