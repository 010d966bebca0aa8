import {
    GetLicenseConfigurationCommand,
    GetLicenseUsageCommand,
    ListReceivedLicensesCommand,
    ListReceivedLicensesCommandOutput,
    LicenseManagerClient,
    LicenseManagerClientConfig,
    ListUsageForLicenseConfigurationCommand,
    ListUsageForLicenseConfigurationCommandInput,
    ListUsageForLicenseConfigurationCommandOutput,
} from "@aws-sdk/client-license-manager";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { LicenseManagerReader } from "./collect";
import type { ObjectReader } from "./configurationObject";
import type { ReportFile } from "./reportFiles";
import type { ReceivedLicense, ReceivedLicenseReader } from "./receivedLicenses";

/**
 * Retries for License Manager: adaptive mode adds client-side rate limiting once the service throttles, and more
 * attempts than the default 3 let a large run ride out throttling instead of reporting configurations as failed.
 */
export const LICENSE_MANAGER_RETRY = { retryMode: "adaptive", maxAttempts: 8 } as const;

/**
 * Every page of a License Manager listing. @aws-sdk/client-license-manager ships no paginators (the service model
 * declares none), so this is the SDK paginator's loop, plus a guard against a token that repeats.
 */
async function* pagesByNextToken<P extends { NextToken?: string }>(fetchPage: (token: string | undefined) => Promise<P>, what: string): AsyncGenerator<P> {
    const seen = new Set<string>();
    let token: string | undefined;
    do {
        const page = await fetchPage(token);
        yield page;
        token = page.NextToken || undefined;
        if (token !== undefined) {
            if (seen.has(token)) throw new Error(`${what} returned the token of an earlier page.`);
            seen.add(token);
        }
    } while (token !== undefined);
}

/** Every page of ListUsageForLicenseConfiguration for one configuration. */
export function paginateListUsageForLicenseConfiguration(
    client: LicenseManagerClient,
    input: Omit<ListUsageForLicenseConfigurationCommandInput, "NextToken">,
): AsyncGenerator<ListUsageForLicenseConfigurationCommandOutput> {
    return pagesByNextToken(
        (token) => client.send(new ListUsageForLicenseConfigurationCommand({ ...input, NextToken: token })),
        `ListUsageForLicenseConfiguration for ${input.LicenseConfigurationArn}`,
    );
}

/** Every page of ListReceivedLicenses in the client's region. */
export function paginateListReceivedLicenses(client: LicenseManagerClient): AsyncGenerator<ListReceivedLicensesCommandOutput> {
    return pagesByNextToken((token) => client.send(new ListReceivedLicensesCommand({ NextToken: token })), "ListReceivedLicenses");
}

const isoOrUndefined = (value: string | undefined) => value || undefined;

/** Received licenses and their entitlement usage, backed by one SDK client. */
export function receivedLicenseReader(client: LicenseManagerClient): ReceivedLicenseReader {
    return {
        async *receivedLicensePages() {
            for await (const page of paginateListReceivedLicenses(client)) {
                yield (page.Licenses ?? []).map(
                    (l): ReceivedLicense => ({
                        licenseArn: l.LicenseArn,
                        licenseName: l.LicenseName,
                        productName: l.ProductName,
                        productSku: l.ProductSKU,
                        issuer: l.Issuer?.Name,
                        homeRegion: l.HomeRegion,
                        status: l.Status,
                        receivedStatus: l.ReceivedMetadata?.ReceivedStatus,
                        validityBegin: isoOrUndefined(l.Validity?.Begin),
                        validityEnd: isoOrUndefined(l.Validity?.End),
                        entitlements: (l.Entitlements ?? []).map((e) => ({ name: e.Name, maxCount: e.MaxCount, unit: e.Unit })),
                    }),
                );
            }
        },
        async entitlementUsage(licenseArn) {
            const { LicenseUsage } = await client.send(new GetLicenseUsageCommand({ LicenseArn: licenseArn }));
            const consumed: Record<string, number> = {};
            for (const u of LicenseUsage?.EntitlementUsages ?? []) {
                if (u.Name !== undefined && u.ConsumedValue !== undefined) consumed[u.Name] = Number(u.ConsumedValue);
            }
            return consumed;
        },
    };
}

/** A License Manager reader backed by one SDK client. */
export function licenseManagerReader(client: LicenseManagerClient): LicenseManagerReader {
    return {
        async getLicenseConfiguration(arn) {
            const c = await client.send(new GetLicenseConfigurationCommand({ LicenseConfigurationArn: arn }));
            return {
                name: c.Name,
                countingType: c.LicenseCountingType,
                licenseCount: c.LicenseCount,
                hardLimit: c.LicenseCountHardLimit,
                consumedLicenses: c.ConsumedLicenses,
                status: c.Status,
            };
        },
        async *usagePages(arn) {
            for await (const page of paginateListUsageForLicenseConfiguration(client, { LicenseConfigurationArn: arn })) {
                yield (page.LicenseConfigurationUsageList ?? []).map((u) => ({
                    resourceArn: u.ResourceArn,
                    resourceType: u.ResourceType,
                    resourceStatus: u.ResourceStatus,
                    ownerAccountId: u.ResourceOwnerId,
                    associationTime: u.AssociationTime,
                    consumedLicenses: u.ConsumedLicenses,
                }));
            }
        },
    };
}

/**
 * One License Manager client per region, created on first use and reused (each keeps its own adaptive rate limiter,
 * matching the per-region quotas). `clientConfig` adds settings such as a local endpoint; retries are always ours.
 */
export function regionalLicenseManagers(clientConfig: (region: string) => LicenseManagerClientConfig = () => ({})) {
    const clients = new Map<string, LicenseManagerClient>();
    const clientFor = (region: string) => {
        let client = clients.get(region);
        if (!client) {
            client = new LicenseManagerClient({ ...clientConfig(region), region, ...LICENSE_MANAGER_RETRY });
            clients.set(region, client);
        }
        return client;
    };
    return {
        clientFor,
        readerFor: (region: string) => licenseManagerReader(clientFor(region)),
        receivedReaderFor: (region: string) => receivedLicenseReader(clientFor(region)),
        destroy: () => clients.forEach((c) => c.destroy()),
    };
}

/**
 * Writes report files to the bucket, each with its SHA-256 checksum so S3 rejects a corrupted upload and keeps the
 * checksum with the object (GetObjectAttributes) for later verification against the manifest.
 */
export function s3ReportWriter(s3: S3Client, bucket: string): (file: ReportFile) => Promise<void> {
    return async (file) => {
        await s3.send(
            new PutObjectCommand({
                Bucket: bucket,
                Key: file.key,
                Body: file.body,
                ContentType: file.contentType,
                ChecksumSHA256: Buffer.from(file.sha256, "hex").toString("base64"),
            }),
        );
    };
}

/** Reads one object of the bucket, refusing one larger than `maxBytes` before downloading its body. */
export function s3ObjectReader(s3: S3Client, bucket: string): ObjectReader {
    return async (key, maxBytes) => {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (object.ContentLength !== undefined && object.ContentLength > maxBytes) {
            await object.Body?.transformToWebStream().cancel();
            throw new Error(`s3://${bucket}/${key} is ${object.ContentLength} bytes, more than the ${maxBytes} allowed.`);
        }
        const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
        if (bytes.byteLength > maxBytes) throw new Error(`s3://${bucket}/${key} is more than the ${maxBytes} bytes allowed.`);
        return bytes;
    };
}
