import { expect } from "chai";
import { dynamodbTableProtection, kmsKeyRotation, snsTopicEncryption, sqsQueueEncryption, tlsOnlyResourcePolicy } from "../../policy/policies/encryption";
import { UNKNOWN_STRING, checkResource, checkStack, stackResource } from "./policyArgs";

const QUEUE_ARN = "arn:aws:sqs:eu-central-1:111111111111:failures";
const QUEUE_URL = "https://sqs.eu-central-1.amazonaws.com/111111111111/failures";
const TOPIC_ARN = "arn:aws:sns:eu-central-1:111111111111:alerts";
const document = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const tlsDeny = (Action: string | string[], value: unknown = "false") => ({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action,
    Resource: "*",
    Condition: { Bool: { "aws:SecureTransport": value } },
});
const messages = async (policy: typeof sqsQueueEncryption, type: string, props: Record<string, unknown>) => (await checkResource(policy, { type, props })).map((v) => v.message);

describe("policy sqs-queue-encryption", () => {
    it("passes SSE-SQS and KMS queues", async () => {
        expect(await messages(sqsQueueEncryption, "aws:sqs/queue:Queue", { sqsManagedSseEnabled: true })).to.be.empty;
        expect(await messages(sqsQueueEncryption, "aws:sqs/queue:Queue", { kmsMasterKeyId: "alias/aws/sqs" })).to.be.empty;
    });
    it("reports an unencrypted queue", async () => {
        expect(await messages(sqsQueueEncryption, "aws:sqs/queue:Queue", { messageRetentionSeconds: 60 })).to.deep.equal([
            "The queue is not encrypted at rest: set sqsManagedSseEnabled: true or a kmsMasterKeyId.",
        ]);
        expect(await messages(sqsQueueEncryption, "aws:sqs/queue:Queue", { sqsManagedSseEnabled: false })).to.have.length(1);
    });
});

describe("policy sns-topic-encryption", () => {
    it("passes a topic with a KMS key, even one unknown during preview", async () => {
        expect(await messages(snsTopicEncryption, "aws:sns/topic:Topic", { kmsMasterKeyId: "arn:aws:kms:eu-central-1:111111111111:key/k" })).to.be.empty;
        expect(await messages(snsTopicEncryption, "aws:sns/topic:Topic", { kmsMasterKeyId: UNKNOWN_STRING })).to.be.empty;
    });
    it("reports a topic without KMS", async () => {
        expect(await messages(snsTopicEncryption, "aws:sns/topic:Topic", { displayName: "x" })).to.have.length(1);
    });
});

describe("policy kms-key-rotation", () => {
    it("passes a rotating symmetric key, and asymmetric keys that cannot rotate", async () => {
        expect(await messages(kmsKeyRotation, "aws:kms/key:Key", { enableKeyRotation: true })).to.be.empty;
        expect(await messages(kmsKeyRotation, "aws:kms/key:Key", { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" })).to.be.empty;
    });
    it("reports a symmetric key without rotation", async () => {
        expect(await messages(kmsKeyRotation, "aws:kms/key:Key", { description: "k" })).to.deep.equal(["The key does not rotate: set enableKeyRotation: true."]);
        expect(await messages(kmsKeyRotation, "aws:kms/key:Key", { enableKeyRotation: false })).to.have.length(1);
    });
});

describe("policy dynamodb-table-protection", () => {
    const table = { hashKey: "pk", serverSideEncryption: { enabled: true }, pointInTimeRecovery: { enabled: true }, deletionProtectionEnabled: true };
    it("passes an encrypted, recoverable, deletion-protected table", async () => {
        expect(await messages(dynamodbTableProtection, "aws:dynamodb/table:Table", table)).to.be.empty;
    });
    it("names each missing protection", async () => {
        expect(await messages(dynamodbTableProtection, "aws:dynamodb/table:Table", { hashKey: "pk" })).to.deep.equal([
            "The table must set serverSideEncryption.enabled (KMS), pointInTimeRecovery.enabled, deletionProtectionEnabled to true.",
        ]);
        expect(await messages(dynamodbTableProtection, "aws:dynamodb/table:Table", { ...table, pointInTimeRecovery: { enabled: false } })).to.deep.equal([
            "The table must set pointInTimeRecovery.enabled to true.",
        ]);
    });
});

describe("policy tls-only-resource-policy", () => {
    const queue = () => stackResource({ type: "aws:sqs/queue:Queue", name: "failures", props: { id: QUEUE_URL, url: QUEUE_URL, arn: QUEUE_ARN } });
    const queuePolicy = (policy: unknown, queueUrl: unknown = QUEUE_URL) => stackResource({ type: "aws:sqs/queuePolicy:QueuePolicy", name: "failures", props: { queueUrl, policy } });
    const topic = (props: object = {}) => stackResource({ type: "aws:sns/topic:Topic", name: "alerts", props: { id: TOPIC_ARN, arn: TOPIC_ARN, ...props } });
    const bucket = () => stackResource({ type: "aws:s3/bucket:Bucket", name: "reports", props: { id: "reports-1", bucket: "reports-1" } });
    const bucketPolicy = (policy: string) => stackResource({ type: "aws:s3/bucketPolicy:BucketPolicy", name: "reports", props: { bucket: "reports-1", policy } });

    it("passes a queue, topic and bucket whose policy denies requests without TLS", async () => {
        expect(await checkStack(tlsOnlyResourcePolicy, [queue(), queuePolicy(document(tlsDeny("sqs:*")))])).to.be.empty;
        expect(await checkStack(tlsOnlyResourcePolicy, [topic({ policy: document(tlsDeny(["sns:Publish", "sns:Subscribe"])) })])).to.be.empty;
        expect(await checkStack(tlsOnlyResourcePolicy, [bucket(), bucketPolicy(document(tlsDeny("s3:*", false)))])).to.be.empty;
    });

    it("reports an unencrypted-in-transit queue, topic and bucket", async () => {
        const violations = await checkStack(tlsOnlyResourcePolicy, [queue(), topic(), bucket()]);
        expect(violations.map((v) => v.message)).to.deep.equal([
            'The queue failures accepts requests without TLS: give it a policy statement that denies sqs:* to "*" when aws:SecureTransport is "false".',
            'The topic alerts accepts requests without TLS: give it a policy statement that denies sns:* to "*" when aws:SecureTransport is "false".',
            'The bucket reports accepts requests without TLS: give it a policy statement that denies s3:* to "*" when aws:SecureTransport is "false".',
        ]);
    });

    it("does not count a deny of some actions only, or a policy of another queue", async () => {
        expect(await checkStack(tlsOnlyResourcePolicy, [queue(), queuePolicy(document(tlsDeny("sqs:SendMessage")))])).to.have.length(1);
        expect(await checkStack(tlsOnlyResourcePolicy, [queue(), queuePolicy(document(tlsDeny("sqs:*")), "https://sqs.eu-central-1.amazonaws.com/111111111111/other")])).to.have.length(1);
        expect(await checkStack(tlsOnlyResourcePolicy, [queue(), queuePolicy(document({ ...tlsDeny("sqs:*"), Condition: { Bool: { "aws:SecureTransport": "true" } } }))])).to.have.length(1);
    });

    it("is lenient while a policy's queue is unknown during preview", async () => {
        expect(await checkStack(tlsOnlyResourcePolicy, [queue(), queuePolicy(document(tlsDeny("sqs:*")), UNKNOWN_STRING)])).to.be.empty;
    });
});
