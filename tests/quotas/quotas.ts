/** AWS quotas the components touch (AWS documentation; /work/shared/REFERENCES.md), and how the quota tests report them. */
export const AWS_QUOTAS = {
    /** Lambda: environment variables, keys and values together. */
    lambdaEnvironmentBytes: 4 * 1024,
    /** EventBridge: an event bus's resource policy. */
    eventBusPolicyChars: 10_240,
    /** SSM: a document's content. */
    ssmDocumentBytes: 64 * 1024,
    /** IAM: a role's inline policies, all together (characters other than white space). */
    iamRoleInlinePolicyChars: 10_240,
    /** Organizations: a service control policy. */
    serviceControlPolicyChars: 5_120,
    /** DynamoDB: one item. */
    dynamoItemBytes: 400 * 1024,
    /** EventBridge: one PutEvents entry. */
    eventEntryBytes: 256 * 1024,
    /** S3: one PutObject (5 GB). */
    s3SinglePutBytes: 5 * 1024 ** 3,
} as const;

/** Lambda counts the environment as the UTF-8 bytes of its keys and values. */
export function lambdaEnvironmentBytes(variables: Record<string, unknown>): number {
    return Object.entries(variables).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(String(value ?? "")), 0);
}

/** Prints one measured size beside its quota, so `npm test` shows how close each resource is. */
export function reportSize(what: string, size: number, quota: number): void {
    const share = ((size / quota) * 100).toFixed(size / quota < 0.01 ? 2 : 1);
    console.log(`      ${what}: ${size.toLocaleString("en")} of ${quota.toLocaleString("en")} (${share}%)`);
}

/** IAM counts a policy's size in characters, white space left out. */
export function iamPolicyChars(policy: string): number {
    return policy.replace(/\s/g, "").length;
}
