/** Every policy of the pack, one module per domain. */
import type { Policies } from "@pulumi/policy";
import { dynamodbTableProtection, kmsKeyRotation, snsTopicEncryption, sqsQueueEncryption, tlsOnlyResourcePolicy } from "./encryption";
import { iamNoAdminAccess, noPublicResourcePolicy } from "./iamAccess";
import { iamNoWildcardActions } from "./iamPolicies";
import { iamAwsReference, iamNoWildcardResource } from "./iamReference";
import { lambdaAsyncFailureDestination } from "./lambdaFailureHandling";
import { lambdaReservedConcurrency, lambdaSupportedRuntime } from "./lambdaSettings";
import { licenseHardLimit } from "./licenseConfigurations";
import { logGroupRetention, s3BucketAccessLogging } from "./logging";
import { requiredTags } from "./requiredTags";
import { s3BucketEncryption, s3BucketPublicAccessBlock } from "./s3Buckets";
import { workbenchInstanceTags } from "./workbenchTags";

export const POLICIES: Policies = [
    workbenchInstanceTags,
    requiredTags,
    s3BucketEncryption,
    s3BucketPublicAccessBlock,
    s3BucketAccessLogging,
    iamNoWildcardActions,
    iamNoAdminAccess,
    iamAwsReference,
    iamNoWildcardResource,
    noPublicResourcePolicy,
    sqsQueueEncryption,
    snsTopicEncryption,
    tlsOnlyResourcePolicy,
    kmsKeyRotation,
    dynamodbTableProtection,
    logGroupRetention,
    lambdaAsyncFailureDestination,
    lambdaSupportedRuntime,
    lambdaReservedConcurrency,
    licenseHardLimit,
];
