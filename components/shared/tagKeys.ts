/**
 * Tag keys that differ only by case: EC2 keeps them apart, but an Organizations tag policy names keys in lower case
 * (one entry for both) and people read them as one. Plain data, no Pulumi.
 */
export function caseCollision(keys: readonly string[]): string | undefined {
    const seen = new Map<string, string>();
    for (const key of keys) {
        const other = seen.get(key.toLowerCase());
        if (other !== undefined) {
            return other === key
                ? `${JSON.stringify(key)} is listed twice`
                : `${JSON.stringify(other)} and ${JSON.stringify(key)} differ only by case; use one spelling`;
        }
        seen.set(key.toLowerCase(), key);
    }
    return undefined;
}
