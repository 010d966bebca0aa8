/**
 * Provider logic of LicenseDiscoveryRules, a Pulumi dynamic resource for a license configuration's automated
 * discovery rules (ProductInformationList of UpdateLicenseConfiguration): the software License Manager counts on
 * Systems Manager managed nodes, on-premises servers included, from their software inventory. Neither Pulumi nor
 * Terraform has a property for it.
 *
 * Pulumi serializes a dynamic provider's code into the stack state and runs it in its own process, so this file has
 * no runtime imports (the SDK is required inside the functions) and types are imported with `import type` only.
 */
import type { GetLicenseConfigurationCommandOutput, LicenseManagerClient, ProductInformation } from "@aws-sdk/client-license-manager";
import type * as dynamic from "@pulumi/pulumi/dynamic";

/** One product to count on managed nodes: every given field must match the node's inventory (AND). */
export interface DiscoveredProduct {
    /** Inventory "Application Name", e.g. `Oracle Database 19c Enterprise Edition`. Required. */
    applicationName: string;
    /** Inventory "Application Publisher". Default: any. */
    applicationPublisher?: string;
    /** Inventory "Application Version". Default: any. */
    applicationVersion?: string;
    /** Inventory "Platform Name", e.g. `Microsoft Windows Server 2022 Datacenter`. Default: any. */
    platformName?: string;
}

export interface DiscoveryRulesInputs {
    /** The license configuration whose discovery rules these are. */
    licenseConfigurationArn: string;
    /** What to count; each product is one rule (rules are alternatives, OR). At least one. */
    products: DiscoveredProduct[];
    /** Leave the rules in place when this resource is deleted. Default false: put back what was there before. */
    keepOnDelete?: boolean;
}

export interface DiscoveryRulesOutputs extends DiscoveryRulesInputs {
    /** The configuration's rules before this resource first set them: what delete restores. */
    previous: ProductInformation[];
}

export type LicenseManagerClientFactory = (region: string) => LicenseManagerClient;

const CONFIGURATION_ARN = /^arn:aws[a-z-]*:license-manager:([a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:license-configuration:lic-[0-9a-f]{32}$/;
/** Inventory values are free text, sent as data (never parsed or run): printable, bounded. */
const FILTER_VALUE = /^[^\u0000-\u001f]{1,256}$/;
const FILTER_NAMES: Record<keyof DiscoveredProduct, string> = {
    applicationName: "Application Name",
    applicationPublisher: "Application Publisher",
    applicationVersion: "Application Version",
    platformName: "Platform Name",
};

export function regionOfConfiguration(arn: string): string {
    return CONFIGURATION_ARN.exec(arn)?.[1] ?? "";
}

/** Validation for `check`: the failures Pulumi shows before anything runs. */
export function discoveryRulesCheckFailures(inputs: Partial<DiscoveryRulesInputs>): dynamic.CheckFailure[] {
    const failures: dynamic.CheckFailure[] = [];
    if (typeof inputs.licenseConfigurationArn !== "string" || !CONFIGURATION_ARN.test(inputs.licenseConfigurationArn)) {
        failures.push({ property: "licenseConfigurationArn", reason: `"${String(inputs.licenseConfigurationArn)}" is not a license configuration ARN` });
    }
    if (!Array.isArray(inputs.products) || inputs.products.length === 0) {
        failures.push({ property: "products", reason: "name at least one product (applicationName) to count" });
        return failures;
    }
    inputs.products.forEach((product, i) => {
        for (const key of Object.keys(product ?? {})) {
            if (!(key in FILTER_NAMES)) failures.push({ property: `products[${i}].${key}`, reason: `unknown field; use ${Object.keys(FILTER_NAMES).join(", ")}` });
        }
        for (const [key, value] of Object.entries(product ?? {})) {
            if (key in FILTER_NAMES && (typeof value !== "string" || !FILTER_VALUE.test(value))) {
                failures.push({ property: `products[${i}].${key}`, reason: "must be 1-256 printable characters" });
            }
        }
        if (typeof product?.applicationName !== "string") failures.push({ property: `products[${i}].applicationName`, reason: "is required" });
    });
    return failures;
}

/** The API form: one SSM_MANAGED rule per product, every given field an EQUALS filter. */
export function productInformationList(products: readonly DiscoveredProduct[]): ProductInformation[] {
    return products.map((product) => ({
        ResourceType: "SSM_MANAGED",
        ProductInformationFilterList: (Object.keys(FILTER_NAMES) as Array<keyof DiscoveredProduct>)
            .filter((key) => product[key] !== undefined)
            .map((key) => ({ ProductInformationFilterName: FILTER_NAMES[key], ProductInformationFilterValue: [product[key]!], ProductInformationFilterComparator: "EQUALS" })),
    }));
}

/** JSON with object keys sorted: the service may return fields in another order than they were sent. */
function canonical(value: unknown): string {
    return JSON.stringify(value, (_key, v: unknown) =>
        v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
    );
}

const sameRules = (a: readonly ProductInformation[], b: readonly ProductInformation[]) => canonical(a) === canonical(b);

/** Create, update, delete and read of one configuration's rules; each write is skipped when nothing differs. */
export class DiscoveryRulesLogic {
    constructor(private readonly clientFor: LicenseManagerClientFactory) {}

    async current(arn: string): Promise<ProductInformation[]> {
        const { GetLicenseConfigurationCommand } = require("@aws-sdk/client-license-manager");
        const configuration: GetLicenseConfigurationCommandOutput = await this.clientFor(regionOfConfiguration(arn)).send(
            new GetLicenseConfigurationCommand({ LicenseConfigurationArn: arn }),
        );
        return configuration.ProductInformationList ?? [];
    }

    /** Writes `target` unless it is already there; returns whether it wrote. */
    async apply(arn: string, current: ProductInformation[], target: ProductInformation[]): Promise<boolean> {
        if (sameRules(current, target)) return false;
        const { UpdateLicenseConfigurationCommand } = require("@aws-sdk/client-license-manager");
        await this.clientFor(regionOfConfiguration(arn)).send(new UpdateLicenseConfigurationCommand({ LicenseConfigurationArn: arn, ProductInformationList: target }));
        return true;
    }

    async create(inputs: DiscoveryRulesInputs): Promise<dynamic.CreateResult<DiscoveryRulesOutputs>> {
        const previous = await this.current(inputs.licenseConfigurationArn);
        await this.apply(inputs.licenseConfigurationArn, previous, productInformationList(inputs.products));
        return { id: `${inputs.licenseConfigurationArn}/discovery-rules`, outs: { ...inputs, previous } };
    }

    async update(olds: DiscoveryRulesOutputs, news: DiscoveryRulesInputs): Promise<dynamic.UpdateResult<DiscoveryRulesOutputs>> {
        const current = await this.current(news.licenseConfigurationArn);
        await this.apply(news.licenseConfigurationArn, current, productInformationList(news.products));
        return { outs: { ...news, previous: olds.previous } };
    }

    /** Puts back the rules from before, unless kept or someone changed the rules since (then they are theirs). */
    async delete(props: DiscoveryRulesOutputs): Promise<boolean> {
        if (props.keepOnDelete) return false;
        const current = await this.current(props.licenseConfigurationArn);
        if (!sameRules(current, productInformationList(props.products))) return false;
        return this.apply(props.licenseConfigurationArn, current, props.previous ?? []);
    }

    /** Refresh: live rules that differ from the program's show up as a diff (products rebuilt only when they still match). */
    async read(id: string, props: DiscoveryRulesOutputs): Promise<dynamic.ReadResult<DiscoveryRulesOutputs>> {
        const current = await this.current(props.licenseConfigurationArn);
        if (sameRules(current, productInformationList(props.products))) return { id, props };
        return { id, props: { ...props, products: [] } };
    }
}

/** The real client: the credentials of whoever runs `pulumi up`, in the configuration's Region. */
export function sdkClientFactory(region: string): LicenseManagerClient {
    const { LicenseManagerClient } = require("@aws-sdk/client-license-manager");
    return new LicenseManagerClient({ region });
}

/** A dynamic provider around DiscoveryRulesLogic with the given client factory. */
export function discoveryRulesProvider(clientFor: LicenseManagerClientFactory): dynamic.ResourceProvider<DiscoveryRulesInputs, DiscoveryRulesOutputs> {
    return {
        async check(_olds, news) {
            const failures = discoveryRulesCheckFailures(news);
            return failures.length > 0 ? { failures } : { inputs: news };
        },
        async diff(_id, olds, news) {
            const replaces = olds.licenseConfigurationArn !== news.licenseConfigurationArn ? ["licenseConfigurationArn"] : [];
            const changes = replaces.length > 0 || !sameRules(productInformationList(olds.products), productInformationList(news.products)) || (olds.keepOnDelete ?? false) !== (news.keepOnDelete ?? false);
            return { changes, replaces, deleteBeforeReplace: true };
        },
        async create(inputs) {
            return new DiscoveryRulesLogic(clientFor).create(inputs);
        },
        async update(_id, olds, news) {
            return new DiscoveryRulesLogic(clientFor).update(olds, news);
        },
        async delete(_id, props) {
            await new DiscoveryRulesLogic(clientFor).delete(props);
        },
        async read(id, props) {
            return new DiscoveryRulesLogic(clientFor).read(id, props as DiscoveryRulesOutputs);
        },
    };
}
