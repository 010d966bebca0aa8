/**
 * Tags exempting one resource from one rule of our policy pack (policy/lib/exemptions.ts; the pack is published on
 * its own, so the key is spelled here again and tests/policy/selfContained.test.ts keeps the two equal). The value
 * is the reason, shown to reviewers and auditors; AWS allows only letters, digits, spaces and `_ . : / = + - @`.
 */
export const S3_ACCESS_LOGGING_EXEMPTION_TAG = "licensing:exempt:s3-bucket-access-logging";

/** Why our private buckets log no server access: a log bucket per stack costs more than it tells here. */
export function noAccessLogsReason(readers: string): string {
    return `Private bucket reached only by ${readers}. Server access logs would need a log bucket per stack: use CloudTrail S3 data events for object-level audit`;
}
