import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** Where a component is being deployed: used to build ARNs without hard-coding the `aws` partition. */
export interface AwsContext {
    partition: pulumi.Output<string>;
    region: pulumi.Output<string>;
    accountId: pulumi.Output<string>;
}

/** Looks up partition, region and account through the component's provider. */
export function awsContext(parent: pulumi.Resource): AwsContext {
    const opts = { parent };
    return {
        partition: aws.getPartitionOutput({}, opts).partition,
        region: aws.getRegionOutput({}, opts).region,
        accountId: aws.getCallerIdentityOutput({}, opts).accountId,
    };
}
