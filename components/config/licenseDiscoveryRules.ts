import * as pulumi from "@pulumi/pulumi";
import type { ProductInformation } from "@aws-sdk/client-license-manager";
import { DiscoveredProduct, discoveryRulesProvider, sdkClientFactory } from "./discoveryRulesProvider";

export interface LicenseDiscoveryRulesArgs {
    /** The license configuration whose automated discovery rules these are. Required. */
    licenseConfigurationArn: pulumi.Input<string>;
    /** Software to count on Systems Manager managed nodes (on-premises included), one rule per product. Required, at least one. */
    products: pulumi.Input<pulumi.Input<DiscoveredProduct>[]>;
    /** Leave the rules in place when this resource is deleted. Default false: restore the rules from before. */
    keepOnDelete?: pulumi.Input<boolean>;
}

/** The provider every LicenseDiscoveryRules uses (one instance: Pulumi caches the serialized code per provider object). */
export const licenseDiscoveryRulesProvider = discoveryRulesProvider(sdkClientFactory);

/**
 * A license configuration's automated discovery rules (License Manager's product information for `SSM_MANAGED`
 * resources): License Manager then counts the named software wherever Systems Manager inventory finds it, on EC2 and
 * on on-premises servers registered through a hybrid activation. A dynamic resource (no Pulumi or Terraform
 * property exists); like LicenseManagerServiceSettings it calls AWS with the credentials of whoever runs `pulumi up`,
 * which need license-manager:GetLicenseConfiguration and UpdateLicenseConfiguration on the configuration.
 */
export class LicenseDiscoveryRules extends pulumi.dynamic.Resource {
    declare public readonly licenseConfigurationArn: pulumi.Output<string>;
    declare public readonly products: pulumi.Output<DiscoveredProduct[]>;
    /** The rules before this resource set them: what delete restores. */
    declare public readonly previous: pulumi.Output<ProductInformation[]>;

    constructor(name: string, args: LicenseDiscoveryRulesArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            licenseDiscoveryRulesProvider,
            name,
            { licenseConfigurationArn: args.licenseConfigurationArn, products: args.products, keepOnDelete: args.keepOnDelete ?? false, previous: undefined },
            opts,
        );
    }
}
