/**
 * The AWS services around the hub's handlers, in process and time-scaled, answering the real SDK commands the
 * handlers' own ports send (so their polling, retries and request shapes are exercised as written): SSM Parameter
 * Store and Run Command, S3 puts, EventBridge PutEvents. Run Command answers a command `roundTripMs()` after
 * SendCommand (the round trip L: delivery to the agent, the document, the report back), running `execute` on the
 * license server at that moment. Every API call waits `apiLatencyMs` and is counted.
 */
import type { ScaledClock } from "./clock";

export interface InvocationResult {
    status: "Success" | "Failed";
    responseCode: number;
    stdout: string;
    stderr: string;
}

/** Runs one command on one license server (the SSM agent's part). */
export type ServerExecutor = (instanceId: string, parameters: Record<string, string[]>, objects: ReadonlyMap<string, Buffer>) => InvocationResult;

export interface FakeAwsOptions {
    clock: ScaledClock;
    roundTripMs(instanceId: string): number;
    apiLatencyMs: number;
    execute: ServerExecutor;
    /** EventBridge PutEvents entries (the sync trigger), delivered by the caller's model of the bus. */
    onEvent(entry: { Source?: string; DetailType?: string; Detail?: string; EventBusName?: string }): void;
}

interface Invocation {
    commandId: string;
    instanceId: string;
    documentName: string;
    requestedAt: number;
    status: "Pending" | "InProgress" | "Success" | "Failed";
    result?: InvocationResult;
    /** When a poll first saw it finished. */
    seenDoneAt?: number;
    endedAt?: number;
}

type Command = { constructor: { name: string }; input: Record<string, any> };

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: {} });

export class FakeAws {
    readonly calls: Record<string, number> = {};
    readonly objects = new Map<string, Buffer>();
    readonly parameters = new Map<string, { value: string; version: number }>();
    readonly invocations = new Map<string, Invocation>();
    putBytes = 0;
    private commandCounter = 0;
    private readonly running = new Set<Promise<void>>();

    constructor(private readonly options: FakeAwsOptions) {}

    readonly ssm = { send: (command: Command) => this.call(command, () => this.ssmCall(command)), destroy() {} };
    readonly s3 = { send: (command: Command) => this.call(command, () => this.s3Call(command)), destroy() {} };
    readonly eventBridge = { send: (command: Command) => this.call(command, () => this.eventsCall(command)), destroy() {} };

    /** Milliseconds from each SendCommand to the poll that first saw the command finished. */
    observedRoundTrips(): number[] {
        return [...this.invocations.values()].filter((i) => i.seenDoneAt !== undefined).map((i) => i.seenDoneAt! - i.requestedAt);
    }

    /** Resolves once every command sent so far has finished on its server. */
    async idle(): Promise<void> {
        while (this.running.size > 0) await Promise.all([...this.running]);
    }

    private async call<T>(command: Command, answer: () => T): Promise<T> {
        const name = command.constructor.name.replace(/Command$/, "");
        this.calls[name] = (this.calls[name] ?? 0) + 1;
        await this.options.clock.sleep(this.options.apiLatencyMs);
        return answer();
    }

    private ssmCall(command: Command): unknown {
        const input = command.input;
        switch (command.constructor.name) {
            case "GetParameterCommand": {
                const parameter = this.parameters.get(input.Name);
                if (!parameter) throw awsError("ParameterNotFound", `Parameter ${input.Name} not found.`);
                return { Parameter: { Name: input.Name, Value: parameter.value, Version: parameter.version } };
            }
            case "PutParameterCommand": {
                const version = (this.parameters.get(input.Name)?.version ?? 0) + 1;
                this.parameters.set(input.Name, { value: input.Value, version });
                return { Version: version };
            }
            case "SendCommandCommand":
                return { Command: { CommandId: this.sendCommand(input) } };
            case "GetCommandInvocationCommand": {
                const invocation = this.invocations.get(`${input.CommandId}/${input.InstanceId}`);
                if (!invocation) throw awsError("InvocationDoesNotExist", "An error occurred (InvocationDoesNotExist).");
                if (invocation.result && invocation.seenDoneAt === undefined) invocation.seenDoneAt = this.options.clock.now();
                const r = invocation.result;
                return { Status: invocation.status, StatusDetails: invocation.status, ResponseCode: r?.responseCode ?? -1, StandardOutputContent: r?.stdout ?? "", StandardErrorContent: r?.stderr ?? "", ExecutionEndDateTime: invocation.endedAt === undefined ? "" : new Date(invocation.endedAt).toISOString() };
            }
            case "ListCommandInvocationsCommand": {
                const found = [...this.invocations.values()].filter((i) => i.commandId === input.CommandId);
                return {
                    CommandInvocations: found.map((i) => ({
                        CommandId: i.commandId,
                        InstanceId: i.instanceId,
                        Status: i.status,
                        StatusDetails: i.status,
                        CommandPlugins: i.result ? [{ Name: "applyUserList", Status: i.result.status, ResponseCode: i.result.responseCode, Output: i.result.stdout.slice(-2500) }] : [],
                    })),
                };
            }
            default:
                throw new Error(`the bench's SSM does not answer ${command.constructor.name}`);
        }
    }

    private sendCommand(input: Record<string, any>): string {
        const commandId = `bench-command-${++this.commandCounter}`;
        const requestedAt = this.options.clock.now();
        for (const instanceId of input.InstanceIds as string[]) {
            const invocation: Invocation = { commandId, instanceId, documentName: input.DocumentName, requestedAt, status: "Pending" };
            this.invocations.set(`${commandId}/${instanceId}`, invocation);
            const done = this.options.clock.sleep(this.options.roundTripMs(instanceId)).then(() => {
                invocation.result = this.options.execute(instanceId, input.Parameters ?? {}, this.objects);
                invocation.status = invocation.result.status;
                invocation.endedAt = this.options.clock.now();
            });
            this.running.add(done);
            void done.finally(() => this.running.delete(done));
        }
        return commandId;
    }

    private s3Call(command: Command): unknown {
        if (command.constructor.name !== "PutObjectCommand") throw new Error(`the bench's S3 does not answer ${command.constructor.name}`);
        const body = Buffer.isBuffer(command.input.Body) ? command.input.Body : Buffer.from(String(command.input.Body));
        this.objects.set(command.input.Key, body);
        this.putBytes += body.length;
        return {};
    }

    private eventsCall(command: Command): unknown {
        if (command.constructor.name !== "PutEventsCommand") throw new Error(`the bench's EventBridge does not answer ${command.constructor.name}`);
        for (const entry of command.input.Entries ?? []) this.options.onEvent(entry);
        return { FailedEntryCount: 0, Entries: (command.input.Entries ?? []).map(() => ({ EventId: "e" })) };
    }
}
