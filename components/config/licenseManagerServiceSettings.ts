import * as pulumi from "@pulumi/pulumi";
import { ManagedSettings, sdkClientFactory, serviceSettingsProvider } from "./serviceSettingsProvider";

export interface LicenseManagerServiceSettingsArgs {
    /** Region whose License Manager settings these are. Required (settings are regional). */
    region: pulumi.Input<string>;
    /** Link License Manager with AWS Organizations (OrganizationConfiguration.EnableIntegration). Default: not managed. */
    organizationIntegration?: pulumi.Input<boolean>;
    /** Discover resources in the organisation's member accounts (EnableCrossAccountsDiscovery). Default: not managed. */
    crossAccountDiscovery?: pulumi.Input<boolean>;
    /** Leave the settings as they are when this resource is deleted. Default false: restore what it changed. */
    keepSettingsOnDelete?: pulumi.Input<boolean>;
}

/**
 * The provider every LicenseManagerServiceSettings uses (one instance: Pulumi caches the serialized code per
 * provider object). Its clients use the SDK's default credential chain and AWS_ENDPOINT_URL_LICENSE_MANAGER.
 */
export const licenseManagerServiceSettingsProvider = serviceSettingsProvider(sdkClientFactory);

/**
 * License Manager's service settings of one Region, as a Pulumi resource (a dynamic provider: there is no
 * Pulumi or Terraform resource for them). Create records the current values and applies the wanted ones; delete
 * turns back what this resource changed (unless `keepSettingsOnDelete`), leaving alone anything changed by
 * someone else since. Registers as `pulumi-nodejs:dynamic:Resource`.
 *
 * It calls AWS with the credentials of whoever runs `pulumi up` (dynamic providers do not use the stack's AWS
 * provider), in the Region given here; they must belong to the Organizations management account (or License
 * Manager's delegated administrator) and allow license-manager:GetServiceSettings and UpdateServiceSettings.
 */
export class LicenseManagerServiceSettings extends pulumi.dynamic.Resource {
    declare public readonly region: pulumi.Output<string>;
    declare public readonly organizationIntegration: pulumi.Output<boolean | undefined>;
    declare public readonly crossAccountDiscovery: pulumi.Output<boolean | undefined>;
    declare public readonly keepSettingsOnDelete: pulumi.Output<boolean>;
    /** The values before this resource changed them: what delete restores. */
    declare public readonly previous: pulumi.Output<ManagedSettings>;

    constructor(name: string, args: LicenseManagerServiceSettingsArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            licenseManagerServiceSettingsProvider,
            name,
            {
                region: args.region,
                organizationIntegration: args.organizationIntegration,
                crossAccountDiscovery: args.crossAccountDiscovery,
                keepSettingsOnDelete: args.keepSettingsOnDelete ?? false,
                previous: undefined,
            },
            opts,
        );
    }
}
