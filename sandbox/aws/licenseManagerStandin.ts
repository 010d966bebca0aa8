import { AwsServiceError, JsonService, startJsonService } from "./awsJsonServer";

/** A license configuration as License Manager's GetLicenseConfiguration returns it (the fields the project uses). */
export interface StandinLicenseConfiguration {
    LicenseConfigurationArn: string;
    LicenseConfigurationId?: string;
    Name: string;
    Description?: string;
    LicenseCountingType: "vCPU" | "Instance" | "Core" | "Socket";
    LicenseCount?: number;
    LicenseCountHardLimit?: boolean;
    ConsumedLicenses?: number;
    Status?: string;
    LicenseRules?: string[];
    /** Automated discovery rules (UpdateLicenseConfiguration's ProductInformationList). */
    ProductInformationList?: unknown[];
}

export interface StandinUsage {
    ResourceArn: string;
    ResourceType: string;
    ResourceStatus?: string;
    ResourceOwnerId?: string;
    AssociationTime?: number;
    ConsumedLicenses?: number;
}

/** A license this account received (Marketplace or a vendor grant), as ListReceivedLicenses returns it. */
export interface StandinReceivedLicense {
    LicenseArn: string;
    LicenseName?: string;
    ProductName?: string;
    ProductSKU?: string;
    Issuer?: { Name: string };
    HomeRegion: string;
    Status?: string;
    Validity?: { Begin: string; End?: string };
    Entitlements?: Array<{ Name: string; MaxCount?: number; Unit: string }>;
    ReceivedMetadata?: { ReceivedStatus?: string };
    /** What GetLicenseUsage reports as consumed, by entitlement name (not part of the listing). */
    consumed?: Record<string, number>;
}

export interface LicenseManagerState {
    /** Configurations by ARN; the region is taken from the ARN. */
    configurations: Map<string, StandinLicenseConfiguration>;
    /** Usage rows by configuration ARN. */
    usage: Map<string, StandinUsage[]>;
    /** Service settings per region (GetServiceSettings / UpdateServiceSettings). */
    settings: Map<string, Record<string, unknown>>;
    /** Received licenses; ListReceivedLicenses in a region returns those whose HomeRegion is that region. */
    receivedLicenses: StandinReceivedLicense[];
    /** Page size used when the caller does not ask for one (small, so paging is exercised). */
    defaultPageSize: number;
}

export interface LicenseManagerStandin extends JsonService {
    state: LicenseManagerState;
    /** Region of each call, read from the SigV4 credential scope, in order. */
    regions: string[];
}

export function emptyLicenseManagerState(): LicenseManagerState {
    return { configurations: new Map(), usage: new Map(), settings: new Map(), receivedLicenses: [], defaultPageSize: 2 };
}

/**
 * A local stand-in for the AWS License Manager JSON API (target prefix AWSLicenseManager): configuration reads,
 * paginated usage and listing, received licenses with their usage, and service settings. One server answers for every region: regional clients all
 * point at it, and a call only sees configurations whose ARN names the region of the client that signed it.
 */
export async function startLicenseManagerStandin(state = emptyLicenseManagerState(), port = 0): Promise<LicenseManagerStandin> {
    const regions: string[] = [];
    // The JSON server hands operations only the body; the region of the current request is set just before.
    let currentRegion = "us-east-1";
    const regionOf = (arn: string) => arn.split(":")[3];
    const page = <T>(items: T[], input: { MaxResults?: number; NextToken?: string }) => {
        const start = input.NextToken ? Number(input.NextToken) : 0;
        if (!Number.isInteger(start) || start < 0 || start > items.length) throw new AwsServiceError("InvalidParameterValueException", "bad NextToken");
        const size = input.MaxResults ?? state.defaultPageSize;
        const end = start + size;
        return { items: items.slice(start, end), nextToken: end < items.length ? String(end) : undefined };
    };
    const configuration = (arn: string) => {
        const found = state.configurations.get(arn);
        if (!found || regionOf(arn) !== currentRegion) {
            throw new AwsServiceError("InvalidParameterValueException", `License configuration ${arn} not found`);
        }
        return found;
    };

    const service = await startJsonService(
        "AWSLicenseManager",
        {
            GetLicenseConfiguration(input: { LicenseConfigurationArn: string }) {
                const c = configuration(input.LicenseConfigurationArn);
                return { LicenseConfigurationId: c.LicenseConfigurationArn.split("/").pop(), Status: "AVAILABLE", ConsumedLicenses: 0, ...c };
            },
            UpdateLicenseConfiguration(input: { LicenseConfigurationArn: string; ProductInformationList?: unknown[] }) {
                const c = configuration(input.LicenseConfigurationArn);
                if (input.ProductInformationList !== undefined) c.ProductInformationList = input.ProductInformationList;
                return {};
            },
            ListUsageForLicenseConfiguration(input: { LicenseConfigurationArn: string; MaxResults?: number; NextToken?: string }) {
                configuration(input.LicenseConfigurationArn);
                const { items, nextToken } = page(state.usage.get(input.LicenseConfigurationArn) ?? [], input);
                return { LicenseConfigurationUsageList: items, NextToken: nextToken };
            },
            ListLicenseConfigurations(input: { LicenseConfigurationArns?: string[]; MaxResults?: number; NextToken?: string }) {
                const all = [...state.configurations.values()].filter(
                    (c) => regionOf(c.LicenseConfigurationArn) === currentRegion && (!input.LicenseConfigurationArns || input.LicenseConfigurationArns.includes(c.LicenseConfigurationArn)),
                );
                const { items, nextToken } = page(all, input);
                return { LicenseConfigurations: items.map((c) => ({ Status: "AVAILABLE", ConsumedLicenses: 0, ...c })), NextToken: nextToken };
            },
            ListReceivedLicenses(input: { MaxResults?: number; NextToken?: string }) {
                const inRegion = state.receivedLicenses.filter((l) => l.HomeRegion === currentRegion).map(({ consumed: _consumed, ...listed }) => listed);
                const { items, nextToken } = page(inRegion, input);
                return { Licenses: items, NextToken: nextToken };
            },
            GetLicenseUsage(input: { LicenseArn: string }) {
                const license = state.receivedLicenses.find((l) => l.LicenseArn === input.LicenseArn && l.HomeRegion === currentRegion);
                if (!license) throw new AwsServiceError("ResourceNotFoundException", `License ${input.LicenseArn} not found`);
                const EntitlementUsages = (license.Entitlements ?? []).map((e) => ({
                    Name: e.Name,
                    ConsumedValue: String(license.consumed?.[e.Name] ?? 0),
                    MaxCount: e.MaxCount === undefined ? undefined : String(e.MaxCount),
                    Unit: e.Unit,
                }));
                return { LicenseUsage: { EntitlementUsages } };
            },
            GetServiceSettings() {
                return { ...(state.settings.get(currentRegion) ?? {}) };
            },
            UpdateServiceSettings(input: Record<string, unknown>) {
                const current = { ...(state.settings.get(currentRegion) ?? {}) };
                if (input.S3BucketArn !== undefined) current.S3BucketArn = input.S3BucketArn;
                if (input.SnsTopicArn !== undefined) current.SnsTopicArn = input.SnsTopicArn;
                if (input.OrganizationConfiguration !== undefined) current.OrganizationConfiguration = input.OrganizationConfiguration;
                if (input.EnableCrossAccountsDiscovery !== undefined) current.EnableCrossAccountsDiscovery = input.EnableCrossAccountsDiscovery;
                state.settings.set(currentRegion, current);
                return {};
            },
        },
        port,
        (headers) => {
            const scope = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(headers.authorization ?? ""));
            currentRegion = scope?.[1] ?? "us-east-1";
            regions.push(currentRegion);
        },
    );
    return Object.assign(service, { state, regions });
}
