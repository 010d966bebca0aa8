/** A well-formed license configuration ARN whose id encodes `n` (so tests can make as many as they need). */
export function configurationArn(region: string, n: number, partition = "aws", account = "111111111111"): string {
    return `arn:${partition}:license-manager:${region}:${account}:license-configuration:lic-${n.toString(16).padStart(32, "0")}`;
}
