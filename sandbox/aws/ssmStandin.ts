import { randomUUID } from "node:crypto";
import { AwsServiceError, JsonService, startJsonService } from "./awsJsonServer";

/** How one invocation ended: a status alone, or with the shell step's exit code and output. */
export type CommandResult =
    | "Success"
    | "Failed"
    | { status: "Success" | "Failed"; responseCode: number; standardOutput?: string; standardError?: string };

/** Runs a command on one instance, as the SSM Agent would, and reports how it ended. */
export type CommandExecutor = (documentName: string, instanceId: string, parameters: Record<string, string[]>) => Promise<CommandResult>;

export interface StandinParameter {
    name: string;
    type: string;
    value: string;
    /** Increased by every write, as SSM does. */
    version: number;
    lastModified: Date;
}

export interface StandinInvocation {
    instanceId: string;
    status: "Pending" | "InProgress" | "Success" | "Failed";
    statusDetails: string;
    responseCode: number;
    standardOutput: string;
    standardError: string;
    /** When the invocation finished (GetCommandInvocation's ExecutionEndDateTime). */
    endedAt?: Date;
}

export interface StandinCommand {
    commandId: string;
    documentName: string;
    instanceIds: string[];
    parameters: Record<string, string[]>;
    comment?: string;
    timeoutSeconds?: number;
    invocations: Map<string, StandinInvocation>;
}

export interface SsmStandinOptions {
    /** Runs each command invocation. Default: every command succeeds. */
    executor?: CommandExecutor;
    /** GetCommandInvocation answers InvocationDoesNotExist this many times per invocation first, as Run Command can. */
    invocationVisibleAfterPolls?: number;
}

export interface SsmStandin extends JsonService {
    parameters: Map<string, StandinParameter>;
    /** Every command accepted by SendCommand, in order. */
    commands: StandinCommand[];
    /** Replaceable at any time (e.g. to plug in a fake license server). */
    executor: CommandExecutor;
    /** Resolves once every invocation started so far has finished. */
    idle(): Promise<void>;
}

/** The most instance ids one SendCommand accepts. */
export const SEND_COMMAND_MAX_INSTANCES = 50;

/**
 * A local stand-in for the parts of AWS Systems Manager the hub uses (JSON 1.1, target prefix AmazonSSM):
 * Parameter Store with versions, and Run Command with an injectable executor in place of the SSM Agent.
 */
export async function startSsmStandin(options: SsmStandinOptions = {}, port = 0): Promise<SsmStandin> {
    const parameters = new Map<string, StandinParameter>();
    const commands: StandinCommand[] = [];
    const running = new Set<Promise<void>>();
    const hiddenPolls = new Map<string, number>();
    let standin: SsmStandin;

    const runInvocation = (command: StandinCommand, invocation: StandinInvocation) => {
        const done = (async () => {
            await new Promise<void>((resolve) => setImmediate(resolve));
            invocation.status = "InProgress";
            invocation.statusDetails = "InProgress";
            try {
                const result = await standin.executor(command.documentName, invocation.instanceId, command.parameters);
                const ended = typeof result === "string" ? { status: result, responseCode: result === "Success" ? 0 : 1 } : result;
                invocation.status = ended.status;
                invocation.statusDetails = ended.status;
                invocation.responseCode = ended.responseCode;
                invocation.standardOutput = ("standardOutput" in ended && ended.standardOutput) || "";
                invocation.standardError = ("standardError" in ended && ended.standardError) || "";
                invocation.endedAt = new Date();
            } catch (err) {
                invocation.status = "Failed";
                invocation.statusDetails = "Failed";
                invocation.responseCode = 1;
                invocation.standardError = String((err as Error)?.message ?? err);
                invocation.endedAt = new Date();
            }
        })();
        running.add(done);
        void done.finally(() => running.delete(done));
    };

    const service = await startJsonService(
        "AmazonSSM",
        {
            GetParameter(input: { Name?: string }) {
                const parameter = parameters.get(String(input.Name));
                if (!parameter) throw new AwsServiceError("ParameterNotFound", `Parameter ${input.Name} not found.`);
                return {
                    Parameter: {
                        Name: parameter.name,
                        Type: parameter.type,
                        Value: parameter.value,
                        Version: parameter.version,
                        LastModifiedDate: parameter.lastModified.getTime() / 1000,
                        ARN: `arn:aws:ssm:eu-central-1:111111111111:parameter/${parameter.name.replace(/^\//, "")}`,
                        DataType: "text",
                    },
                };
            },
            DeleteParameter(input: { Name?: string }) {
                if (!input.Name || !parameters.delete(input.Name)) throw new AwsServiceError("ParameterNotFound", `Parameter ${input.Name} not found.`);
                return {};
            },
            PutParameter(input: { Name?: string; Value?: string; Type?: string; Overwrite?: boolean }) {
                if (!input.Name || input.Value === undefined) throw new AwsServiceError("ValidationException", "Name and Value are required.");
                const existing = parameters.get(input.Name);
                if (existing && !input.Overwrite) {
                    throw new AwsServiceError("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");
                }
                const version = (existing?.version ?? 0) + 1;
                parameters.set(input.Name, { name: input.Name, type: input.Type ?? existing?.type ?? "String", value: input.Value, version, lastModified: new Date() });
                return { Version: version, Tier: "Standard" };
            },
            SendCommand(input: { DocumentName?: string; InstanceIds?: string[]; Parameters?: Record<string, string[]>; Comment?: string; TimeoutSeconds?: number }) {
                const instanceIds = input.InstanceIds ?? [];
                if (!input.DocumentName) throw new AwsServiceError("ValidationException", "DocumentName is required.");
                if (instanceIds.length === 0 || instanceIds.length > SEND_COMMAND_MAX_INSTANCES) {
                    throw new AwsServiceError("ValidationException", `InstanceIds must name 1 to ${SEND_COMMAND_MAX_INSTANCES} instances.`);
                }
                const command: StandinCommand = {
                    commandId: randomUUID(),
                    documentName: input.DocumentName,
                    instanceIds,
                    parameters: input.Parameters ?? {},
                    comment: input.Comment,
                    timeoutSeconds: input.TimeoutSeconds,
                    invocations: new Map(),
                };
                commands.push(command);
                for (const instanceId of instanceIds) {
                    const invocation: StandinInvocation = { instanceId, status: "Pending", statusDetails: "Pending", responseCode: -1, standardOutput: "", standardError: "" };
                    command.invocations.set(instanceId, invocation);
                    hiddenPolls.set(`${command.commandId}/${instanceId}`, options.invocationVisibleAfterPolls ?? 0);
                    runInvocation(command, invocation);
                }
                return {
                    Command: {
                        CommandId: command.commandId,
                        DocumentName: command.documentName,
                        InstanceIds: instanceIds,
                        Parameters: command.parameters,
                        Comment: command.comment,
                        Status: "Pending",
                        RequestedDateTime: Date.now() / 1000,
                    },
                };
            },
            GetCommandInvocation(input: { CommandId?: string; InstanceId?: string; PluginName?: string }) {
                const command = commands.find((c) => c.commandId === input.CommandId);
                const invocation = command?.invocations.get(String(input.InstanceId));
                const key = `${input.CommandId}/${input.InstanceId}`;
                const hidden = hiddenPolls.get(key) ?? 0;
                if (!command || !invocation || hidden > 0) {
                    if (hidden > 0) hiddenPolls.set(key, hidden - 1);
                    throw new AwsServiceError("InvocationDoesNotExist", "An error occurred (InvocationDoesNotExist).");
                }
                return {
                    CommandId: command.commandId,
                    InstanceId: invocation.instanceId,
                    DocumentName: command.documentName,
                    Status: invocation.status,
                    StatusDetails: invocation.statusDetails,
                    // With or without PluginName: the stand-in reports the one step that runs a script.
                    ResponseCode: invocation.responseCode,
                    StandardOutputContent: invocation.standardOutput,
                    StandardErrorContent: invocation.standardError,
                    ExecutionEndDateTime: invocation.endedAt?.toISOString() ?? "",
                };
            },
        },
        port,
    );
    standin = Object.assign(service, {
        parameters,
        commands,
        executor: options.executor ?? (async () => "Success" as const),
        async idle() {
            while (running.size > 0) await Promise.all([...running]);
        },
    });
    return standin;
}
