import { OrganizationsClient, paginateListAccountsForParent, paginateListOrganizationalUnitsForParent } from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { OrganizationsPort } from "./membership";

/** Organizations' listings, every page (the SDK's paginators; the client retries throttling). */
export function organizationsPort(client: OrganizationsClient): OrganizationsPort {
    return {
        async accountsFor(parentId) {
            const accounts = [];
            for await (const page of paginateListAccountsForParent({ client }, { ParentId: parentId })) {
                for (const a of page.Accounts ?? []) if (a.Id) accounts.push({ id: a.Id, name: a.Name, status: a.Status });
            }
            return accounts;
        },
        async childOusOf(parentId) {
            const ous = [];
            for await (const page of paginateListOrganizationalUnitsForParent({ client }, { ParentId: parentId })) {
                for (const ou of page.OrganizationalUnits ?? []) if (ou.Id) ous.push(ou.Id);
            }
            return ous;
        },
    };
}

/**
 * An Organizations client acting as the management account's membership reader role: credentials from STS
 * AssumeRole, renewed by the SDK's credential provider contract when they near expiry. Organizations' endpoint
 * lives in us-east-1 (aws-us-gov: us-gov-west-1; aws-cn: cn-northwest-1): the region is the partition's.
 */
export function membershipReaderClient(roleArn: string, sts: STSClient, region: string): OrganizationsClient {
    let cached: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date } | undefined;
    return new OrganizationsClient({
        region,
        credentials: async () => {
            if (!cached || (cached.expiration && cached.expiration.getTime() - Date.now() < 5 * 60_000)) {
                const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "license-ops-membership", DurationSeconds: 900 }));
                if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
                cached = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
            }
            return cached;
        },
    });
}

/** The region of Organizations' endpoint in the partition of `roleArn`. */
export function organizationsRegion(roleArn: string): string {
    const partition = roleArn.split(":")[1];
    return partition === "aws-us-gov" ? "us-gov-west-1" : partition === "aws-cn" ? "cn-northwest-1" : "us-east-1";
}
