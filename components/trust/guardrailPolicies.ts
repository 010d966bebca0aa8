/**
 * The Organizations policies of the workbench trust model, as plain data (the component deploys them, the
 * simulation tests evaluate them). Each statement denies a way around the forwarder-only path to everyone but
 * the principals the organisation trusts for it: the deployment role(s) for the roles, function and buses, the
 * provisioning role(s) for the workbench tags.
 */
import { reservedNamePatterns } from "./trustNames";

export interface GuardrailSettings {
    /** Prefix of the fixed names (trustNames). */
    namePrefix: string;
    /** ARNs (patterns with `*` allowed) of the roles that deploy the stacks. */
    deploymentRoleArns: readonly string[];
    /** ARNs (patterns) of the roles that create workbenches and set their owner and type tags. */
    provisioningRoleArns: readonly string[];
    /** The workbench tag keys (owner, type). */
    workbenchTagKeys: readonly string[];
    /** The hub's bus ARN, whose policy and rules only the deployment role may change. Default: not protected here. */
    hubEventBusArn?: string;
    /**
     * A StackSet (service-managed) deploys the forwarder (WorkbenchStackSet): its execution role in each account,
     * `stacksets-exec-<hash>`, is a deployment role too, and that name is reserved (only AWS's StackSets
     * service-linked role, which SCPs do not restrict, creates or changes it). Default false.
     */
    stackSetsExecution?: boolean;
}

/** The role StackSets (service-managed) creates in every member account and deploys stack instances with. */
export const STACKSETS_EXECUTION_ROLE_PATTERN = "arn:*:iam::*:role/stacksets-exec-*";

/** Role actions that could let someone else act as a forwarder role: create, change, re-trust, pass, delete. */
export const ROLE_CHANGE_ACTIONS = [
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PassRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
];

/** Bus and rule actions that could open a bus or redirect its events. */
export const EVENT_PATH_CHANGE_ACTIONS = [
    "events:CreateEventBus",
    "events:DeleteEventBus",
    "events:DeleteRule",
    "events:DisableRule",
    "events:EnableRule",
    "events:PutRule",
    "events:PutTargets",
    "events:RemoveTargets",
    "events:TagResource",
    "events:UntagResource",
    "events:UpdateEventBus",
];

/**
 * Bus policy changes. IAM authorises these on `*` only (no resource-level permissions), so the guardrail cannot
 * single out the workbench and hub buses: in the accounts it is attached to, only the deployment roles change any
 * bus policy.
 */
export const BUS_POLICY_ACTIONS = ["events:PutPermission", "events:RemovePermission"];

/**
 * Function actions that could make the forwarder or the inventory publish something else, run on demand, or stop
 * running (a concurrency of 0, an event-invoke config that drops events, a function URL), on the functions' fixed
 * names (decision 0001). Verbs by wildcard: a Deny may (policy/policies/iamPolicies.ts), and a new Lambda setting
 * (`Put...Config`) is then denied from the day AWS adds it.
 */
export const FORWARDER_FUNCTION_ACTIONS = [
    "lambda:AddPermission",
    "lambda:Create*",
    "lambda:Delete*",
    "lambda:InvokeFunction",
    "lambda:PublishVersion",
    "lambda:Put*",
    "lambda:RemovePermission",
    "lambda:TagResource",
    "lambda:UntagResource",
    "lambda:Update*",
];

/** AWS limits a service control policy to 5,120 characters. */
export const MAX_SCP_CHARS = 5120;

/**
 * The deployment and provisioning roles (of each kind, ARNs of up to 53 characters) the SCP holds within
 * MAX_SCP_CHARS with the StackSets execution role reserved: each pair adds about 380 characters (tests/quotas).
 */
export const MAX_SUPPORTED_GUARDRAIL_ROLES = 5;

/** `arn:aws:events:eu-central-1:1111:event-bus/name` -> the bus and every rule on it. */
function busAndRules(busArn: string): string[] {
    const match = /^(arn:[^:]+:events:[^:]+:[^:]+:)event-bus\/(.+)$/.exec(busArn);
    if (!match) throw new Error(`${busArn} is not an event bus ARN`);
    return [busArn, `${match[1]}rule/${match[2]}/*`];
}

export function guardrailServiceControlPolicy(settings: GuardrailSettings): Record<string, unknown> {
    const names = reservedNamePatterns(settings.namePrefix);
    const deployers = [...settings.deploymentRoleArns, ...(settings.stackSetsExecution ? [STACKSETS_EXECUTION_ROLE_PATTERN] : [])];
    const exceptDeployment = { ArnNotLike: { "aws:PrincipalArn": deployers } };
    const exceptProvisioning = { ArnNotLike: { "aws:PrincipalArn": [...settings.provisioningRoleArns] } };
    // The workbench bus, every rule on it, and the fixed-name rules on the default bus (EC2 state changes, the
    // inventory's schedule): `rule/<prefix>-workbench-*` matches both `rule/<name>` and `rule/<workbench bus>/<name>`.
    const protectedEventPaths = [
        `arn:*:events:*:*:event-bus/${names.workbenchBusName}`,
        `arn:*:events:*:*:rule/${names.resourceNamePattern}`,
        ...(settings.hubEventBusArn ? busAndRules(settings.hubEventBusArn) : []),
    ];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ForwarderRolesOnlyByDeployment",
                Effect: "Deny",
                Action: ROLE_CHANGE_ACTIONS,
                Resource: `arn:*:iam::*:role/${names.roleNamePattern}`,
                Condition: exceptDeployment,
            },
            {
                Sid: "ForwarderFunctionsOnlyByDeployment",
                Effect: "Deny",
                Action: FORWARDER_FUNCTION_ACTIONS,
                Resource: [`arn:*:lambda:*:*:function:${names.resourceNamePattern}`],
                Condition: exceptDeployment,
            },
            {
                Sid: "EventPathsOnlyByDeployment",
                Effect: "Deny",
                Action: EVENT_PATH_CHANGE_ACTIONS,
                Resource: protectedEventPaths,
                Condition: exceptDeployment,
            },
            {
                Sid: "BusPoliciesOnlyByDeployment",
                Effect: "Deny",
                Action: BUS_POLICY_ACTIONS,
                Resource: "*",
                Condition: exceptDeployment,
            },
            {
                Sid: "WorkbenchTagsOnlyByProvisioning",
                Effect: "Deny",
                Action: ["ec2:CreateTags", "ec2:DeleteTags"],
                Resource: "*",
                Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": [...settings.workbenchTagKeys] }, ...exceptProvisioning },
            },
            // DeleteTags without tag keys deletes every user tag; aws:TagKeys is then absent and the statement above
            // does not apply. Denied on instances carrying a workbench tag (one statement per key: Null conditions
            // on several keys would all have to hold).
            // The StackSets execution role's name is a pattern (its hash is AWS's): nobody may create or change a role
            // of that name, so no one can make a role the exemption above would cover.
            ...(settings.stackSetsExecution
                ? [{ Sid: "StackSetsExecutionRoleReserved", Effect: "Deny", Action: ROLE_CHANGE_ACTIONS, Resource: STACKSETS_EXECUTION_ROLE_PATTERN }]
                : []),
            ...settings.workbenchTagKeys.map((key, i) => ({
                Sid: `KeepWorkbenchTag${i}`,
                Effect: "Deny",
                Action: "ec2:DeleteTags",
                Resource: "arn:*:ec2:*:*:instance/*",
                Condition: { Null: { "aws:TagKeys": "true", [`aws:ResourceTag/${key}`]: "false" }, ...exceptProvisioning },
            })),
        ],
    };
}

/** Organizations tag policy: the workbench tag keys spelled exactly so, on EC2 instances. */
export function workbenchTagPolicy(tagKeys: readonly string[]): Record<string, unknown> {
    return {
        tags: Object.fromEntries(
            tagKeys.map((key) => [
                key.toLowerCase(),
                { tag_key: { "@@assign": key }, enforced_for: { "@@assign": ["ec2:instance"] } },
            ]),
        ),
    };
}
