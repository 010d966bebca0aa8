import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** A resource the program registered, with its resolved inputs. */
export interface RecordedResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
    /** Id the mock assigned. */
    id?: string;
    /** State the mock returned (inputs plus mocked outputs): what stack policies see as the resource's props. */
    outputs?: Record<string, any>;
    /** Provider reference (`<provider urn>::<provider id>`) when created with an explicit provider. */
    provider?: string;
}

export interface MockAccount {
    accountId: string;
    region: string;
    partition: string;
}

export const DEFAULT_ACCOUNT: MockAccount = { accountId: "111111111111", region: "eu-central-1", partition: "aws" };

/** Runs a Pulumi program in-process under mocks and returns what it registered (no engine, no CLI, no cloud). */
export async function runUnderMocks<T>(
    program: () => T,
    options: {
        account?: Partial<MockAccount>;
        config?: Record<string, string>;
        project?: string;
        stack?: string;
        /** Outputs of the stacks a program references, by fully qualified stack name. */
        stackOutputs?: Record<string, Record<string, unknown>>;
    } = {},
): Promise<{ result: T; resources: RecordedResource[] }> {
    const account = { ...DEFAULT_ACCOUNT, ...options.account };
    const resources: RecordedResource[] = [];
    const project = options.project ?? "license-ops";
    // The runtime keeps configuration in its own store (filled from PULUMI_CONFIG once); replace it for each run.
    pulumi.runtime.setAllConfig(
        Object.fromEntries(Object.entries(options.config ?? {}).map(([k, v]) => [k.includes(":") ? k : `${project}:${k}`, v])),
    );
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const id = `${args.name}-id`;
                const state =
                    args.type === "pulumi:pulumi:StackReference"
                        ? { ...args.inputs, outputs: options.stackOutputs?.[args.inputs.name ?? args.name] ?? {}, secretOutputNames: [] }
                        : { ...args.inputs, ...mockedOutputs(args.type, args.name, args.inputs, account) };
                resources.push({ type: args.type, name: args.name, inputs: args.inputs, id, outputs: state, provider: args.provider || undefined });
                return { id, state };
            },
            call(args) {
                return mockedCall(args.token, args.inputs, account);
            },
        },
        project,
        options.stack ?? "test",
        false,
        MOCK_ORGANIZATION,
    );
    // An error thrown inside an apply rejects a promise nobody awaits and the program's registrations never finish;
    // surface it as the run's failure instead of letting the test hang until its timeout.
    let onRejection: ((reason: unknown) => void) | undefined;
    const rejected = new Promise<never>((_, reject) => {
        onRejection = (reason) => reject(reason);
        process.on("unhandledRejection", onRejection);
    });
    try {
        const result = program();
        await Promise.race([settle(), rejected]);
        return { result, resources };
    } finally {
        process.off("unhandledRejection", onRejection!);
    }
}

/** Waits until every registration and invoke the program started has completed. */
export async function settle(): Promise<void> {
    // waitForRPCs is exported by the runtime (marked internal): the same wait `pulumi up` does before exiting.
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
}

/** Resolves an Output's value in a test. */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** The Pulumi organization programs see under mocks (`pulumi.getOrganization()`). */
export const MOCK_ORGANIZATION = "my-org";

export function mockedOutputs(type: string, name: string, inputs: Record<string, any>, account: MockAccount): Record<string, any> {
    const [, module = "resource", kind = "Resource"] = type.split(":");
    const service = module.split("/")[0];
    const physicalName = inputs.name ?? name;
    const arnPrefix = `arn:${account.partition}:${service}:${account.region}:${account.accountId}`;
    const outputs: Record<string, any> = { name: physicalName, arn: `${arnPrefix}:${kind.toLowerCase()}/${physicalName}` };
    switch (type) {
        case "aws:sqs/queue:Queue":
            outputs.arn = `arn:${account.partition}:sqs:${account.region}:${account.accountId}:${physicalName}`;
            outputs.url = `https://sqs.${account.region}.amazonaws.com/${account.accountId}/${physicalName}`;
            break;
        case "aws:cloudwatch/eventBus:EventBus":
            outputs.arn = `arn:${account.partition}:events:${account.region}:${account.accountId}:event-bus/${physicalName}`;
            break;
        case "aws:cloudwatch/eventRule:EventRule":
            outputs.arn = `arn:${account.partition}:events:${account.region}:${account.accountId}:rule/${physicalName}`;
            break;
        case "aws:iam/role:Role":
            outputs.arn = `arn:${account.partition}:iam::${account.accountId}:role/${physicalName}`;
            break;
        case "aws:lambda/function:Function":
            outputs.arn = `arn:${account.partition}:lambda:${account.region}:${account.accountId}:function:${physicalName}`;
            outputs.invokeArn = `arn:${account.partition}:apigateway:${account.region}:lambda:path/functions/${outputs.arn}/invocations`;
            break;
        case "aws:cloudwatch/logGroup:LogGroup":
            outputs.arn = `arn:${account.partition}:logs:${account.region}:${account.accountId}:log-group:${physicalName}`;
            break;
        case "aws:dynamodb/table:Table":
            outputs.arn = `arn:${account.partition}:dynamodb:${account.region}:${account.accountId}:table/${physicalName}`;
            outputs.streamArn = `${outputs.arn}/stream/2026-01-01T00:00:00.000`;
            break;
        case "aws:s3/bucket:Bucket":
            outputs.bucket = inputs.bucket ?? physicalName;
            outputs.arn = `arn:${account.partition}:s3:::${outputs.bucket}`;
            break;
        case "aws:ssm/parameter:Parameter":
            outputs.arn = `arn:${account.partition}:ssm:${account.region}:${account.accountId}:parameter/${String(physicalName).replace(/^\//, "")}`;
            break;
        case "aws:ssm/association:Association":
            // An association's id is a UUID AWS assigns.
            outputs.associationId = `a1b2c3d4-0000-4000-8000-${String(physicalName).length.toString().padStart(12, "0")}`;
            break;
        case "aws:ssm/document:Document":
            outputs.arn = `arn:${account.partition}:ssm:${account.region}:${account.accountId}:document/${physicalName}`;
            break;
        case "aws:licensemanager/licenseConfiguration:LicenseConfiguration": {
            const id = createHash("sha256").update(String(physicalName)).digest("hex").slice(0, 32);
            outputs.arn = `arn:${account.partition}:license-manager:${account.region}:${account.accountId}:license-configuration:lic-${id}`;
            break;
        }
        case "aws:sns/topic:Topic":
            outputs.arn = `arn:${account.partition}:sns:${account.region}:${account.accountId}:${physicalName}`;
            break;
        case "aws:sns/topicPolicy:TopicPolicy":
            // A topic policy's `arn` is the topic's, an input (a generated one would detach it from its topic).
            outputs.arn = inputs.arn;
            break;
    }
    return outputs;
}

export function mockedCall(token: string, inputs: Record<string, any>, account: MockAccount): Record<string, any> {
    switch (token) {
        case "aws:index/getPartition:getPartition":
            return { partition: account.partition, dnsSuffix: "amazonaws.com", id: account.partition };
        case "aws:index/getRegion:getRegion":
            return { region: account.region, name: account.region, id: account.region };
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: account.accountId, arn: `arn:${account.partition}:iam::${account.accountId}:user/test`, userId: "AIDTEST", id: account.accountId };
        default:
            return inputs;
    }
}

/** Resources of one type, e.g. `aws:iam/role:Role`. */
export function ofType(resources: RecordedResource[], type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type);
}

/** The one resource with this type and logical name; throws with the candidates when absent. */
export function named(resources: RecordedResource[], type: string, name: string): RecordedResource {
    const found = resources.find((r) => r.type === type && r.name === name);
    if (!found) {
        const names = ofType(resources, type).map((r) => r.name).join(", ");
        throw new Error(`no ${type} named ${name}; have: ${names || "none"}`);
    }
    return found;
}

/** Every `Allow` statement of every inline role policy, parsed. */
export function allowStatements(resources: RecordedResource[]): Array<{ Action: string[]; Resource: string[]; Condition?: any; Sid?: string }> {
    return ofType(resources, "aws:iam/rolePolicy:RolePolicy").flatMap((p) =>
        (JSON.parse(p.inputs.policy).Statement as any[]).filter((s) => s.Effect === "Allow"),
    );
}
