import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, SSM_AGENT_CHANNEL_ACTIONS, SSM_AGENT_RUN_COMMAND_ACTIONS } from "./iam";

/** The Systems Manager document the inventory association runs (AWS-owned: its ARN has no account). */
export const INVENTORY_DOCUMENT = "AWS-GatherSoftwareInventory";

/** Partition, Region and account the managed nodes belong to. */
export interface ManagedNodeContext {
    partition: pulumi.Input<string>;
    region: pulumi.Input<string>;
    accountId: pulumi.Input<string>;
}

/**
 * The two statements every SSM Agent needs, derived from AWS's `AmazonSSMManagedInstanceCore` and narrowed (#21 item
 * 9): register and report itself, and list its own associations, on `nodes` (the ARNs of the managed nodes); and the
 * message channels (`channelActions`), which AWS authorises on `*` only. Dropped from the managed policy:
 * `ssm:GetParameter`/`GetParameters` on `*` (every parameter of the account), Distributor (`GetManifest`,
 * `PutConfigurePackageResult`), Patch Manager (`GetDeployablePatchSnapshotForInstance`, `PutComplianceItems`),
 * `ListAssociations` (every association of the account; the agent lists its own with `ListInstanceAssociations`) and
 * `UpdateAssociationStatus` (the legacy call).
 */
function agentStatements(nodes: pulumi.Input<pulumi.Input<string>[]>, channelActions: readonly string[], channelSid: string): [PolicyStatement, PolicyStatement] {
    return [
        { sid: "RegisterAndListOwnAssociations", actions: ["ssm:UpdateInstanceInformation", "ssm:ListInstanceAssociations"], resources: nodes },
        // Resource "*": none of these actions supports resource-level permissions (AWS's service authorization reference).
        { sid: channelSid, actions: [...channelActions], resources: ["*"] },
    ];
}

/**
 * What an on-premises managed node's SSM Agent needs here: register and report itself, run the inventory
 * association and send its inventory, and receive Run Command messages.
 */
export function managedNodeStatements(context: ManagedNodeContext, inventoryAssociationId: pulumi.Input<string>): PolicyStatement[] {
    const { partition, region, accountId } = context;
    // Registered servers are `mi-…` managed instances of this account and Region; their ids are not known ahead.
    const managedInstances = pulumi.interpolate`arn:${partition}:ssm:${region}:${accountId}:managed-instance/*`;
    const [register, channels] = agentStatements([managedInstances], SSM_AGENT_CHANNEL_ACTIONS, "InventoryAndRunCommandChannels");
    return [
        register,
        {
            sid: "RunInventoryAssociation",
            actions: ["ssm:DescribeAssociation", "ssm:UpdateInstanceAssociationStatus"],
            resources: [pulumi.interpolate`arn:${partition}:ssm:${region}:${accountId}:association/${inventoryAssociationId}`, managedInstances],
        },
        {
            sid: "ReadInventoryDocument",
            actions: ["ssm:GetDocument", "ssm:DescribeDocument"],
            resources: [pulumi.interpolate`arn:${partition}:ssm:${region}::document/${INVENTORY_DOCUMENT}`],
        },
        channels,
    ];
}

/**
 * What the SSM Agent of EC2 instances `instanceIds` (of this account and Region) needs to take Run Command (and
 * Session Manager) and nothing else: register and report itself, list its own associations, and the message channels.
 * No inventory, no parameters, no documents: Run Command delivers the document's content in the message.
 */
export function ec2ManagedNodeStatements(context: ManagedNodeContext, instanceIds: pulumi.Input<pulumi.Input<string>[]>): PolicyStatement[] {
    const instances = pulumi
        .all([context.partition, context.region, context.accountId, instanceIds])
        .apply(([partition, region, accountId, ids]) => [...new Set(ids)].sort().map((id) => `arn:${partition}:ec2:${region}:${accountId}:instance/${id}`));
    return agentStatements(instances, SSM_AGENT_RUN_COMMAND_ACTIONS, "RunCommandChannels");
}
