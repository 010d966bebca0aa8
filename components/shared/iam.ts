import * as pulumi from "@pulumi/pulumi";

/** One IAM policy statement, always `Allow`: components state exactly which actions they need on which resources. */
export interface PolicyStatement {
    /** Optional statement id (letters and digits). */
    sid?: string;
    /** Fully spelled-out actions, e.g. `dynamodb:GetItem`. Wildcards are refused. */
    actions: string[];
    /** Resource ARNs. `*` is accepted only when every action is one that AWS authorises on `*` alone. */
    resources: pulumi.Input<pulumi.Input<string>[]>;
    /** IAM condition block, e.g. `{ StringEquals: { "aws:SourceAccount": "123456789012" } }`. */
    conditions?: pulumi.Input<Record<string, Record<string, pulumi.Input<string | string[]>>>>;
}

/**
 * What an SSM Agent calls to receive Run Command and Session Manager sessions (its message channels: ec2messages, and
 * ssmmessages, which recent agents use for commands too): AWS authorises none of them on anything but `*`.
 */
export const SSM_AGENT_RUN_COMMAND_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
    "ec2messages:AcknowledgeMessage",
    "ec2messages:DeleteMessage",
    "ec2messages:FailMessage",
    "ec2messages:GetEndpoint",
    "ec2messages:GetMessages",
    "ec2messages:SendReply",
] as const;

/** The message channels, and `ssm:PutInventory` (sending software inventory): none authorised on anything but `*`. */
export const SSM_AGENT_CHANNEL_ACTIONS = ["ssm:PutInventory", ...SSM_AGENT_RUN_COMMAND_ACTIONS] as const;

/**
 * Actions that AWS only authorises against resource `*` (no resource-level permissions). A statement may use
 * `Resource: "*"` only when all its actions are in this list.
 */
export const ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS: ReadonlySet<string> = new Set([
    "ec2:DescribeInstances",
    "ec2:DescribeTags",
    "cloudwatch:PutMetricData",
    "dynamodb:ListStreams",
    "license-manager:ListLicenseConfigurations",
    "license-manager:GetServiceSettings",
    "license-manager:ListReceivedLicenses",
    "license-manager:UpdateServiceSettings",
    "organizations:DescribeOrganization",
    "ssm:GetCommandInvocation",
    "ssm:ListCommandInvocations",
    "ssm:ListCommands",
    ...SSM_AGENT_CHANNEL_ACTIONS,
]);

const ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/** Throws unless every action is fully spelled out (no `*`, no `?`). */
export function assertExplicitActions(statements: PolicyStatement[], context: string): void {
    for (const statement of statements) {
        if (statement.actions.length === 0) {
            throw new Error(`${context}: an IAM statement${statement.sid ? ` (${statement.sid})` : ""} has no actions.`);
        }
        for (const action of statement.actions) {
            if (!ACTION.test(action)) {
                throw new Error(`${context}: IAM action "${action}" is not allowed; spell out each action (no wildcards).`);
            }
        }
    }
}

/** Throws when a statement grants `*` resources for actions that support resource-level permissions. */
export function assertScopedResources(sid: string | undefined, actions: string[], resources: string[], context: string): void {
    if (resources.length === 0) {
        throw new Error(`${context}: IAM statement${sid ? ` ${sid}` : ""} for ${actions.join(", ")} has no resources.`);
    }
    if (resources.includes("*")) {
        const scopable = actions.filter((a) => !ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS.has(a));
        if (scopable.length > 0) {
            throw new Error(
                `${context}: IAM statement${sid ? ` ${sid}` : ""} grants resource "*" to ${scopable.join(", ")}, ` +
                    "which support resource-level permissions; name the resources.",
            );
        }
    }
}

/** Renders statements as an IAM policy document (JSON), checking least privilege on the resolved values. */
export function policyDocument(statements: PolicyStatement[], context: string): pulumi.Output<string> {
    assertExplicitActions(statements, context);
    const resolved = statements.map((s) =>
        pulumi.all([pulumi.output(s.resources), pulumi.output(s.conditions)]).apply(([resources, conditions]) => {
            assertScopedResources(s.sid, s.actions, resources, context);
            return {
                ...(s.sid ? { Sid: s.sid } : {}),
                Effect: "Allow",
                Action: [...s.actions].sort(),
                Resource: resources,
                ...(conditions ? { Condition: conditions } : {}),
            };
        }),
    );
    return pulumi.all(resolved).apply((Statement) => JSON.stringify({ Version: "2012-10-17", Statement }));
}

/**
 * Trust policy letting one AWS service assume a role. With `sourceAccount`, the service may only assume it on
 * behalf of that account (confused-deputy protection).
 */
export function serviceTrustPolicy(service: string, sourceAccount?: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.output(sourceAccount).apply((account) =>
        JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Service: service },
                    Action: "sts:AssumeRole",
                    ...(account ? { Condition: { StringEquals: { "aws:SourceAccount": account } } } : {}),
                },
            ],
        }),
    );
}
