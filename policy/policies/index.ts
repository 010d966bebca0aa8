/** Every policy of the pack, one module per domain. */
import type { Policies } from "@pulumi/policy";
import { iamNoWildcardActions } from "./iamPolicies";
import { lambdaAsyncFailureDestination } from "./lambdaFailureHandling";
import { licenseHardLimit } from "./licenseConfigurations";
import { requiredTags } from "./requiredTags";
import { s3BucketEncryption, s3BucketPublicAccessBlock } from "./s3Buckets";
import { workbenchInstanceTags } from "./workbenchTags";

export const POLICIES: Policies = [
    workbenchInstanceTags,
    requiredTags,
    s3BucketEncryption,
    s3BucketPublicAccessBlock,
    iamNoWildcardActions,
    lambdaAsyncFailureDestination,
    licenseHardLimit,
];
