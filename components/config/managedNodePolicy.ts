import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, SSM_AGENT_CHANNEL_ACTIONS } from "../shared/iam";

/** The Systems Manager document the inventory association runs (AWS-owned: its ARN has no account). */
export const INVENTORY_DOCUMENT = "AWS-GatherSoftwareInventory";

/**
 * What an on-premises managed node's SSM Agent needs here, derived from AWS's `AmazonSSMManagedInstanceCore` and
 * narrowed (#21 item 9): register and report itself, run the inventory association and send its inventory, and
 * receive Run Command messages. Dropped from the managed policy: `ssm:GetParameter`/`GetParameters` on `*` (every
 * parameter of the governance account), Distributor (`GetManifest`, `PutConfigurePackageResult`), Patch Manager
 * (`GetDeployablePatchSnapshotForInstance`, `PutComplianceItems`), `ListAssociations` (every association of the
 * account; the agent lists its own with `ListInstanceAssociations`) and `UpdateAssociationStatus` (the legacy call).
 */
export function managedNodeStatements(
    context: { partition: pulumi.Input<string>; region: pulumi.Input<string>; accountId: pulumi.Input<string> },
    inventoryAssociationId: pulumi.Input<string>,
): PolicyStatement[] {
    const { partition, region, accountId } = context;
    // Registered servers are `mi-…` managed instances of this account and Region; their ids are not known ahead.
    const managedInstances = pulumi.interpolate`arn:${partition}:ssm:${region}:${accountId}:managed-instance/*`;
    return [
        {
            sid: "RegisterAndListOwnAssociations",
            actions: ["ssm:UpdateInstanceInformation", "ssm:ListInstanceAssociations"],
            resources: [managedInstances],
        },
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
        {
            // Resource "*": none of these actions supports resource-level permissions (AWS's service authorization
            // reference); PutInventory sends the inventory, the message channels carry Run Command.
            sid: "InventoryAndRunCommandChannels",
            actions: [...SSM_AGENT_CHANNEL_ACTIONS],
            resources: ["*"],
        },
    ];
}
