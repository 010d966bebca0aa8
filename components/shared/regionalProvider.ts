import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/**
 * An AWS provider for another region of the same account and credentials. An explicit provider does not inherit the
 * stack's `aws:*` settings the default provider reads, so the ones that must not be lost are copied: default tags
 * (cost allocation and the policy pack's required tags), allowed / forbidden account ids (the guard against
 * deploying into the wrong account), and the profile and assumed role the credentials come from.
 */
export function regionalProvider(name: string, region: string, opts: pulumi.CustomResourceOptions): aws.Provider {
    const config = new pulumi.Config("aws");
    return new aws.Provider(
        name,
        {
            region: region as aws.Region,
            defaultTags: config.getObject<aws.types.input.ProviderDefaultTags>("defaultTags"),
            allowedAccountIds: config.getObject<string[]>("allowedAccountIds"),
            forbiddenAccountIds: config.getObject<string[]>("forbiddenAccountIds"),
            profile: config.get("profile"),
            assumeRoles: config.getObject<aws.types.input.ProviderAssumeRole[]>("assumeRoles"),
        },
        opts,
    );
}
