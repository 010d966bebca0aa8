import { componentType, withFormerType } from "../shared/componentType";
import { assertArguments } from "../shared/argumentChecks";
import { knownKeys } from "../shared/configKeys";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ArgumentError, whenKnown } from "../shared/validation";
import { caseCollision } from "../shared/tagKeys";
import { DEFAULT_TRUST_NAME_PREFIX, DEFAULT_WORKBENCH_TAG_KEYS, assertTrustNamePrefix } from "./trustNames";
import { MAX_SCP_CHARS, MAX_SUPPORTED_GUARDRAIL_ROLES, guardrailServiceControlPolicy, workbenchTagPolicy } from "./guardrailPolicies";

export interface WorkbenchGuardrailsArgs {
    /**
     * ARNs of the roles that deploy the stacks (the account may be `*`, the role name is exact, e.g.
     * `arn:aws:iam::*:role/pulumi-deploy`): the only principals that may change the forwarder roles, functions and
     * rules and the workbench and hub buses. Required.
     */
    deploymentRoleArns: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * ARNs of the roles that create workbenches (account may be `*`, role name exact): the only principals that may
     * set or remove the workbench tags. Required.
     */
    provisioningRoleArns: pulumi.Input<pulumi.Input<string>[]>;
    /** Organisation roots, OUs (`ou-...`) or accounts the policies are attached to (plain values: each attachment is named after its target). Required. */
    targetIds: string[];
    /** Hub bus ARN (license-server stack output `hubEventBusArn`): its policy and rules get the same protection. Default: not protected. */
    hubEventBusArn?: pulumi.Input<string>;
    /** Prefix of the workbench accounts' fixed names (WorkbenchAccountForwarder `namePrefix`). Default `license-ops`. */
    namePrefix?: pulumi.Input<string>;
    /** Workbench tag keys. Default `vew:workbench:ownerId` and `vew:workbench:type`. */
    workbenchTagKeys?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * The forwarder is deployed by a WorkbenchStackSet: exempt StackSets' execution role (`stacksets-exec-*`) like a
     * deployment role, and reserve its name. Plain value. Default false.
     */
    stackSetsExecution?: boolean;
    /** Also create an Organizations tag policy that fixes the spelling of the tag keys on EC2 instances (plain: it decides what exists). Default false. */
    tagPolicy?: boolean;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|\*):role\/[\w+=,.@\/*?-]+$/;
const TARGET_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|\d{12})$/;
const BUS_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._\-/]+$/;

/** Every argument of WorkbenchGuardrailsArgs (checked both ways at compile time): anything else is refused by name. */
const WORKBENCH_GUARDRAILS_ARGUMENTS = knownKeys<WorkbenchGuardrailsArgs>()("deploymentRoleArns", "provisioningRoleArns", "targetIds", "hubEventBusArn", "namePrefix", "workbenchTagKeys", "stackSetsExecution", "tagPolicy");

/**
 * Organizations guardrails of the workbench trust model: a service control policy (forwarder roles, function and
 * buses changed only by the deployment roles; workbench tags set only by the provisioning roles), optionally a tag
 * policy, attached to the given roots, OUs or accounts. Deploy from the management account (or a delegated
 * administrator for policies). SCPs never restrict the management account itself.
 */
export class WorkbenchGuardrails extends pulumi.ComponentResource {
    /** The guardrail service control policy. */
    public readonly serviceControlPolicy: aws.organizations.Policy;
    /** The tag policy fixing the spelling of the workbench tag keys (with `tagPolicy: true`). */
    public readonly tagPolicy?: aws.organizations.Policy;
    /** Id of the service control policy. */
    public readonly serviceControlPolicyId: pulumi.Output<string>;

    constructor(name: string, args: WorkbenchGuardrailsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("WorkbenchGuardrails"), name, {}, withFormerType("licensing:trust:WorkbenchGuardrails", opts));
        assertArguments(name, args, WORKBENCH_GUARDRAILS_ARGUMENTS, this, { plain: { targetIds: args.targetIds, tagPolicy: args.tagPolicy, stackSetsExecution: args.stackSetsExecution } });
        const fail = (message: string) => {
            // An ArgumentError stays one line when thrown inside an apply (no "error serializing property" prefixes).
            throw new ArgumentError(`${name}: ${message}`, this);
        };
        const roleArns = (field: string, input: pulumi.Input<pulumi.Input<string>[]>) =>
            whenKnown(input as pulumi.Input<string[]>, (arns) => {
                if (arns.length === 0) fail(`${field} must name at least one role ARN.`);
                for (const arn of arns) {
                    if (!ROLE_ARN.test(arn)) fail(`${field}: ${JSON.stringify(arn)} is not an IAM role ARN (arn:aws:iam::<account or *>:role/<name>).`);
                    // A wildcard in the name exempts every role it matches (role/* exempts everyone) from the guardrails.
                    if (/[*?]/.test(arn.slice(arn.indexOf(":role/")))) fail(`${field}: ${JSON.stringify(arn)} has a wildcard in the role name, which would exempt every matching role; name the role exactly (only the account may be *).`);
                }
            });
        const deploymentRoleArns = roleArns("deploymentRoleArns", args.deploymentRoleArns);
        const provisioningRoleArns = roleArns("provisioningRoleArns", args.provisioningRoleArns);
        if (!Array.isArray(args.targetIds) || args.targetIds.length === 0) fail("targetIds must name at least one root, OU or account.");
        for (const id of args.targetIds) if (!TARGET_ID.test(id)) fail(`targetIds: ${JSON.stringify(id)} is not a root (r-...), OU (ou-...) or account id.`);
        const namePrefix = whenKnown(args.namePrefix ?? DEFAULT_TRUST_NAME_PREFIX, (prefix) => assertTrustNamePrefix(name, "namePrefix", prefix));
        const tagKeys = whenKnown((args.workbenchTagKeys ?? DEFAULT_WORKBENCH_TAG_KEYS) as pulumi.Input<string[]>, (keys) => {
            if (keys.length === 0) fail("workbenchTagKeys must name the owner and type tag keys.");
            const collision = caseCollision(keys);
            if (collision) fail(`workbenchTagKeys: ${collision}.`);
        });
        const hubEventBusArn = args.hubEventBusArn === undefined
            ? pulumi.output(undefined)
            : whenKnown(args.hubEventBusArn, (arn) => {
                  if (!BUS_ARN.test(arn)) fail(`hubEventBusArn ${JSON.stringify(arn)} is not an EventBridge event bus ARN.`);
              });

        const content = pulumi.all([namePrefix, deploymentRoleArns, provisioningRoleArns, tagKeys, hubEventBusArn]).apply(([prefix, deployment, provisioning, keys, hubBus]) => {
            const json = JSON.stringify(
                guardrailServiceControlPolicy({ namePrefix: prefix, deploymentRoleArns: deployment, provisioningRoleArns: provisioning, workbenchTagKeys: keys, hubEventBusArn: hubBus, stackSetsExecution: args.stackSetsExecution ?? false }),
            );
            if (json.length > MAX_SCP_CHARS) fail(`the service control policy takes ${json.length} characters; AWS allows ${MAX_SCP_CHARS}. Name fewer role ARNs: ${MAX_SUPPORTED_GUARDRAIL_ROLES} of each kind fit.`);
            return json;
        });
        this.serviceControlPolicy = new aws.organizations.Policy(
            `${name}-scp`,
            { type: "SERVICE_CONTROL_POLICY", description: "Workbench trust model: forwarder path and workbench tags changed only by the trusted roles", content },
            { parent: this },
        );
        const policies = [{ label: "scp", policy: this.serviceControlPolicy }];
        if (args.tagPolicy) {
            this.tagPolicy = new aws.organizations.Policy(
                `${name}-tag-policy`,
                { type: "TAG_POLICY", description: "Workbench tag keys spelled exactly so on EC2 instances", content: tagKeys.apply((keys) => JSON.stringify(workbenchTagPolicy(keys))) },
                { parent: this },
            );
            policies.push({ label: "tag-policy", policy: this.tagPolicy });
        }
        for (const { label, policy } of policies) {
            for (const targetId of args.targetIds) {
                new aws.organizations.PolicyAttachment(`${name}-${label}-${targetId}`, { policyId: policy.id, targetId }, { parent: this });
            }
        }

        this.serviceControlPolicyId = this.serviceControlPolicy.id;
        this.registerOutputs({ serviceControlPolicyId: this.serviceControlPolicyId, tagPolicyId: this.tagPolicy?.id });
    }
}
