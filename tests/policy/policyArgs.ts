/**
 * Hand-built policy arguments, shaped like the ones @pulumi/policy's analyzer server builds, so validators run
 * directly (no PolicyPack, no gRPC server). Properties go through the SDK's own `unknownCheckingProxy`, so reading
 * a value marked unknown throws exactly as it does during `pulumi preview`.
 */
import * as policySdk from "@pulumi/policy";
import type {
    PolicyPackConfig,
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

const unknownCheckingProxy = (policySdk as unknown as { unknownCheckingProxy<T>(value: T): T }).unknownCheckingProxy;

/** The sentinels the engine sends for values it does not know yet (internal to @pulumi/policy, hence `require`). */
const sentinels = require("@pulumi/policy/proxy") as Record<"unknownStringValue" | "unknownObjectValue" | "unknownArrayValue" | "unknownBooleanValue", string>;
export const UNKNOWN_STRING = sentinels.unknownStringValue;
export const UNKNOWN_OBJECT = sentinels.unknownObjectValue;
export const UNKNOWN_ARRAY = sentinels.unknownArrayValue;
export const UNKNOWN_BOOLEAN = sentinels.unknownBooleanValue;

export const STACK = "test";
export const PROJECT = "license-ops";

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
}

/** An AWS provider resource as policies see it; `defaultTags` serialized the way the SDK sends it (JSON). */
export function awsProvider(options: { name?: string; defaultTags?: Record<string, string>; props?: Record<string, unknown> } = {}): PolicyProviderResource {
    const name = options.name ?? "default";
    const props = options.props ?? (options.defaultTags ? { defaultTags: JSON.stringify({ tags: options.defaultTags }) } : {});
    return { type: "pulumi:providers:aws", name, urn: urnOf("pulumi:providers:aws", name), props: unknownCheckingProxy(props) };
}

/** `getConfig` as the server builds it: the policy's entry in the pack config, without `enforcementLevel`. */
export function configGetter(policyName: string, config: PolicyPackConfig = {}): <T extends object>() => T {
    return <T extends object>() => {
        const entry = config[policyName];
        if (typeof entry !== "object" || entry === null) return {} as T;
        const { enforcementLevel: _level, ...properties } = entry;
        return properties as T;
    };
}

function typeChecks(type: string, props: Record<string, any>) {
    return {
        isType: (resourceClass: { new (...rest: any[]): any }) => (resourceClass as unknown as { __pulumiType?: string }).__pulumiType === type,
        asType: (resourceClass: { new (...rest: any[]): any }) =>
            (resourceClass as unknown as { __pulumiType?: string }).__pulumiType === type ? (props as any) : undefined,
    };
}

function notApplicable(reason?: string): never {
    throw new Error(`not applicable: ${reason ?? ""}`);
}

export interface ResourceInput {
    type: string;
    props: Record<string, unknown>;
    name?: string;
    provider?: PolicyProviderResource;
    config?: PolicyPackConfig;
}

export function resourceArgs(policyName: string, input: ResourceInput): ResourceValidationArgs {
    const name = input.name ?? "subject";
    const props = unknownCheckingProxy(input.props);
    return {
        type: input.type,
        props,
        urn: urnOf(input.type, name),
        name,
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        provider: input.provider,
        stackTags: new Map(),
        ...typeChecks(input.type, props),
        getConfig: configGetter(policyName, input.config),
        notApplicable,
    };
}

export interface StackResourceInput {
    type: string;
    name: string;
    props: Record<string, unknown>;
    provider?: PolicyProviderResource;
    /** Property name → resources whose outputs flowed into it (what the engine reports). */
    propertyDependencies?: Record<string, PolicyResource[]>;
}

export function stackResource(input: StackResourceInput): PolicyResource {
    const props = unknownCheckingProxy(input.props);
    const dependencies = Object.values(input.propertyDependencies ?? {}).flat();
    return {
        type: input.type,
        name: input.name,
        urn: urnOf(input.type, input.name),
        props,
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        provider: input.provider,
        dependencies,
        propertyDependencies: input.propertyDependencies ?? {},
        ...typeChecks(input.type, props),
    } as PolicyResource;
}

export function stackArgs(policyName: string, resources: PolicyResource[], config?: PolicyPackConfig): StackValidationArgs {
    return { resources, stackTags: new Map(), getConfig: configGetter(policyName, config), notApplicable };
}

export interface Reported {
    message: string;
    urn?: string;
}

/** Runs a resource policy's validations on one resource and returns what they reported. */
export async function checkResource(policy: ResourceValidationPolicy, input: ResourceInput): Promise<Reported[]> {
    const reported: Reported[] = [];
    const args = resourceArgs(policy.name, input);
    const report: ReportViolation = (message) => reported.push({ message, urn: args.urn });
    for (const validate of [policy.validateResource ?? []].flat()) await validate(args, report);
    return reported;
}

/** Runs a stack policy on the given resources and returns what it reported. */
export async function checkStack(policy: StackValidationPolicy, resources: PolicyResource[], config?: PolicyPackConfig): Promise<Reported[]> {
    const reported: Reported[] = [];
    await policy.validateStack(stackArgs(policy.name, resources, config), (message, urn) => reported.push({ message, urn }));
    return reported;
}
