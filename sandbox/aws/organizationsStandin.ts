/**
 * A local stand-in for the two AWS Organizations listings the hub's silence watch makes (JSON 1.1, target
 * AWSOrganizationsV20161128): ListAccountsForParent and ListOrganizationalUnitsForParent, paginated as AWS does.
 * The caller is the session its access key belongs to (the STS stand-in's AssumeRole), and `authorize` decides
 * with that role's policies on the parent's ARN; a key no AssumeRole issued is refused. The organisation itself
 * comes from `listing` (the scenario's model at the time of the call).
 */
import { AwsServiceError, JsonService, startJsonService } from "./awsJsonServer";
import type { StsStandin } from "./stsStandin";

export interface OrganizationListing {
    /** Whether `parentId` (`r-...` or `ou-...`) exists. */
    hasParent(parentId: string): boolean;
    /** The ARN of a parent, as IAM policies name it. */
    parentArn(parentId: string): string;
    accountsFor(parentId: string): Array<{ Id: string; Arn: string; Name: string; Email: string; Status: string }>;
    unitsFor(parentId: string): Array<{ Id: string; Arn: string; Name: string }>;
}

export interface OrganizationsStandin {
    endpoint: string;
    service: JsonService;
    /** The organisation the listings read; set before the first call. */
    listing?: OrganizationListing;
    /** Why the role may not make `action` on `resourceArn` (undefined: it may). Default: nobody may. */
    authorize: (roleArn: string, action: string, resourceArn: string) => Promise<string | undefined>;
    close(): Promise<void>;
}

/** Organizations' page sizes: MaxResults may ask for fewer, never more (ListAccountsForParent allows 20). */
const MAX_PAGE = 20;

export async function startOrganizationsStandin(sts: StsStandin, port = 0): Promise<OrganizationsStandin> {
    const standin = { authorize: async () => "no authorizer is configured" } as Omit<OrganizationsStandin, "endpoint" | "service" | "close"> as OrganizationsStandin;
    const list = (action: string, read: (listing: OrganizationListing, parentId: string) => unknown[], key: string) => async (input: { ParentId?: string; NextToken?: string; MaxResults?: number }, request: { headers: Record<string, unknown> }) => {
        const accessKeyId = /Credential=([A-Z0-9]+)\//.exec(String(request.headers.authorization ?? ""))?.[1] ?? "";
        const session = sts.sessionOf(accessKeyId);
        if (!session) throw new AwsServiceError("UnrecognizedClientException", "The security token included in the request is invalid.");
        const listing = standin.listing;
        if (!listing) throw new AwsServiceError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.");
        const parentId = String(input.ParentId ?? "");
        if (!listing.hasParent(parentId)) throw new AwsServiceError("ParentNotFoundException", `We can't find a root or OU with the ParentId ${parentId}.`);
        const denial = await standin.authorize(session.roleArn, `organizations:${action}`, listing.parentArn(parentId));
        if (denial) throw new AwsServiceError("AccessDeniedException", `${session.roleArn} is not authorized to perform organizations:${action} on ${listing.parentArn(parentId)} (${denial})`);
        const size = Math.min(MAX_PAGE, Number(input.MaxResults ?? MAX_PAGE));
        const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
        if (!Number.isInteger(start) || start < 0) throw new AwsServiceError("InvalidInputException", "NextToken is not one this service issued.");
        const all = read(listing, parentId);
        const next = start + size < all.length ? String(start + size) : undefined;
        return { [key]: all.slice(start, start + size), ...(next ? { NextToken: next } : {}) };
    };
    const service = await startJsonService(
        "AWSOrganizationsV20161128",
        {
            ListAccountsForParent: list("ListAccountsForParent", (l, p) => l.accountsFor(p), "Accounts"),
            ListOrganizationalUnitsForParent: list("ListOrganizationalUnitsForParent", (l, p) => l.unitsFor(p), "OrganizationalUnits"),
        },
        port,
    );
    return Object.assign(standin, { endpoint: service.endpoint, service, close: () => service.close() });
}
