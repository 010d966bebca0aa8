/**
 * Runs the whole policy pack over resources recorded by `runUnderMocks`, the way the engine would: every resource
 * policy on each resource's inputs (with the provider it is created through), then every stack policy on all
 * resources' outputs. No PolicyPack is constructed (that starts a gRPC server); the policies are called directly.
 *
 *   const { resources } = await runUnderMocks(() => new MyComponent("x", {...}));
 *   const violations = await validateResources(resources, {}, { defaultTags: { CostCenter: "cc", Owner: "me" } });
 *   expect(mandatory(violations), describeViolations(violations)).to.be.empty;
 *
 * Approximations, all on the lenient side of nothing: URNs have no parent chain; stack resources have no parent or
 * dependency information (under mocks every value is known, so policies match references by value); a resource
 * without an explicit provider gets the stack's default AWS provider, whose default tags are `options.defaultTags`
 * (what `aws:defaultTags` in the stack config would give it).
 */
import * as policySdk from "@pulumi/policy";
import type { EnforcementLevel, PolicyPackConfig, PolicyProviderResource, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { POLICIES } from "../../policy/policies";
import { enforcementLevelOf } from "../../policy/config";
import type { RecordedResource } from "../support/pulumiMocks";
import { resourceArgs, stackArgs, stackResource, urnOf } from "./policyArgs";

const UnknownValueError = (policySdk as unknown as { UnknownValueError: new (...args: never[]) => Error }).UnknownValueError;

export interface PackViolation {
    policy: string;
    enforcementLevel: EnforcementLevel;
    message: string;
    /** The resource the violation is about, when the policy named one. */
    resource?: { type: string; name: string };
}

export interface PackRunOptions {
    /** Default tags of the stack's default AWS provider (stack config `aws:defaultTags.tags`). */
    defaultTags?: Record<string, string>;
}

export async function validateResources(
    recorded: RecordedResource[],
    config: PolicyPackConfig = {},
    options: PackRunOptions = {},
): Promise<PackViolation[]> {
    const providerOf = providerResolver(recorded, options);
    const byUrn = new Map(recorded.map((r) => [urnOf(r.type, r.name), r]));
    const violations: PackViolation[] = [];

    for (const policy of POLICIES) {
        const enforcementLevel = enforcementLevelOf(policy, config);
        if (enforcementLevel === "disabled") continue;
        const report = (message: string, urn?: string) => {
            const resource = urn ? byUrn.get(urn) : undefined;
            violations.push({ policy: policy.name, enforcementLevel, message, ...(resource ? { resource: { type: resource.type, name: resource.name } } : {}) });
        };
        try {
            if (isStackPolicy(policy)) {
                const resources: PolicyResource[] = recorded.map((r) =>
                    stackResource({
                        type: r.type,
                        name: r.name,
                        props: { ...(r.outputs ?? r.inputs), ...(r.id ? { id: r.id } : {}) },
                        provider: providerOf(r),
                    }),
                );
                await policy.validateStack(stackArgs(policy.name, resources, config), report);
            } else {
                for (const r of recorded) {
                    const args = resourceArgs(policy.name, { type: r.type, name: r.name, props: r.inputs, provider: providerOf(r), config });
                    for (const validate of [policy.validateResource ?? []].flat()) {
                        await validate(args, (message) => report(message, args.urn));
                    }
                }
            }
        } catch (e) {
            // What the engine does with a policy that reads an unknown value: an advisory note instead of a verdict.
            if (!(e instanceof UnknownValueError)) throw e;
            violations.push({ policy: policy.name, enforcementLevel: "advisory", message: `can't run during preview: ${e.message}` });
        }
    }
    return violations;
}

/** The violations that would stop a deployment. */
export function mandatory(violations: PackViolation[]): PackViolation[] {
    return violations.filter((v) => v.enforcementLevel === "mandatory");
}

/** One line per violation, for assertion messages. */
export function describeViolations(violations: PackViolation[]): string {
    return violations.map((v) => `[${v.enforcementLevel}] ${v.policy}${v.resource ? ` ${v.resource.type} ${v.resource.name}` : ""}: ${v.message}`).join("\n");
}

function isStackPolicy(policy: ResourceValidationPolicy | StackValidationPolicy): policy is StackValidationPolicy {
    return typeof (policy as StackValidationPolicy).validateStack === "function";
}

/**
 * The provider each recorded resource is created through. Mocks record explicit providers as a reference
 * `<urn>::<id>` whose URN ends in `<type>::<name>` (the type qualified by its parents' types, `a$b$type`).
 */
function providerResolver(recorded: RecordedResource[], options: PackRunOptions): (r: RecordedResource) => PolicyProviderResource | undefined {
    const toPolicyProvider = (type: string, name: string, props: Record<string, unknown>): PolicyProviderResource => {
        const { urn, props: proxied } = stackResource({ type, name, props });
        return { type, name, urn, props: proxied };
    };
    const explicit = new Map(
        recorded.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [`${r.type}::${r.name}`, toPolicyProvider(r.type, r.name, r.inputs)]),
    );
    const defaultAws = toPolicyProvider(
        "pulumi:providers:aws",
        "default",
        options.defaultTags ? { defaultTags: JSON.stringify({ tags: options.defaultTags }) } : {},
    );
    return (r) => {
        if (r.provider) {
            const parts = r.provider.split("::");
            const type = parts[2]?.split("$").pop();
            const provider = explicit.get(`${type}::${parts[3]}`);
            if (!provider) throw new Error(`${r.type} ${r.name}: provider ${r.provider} was not recorded`);
            return provider;
        }
        return r.type.startsWith("aws:") ? defaultAws : undefined;
    };
}
