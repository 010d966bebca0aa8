/**
 * The membership reader (#22: an account moved out of a workbench OU is cleaned up): a role in the account the
 * StackSet is deployed from that the hub's silence watch, and only it, may assume to list the accounts of the
 * workbench OUs. The hub then releases the seats of an account that left them (LicenseServerHub
 * `membershipReaderRoleArn`). Read-only, limited to listing accounts and OUs of this organisation's OUs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { policyDocument } from "../shared/iam";

/** The reader's fixed name, so the hub's configuration can name it before the StackSet's stack is deployed. */
export function membershipReaderRoleName(namePrefix: string): string {
    return `${namePrefix}-workbench-membership-reader`;
}

export function membershipReaderRole(
    name: string,
    args: { namePrefix: pulumi.Input<string>; organizationId: pulumi.Input<string>; hubInventoryWatchRoleArn: pulumi.Input<string> },
    parent: pulumi.Resource,
): aws.iam.Role {
    const partition = aws.getPartitionOutput({}, { parent }).partition;
    const role = new aws.iam.Role(
        `${name}-membership-reader`,
        {
            name: pulumi.output(args.namePrefix).apply(membershipReaderRoleName),
            description: "Lists the workbench OUs' accounts for the license hub's silence watch (seats of departed accounts)",
            // Exactly the hub's watch role: an account-wide principal would let anyone in the hub account read the tree.
            assumeRolePolicy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{ Sid: "HubInventoryWatch", Effect: "Allow", Principal: { AWS: args.hubInventoryWatchRoleArn }, Action: "sts:AssumeRole" }],
            }),
            maxSessionDuration: 3600,
        },
        { parent },
    );
    new aws.iam.RolePolicy(
        `${name}-membership-reader`,
        {
            role: role.id,
            policy: policyDocument(
                [
                    {
                        sid: "ListWorkbenchOus",
                        actions: ["organizations:ListAccountsForParent", "organizations:ListOrganizationalUnitsForParent"],
                        // OU ARNs carry the management account's id; from a delegated administrator it is not ours.
                        resources: [pulumi.interpolate`arn:${partition}:organizations::*:ou/${args.organizationId}/ou-*`],
                    },
                ],
                `${name}: membership reader`,
            ),
        },
        { parent },
    );
    return role;
}
