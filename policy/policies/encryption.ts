/**
 * Data encrypted at rest and in transit, for the resource types our components create (Security Hub SQS.1, SNS.1,
 * KMS.4, DynamoDB.2/.6, S3.5; AWSGuard's dynamodb-table-encryption-enabled and kms-key-rotation):
 * queues with SSE, topics with a KMS key, symmetric KMS keys rotating, DynamoDB tables encrypted, with
 * point-in-time recovery and deletion protection, and queues, topics and buckets refusing requests without TLS.
 */
import type { ReportViolation, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { DEFAULT_ENFORCEMENT, POLICY } from "../config";
import { Statement, hasPublicPrincipal, parsePolicyDocument, policyDocumentsOf } from "../lib/policyDocuments";
import { Resolved, referenceOf, resolve } from "../lib/references";
import { asList, isRecord, isUnknown, known, nonEmptyString } from "../lib/values";

const QUEUE = "aws:sqs/queue:Queue";
const TOPIC = "aws:sns/topic:Topic";
const KEY = "aws:kms/key:Key";
const TABLE = "aws:dynamodb/table:Table";
const BUCKET = "aws:s3/bucket:Bucket";

export const sqsQueueEncryption: ResourceValidationPolicy = {
    name: POLICY.sqsEncryption,
    description: "SQS queues are encrypted at rest (SSE-SQS or a KMS key).",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.sqsEncryption],
    validateResource: (args, report) => {
        if (args.type !== QUEUE) return;
        const p = known(args.props) as Record<string, unknown>;
        if (p.sqsManagedSseEnabled === true || isUnknown(p.sqsManagedSseEnabled) || nonEmptyString(p.kmsMasterKeyId) !== undefined) return;
        report("The queue is not encrypted at rest: set sqsManagedSseEnabled: true or a kmsMasterKeyId.");
    },
};

export const snsTopicEncryption: ResourceValidationPolicy = {
    name: POLICY.snsEncryption,
    description: "SNS topics are encrypted at rest with a KMS key.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.snsEncryption],
    validateResource: (args, report) => {
        if (args.type !== TOPIC) return;
        if (nonEmptyString((known(args.props) as Record<string, unknown>).kmsMasterKeyId) !== undefined) return;
        report("The topic is not encrypted at rest: set kmsMasterKeyId (a customer managed key lets CloudWatch alarms publish).");
    },
};

export const kmsKeyRotation: ResourceValidationPolicy = {
    name: POLICY.kmsRotation,
    description: "Symmetric encryption KMS keys rotate their key material.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.kmsRotation],
    validateResource: (args, report) => {
        if (args.type !== KEY) return;
        const p = known(args.props) as Record<string, unknown>;
        // Only symmetric ENCRYPT_DECRYPT keys can rotate automatically; asymmetric and HMAC keys cannot.
        const spec = p.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
        const usage = p.keyUsage ?? "ENCRYPT_DECRYPT";
        if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT" || p.enableKeyRotation === true || isUnknown(p.enableKeyRotation)) return;
        report("The key does not rotate: set enableKeyRotation: true.");
    },
};

export const dynamodbTableProtection: ResourceValidationPolicy = {
    name: POLICY.dynamodbProtection,
    description: "DynamoDB tables are encrypted with KMS, have point-in-time recovery and deletion protection.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.dynamodbProtection],
    validateResource: (args, report) => {
        if (args.type !== TABLE) return;
        const p = known(args.props) as Record<string, any>;
        const missing: string[] = [];
        if (!enabled(p.serverSideEncryption)) missing.push("serverSideEncryption.enabled (KMS)");
        if (!enabled(p.pointInTimeRecovery)) missing.push("pointInTimeRecovery.enabled");
        if (p.deletionProtectionEnabled !== true && !isUnknown(p.deletionProtectionEnabled)) missing.push("deletionProtectionEnabled");
        if (missing.length > 0) report(`The table must set ${missing.join(", ")} to true.`);
    },
};

function enabled(block: unknown): boolean {
    return isUnknown(block) || (isRecord(block) && (block.enabled === true || isUnknown(block.enabled)));
}

export const tlsOnlyResourcePolicy: StackValidationPolicy = {
    name: POLICY.tlsOnly,
    description: "SQS queues, SNS topics and S3 buckets deny every request made without TLS (aws:SecureTransport).",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.tlsOnly],
    validateStack: validateTlsOnly,
};

/** Per protected type: its service prefix, its policy resources and the property naming the protected resource. */
const PROTECTED = [
    { type: QUEUE, service: "sqs", what: "queue", policyType: "aws:sqs/queuePolicy:QueuePolicy", key: "queueUrl", identities: ["id", "url", "arn"] },
    { type: TOPIC, service: "sns", what: "topic", policyType: "aws:sns/topicPolicy:TopicPolicy", key: "arn", identities: ["id", "arn"] },
    { type: BUCKET, service: "s3", what: "bucket", policyType: "aws:s3/bucketPolicy:BucketPolicy", key: "bucket", identities: ["id", "bucket"] },
] as const;

export function validateTlsOnly(args: StackValidationArgs, reportViolation: ReportViolation): void {
    for (const kind of PROTECTED) {
        const targets = resolve(args.resources, [kind.type]);
        const policies = resolve(args.resources, [kind.policyType]).map((holder) => ({ holder, ref: referenceOf(holder, kind.key, [kind.type]) }));
        const lenient = policies.some((p) => p.ref.kind === "unattributable" && deniesInsecureTransport(p.holder, kind.service));
        for (const target of targets) {
            const names = new Set(kind.identities.map((k) => target.props[k]).filter((v): v is string => typeof v === "string" && v !== ""));
            const own = deniesInsecureTransport(target, kind.service);
            const attached = policies.some(
                ({ holder, ref }) =>
                    ((ref.kind === "resource" && ref.urn === target.resource.urn) || (ref.kind === "value" && names.has(ref.value))) &&
                    deniesInsecureTransport(holder, kind.service),
            );
            if (own || attached || lenient) continue;
            reportViolation(
                `The ${kind.what} ${target.resource.name} accepts requests without TLS: give it a policy statement that denies ${kind.service}:* to "*" when aws:SecureTransport is "false".`,
                target.resource.urn,
            );
        }
    }
}

/** Whether a resource's own policy document denies every action of `service` without TLS (unknown counts as yes). */
function deniesInsecureTransport(holder: Resolved, service: string): boolean {
    return policyDocumentsOf(holder.resource.type, holder.props).some(({ document }) => {
        const parsed = parsePolicyDocument(document);
        if (parsed === "unknown") return true;
        return "statements" in parsed && parsed.statements.some((s) => isTlsDeny(s, service));
    });
}

/**
 * Actions a TLS deny must cover, lower case: the whole service, or for SNS the publishing AWS's own example denies
 * (docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html, "Enforce encryption of data in transit").
 */
const TLS_DENY_ACTIONS: Record<string, string[]> = { sqs: ["sqs:*"], s3: ["s3:*"], sns: ["sns:*", "sns:publish"] };

function isTlsDeny(statement: Statement, service: string): boolean {
    if (statement.Effect !== "Deny" || !hasPublicPrincipal(statement)) return false;
    const denied = asList(statement.Action).map((a) => (typeof a === "string" ? a.toLowerCase() : ""));
    if (!denied.some((a) => a === "*" || TLS_DENY_ACTIONS[service].includes(a))) return false;
    const bool = isRecord(statement.Condition) ? statement.Condition.Bool : undefined;
    const value = isRecord(bool) ? bool["aws:SecureTransport"] : undefined;
    return asList(value).some((v) => v === "false" || v === false);
}
