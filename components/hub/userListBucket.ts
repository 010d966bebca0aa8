import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { USER_LIST_PREFIX } from "../../functions/hub-shared/userList";
import { PolicyStatement } from "../shared/iam";
import { S3_ACCESS_LOGGING_EXEMPTION_TAG, noAccessLogsReason } from "../shared/policyExemptions";

/** Days a user list object is kept; each is installed within minutes of being written. */
export const USER_LIST_RETENTION_DAYS = 30;

export interface UserListBucket {
    bucket: aws.s3.Bucket;
    /** Statements a license server's instance role needs to download lists with aws:downloadContent. */
    licenseServerStatements: PolicyStatement[];
}

/**
 * The private bucket the sync writes user lists to: public access blocked, bucket-owner objects only, SSE-S3
 * encryption, TLS-only, lists expired after a month.
 */
export function userListBucket(name: string, parent: pulumi.Resource): UserListBucket {
    const opts = { parent };
    const bucket = new aws.s3.Bucket(
        name,
        { forceDestroy: false, tags: { [S3_ACCESS_LOGGING_EXEMPTION_TAG]: noAccessLogsReason("the hub sync and the license server roles") } },
        opts,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
        name,
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        opts,
    );
    new aws.s3.BucketOwnershipControls(name, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(
        name,
        { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        opts,
    );
    new aws.s3.BucketLifecycleConfiguration(
        name,
        {
            bucket: bucket.id,
            rules: [
                {
                    id: "expire-user-lists",
                    status: "Enabled",
                    filter: { prefix: USER_LIST_PREFIX },
                    expiration: { days: USER_LIST_RETENTION_DAYS },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                },
            ],
        },
        opts,
    );
    new aws.s3.BucketPolicy(
        name,
        {
            bucket: bucket.id,
            policy: bucket.arn.apply((arn) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "DenyInsecureTransport",
                            Effect: "Deny",
                            Principal: "*",
                            Action: "s3:*",
                            Resource: [arn, `${arn}/*`],
                            Condition: { Bool: { "aws:SecureTransport": "false" } },
                        },
                    ],
                }),
            ),
        },
        // S3 refuses bucket policies while the public access block is being created.
        { parent, dependsOn: [publicAccess] },
    );
    return {
        bucket,
        licenseServerStatements: [
            { sid: "DownloadUserLists", actions: ["s3:GetObject"], resources: [pulumi.interpolate`${bucket.arn}/${USER_LIST_PREFIX}*`] },
            // aws:downloadContent lists the key's prefix before it downloads.
            {
                sid: "ListUserLists",
                actions: ["s3:ListBucket"],
                resources: [bucket.arn],
                conditions: { StringLike: { "s3:prefix": [`${USER_LIST_PREFIX}*`] } },
            },
        ],
    };
}
