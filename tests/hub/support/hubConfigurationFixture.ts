import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { HUB_CONFIGURATION_ENVIRONMENT } from "../../../functions/hub-shared/environment";
import { HubConfiguration, hubConfigurationBody, hubConfigurationKey, parseHubConfiguration } from "../../../functions/hub-shared/hubConfiguration";
import { RecordedResource, named } from "../../support/pulumiMocks";
import { hubConfiguration } from "../../../components/hub/hubConfigurationObject";
import type { KnownCatalog } from "../../../components/hub/catalog";

/**
 * Writes a catalog's hub configuration object to a local bucket, as the component does, and returns the environment
 * that names it (what every hub function gets).
 */
export async function putHubConfiguration(s3: S3Client, bucket: string, catalog: KnownCatalog, accountIds: string[] = []): Promise<Record<string, string>> {
    const body = hubConfigurationBody(hubConfiguration(catalog, accountIds));
    const key = hubConfigurationKey(body);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/json" }));
    return { [HUB_CONFIGURATION_ENVIRONMENT.bucket]: bucket, [HUB_CONFIGURATION_ENVIRONMENT.key]: key };
}

/**
 * The configuration object a hub deployed under mocks wrote (`<hub>-configuration`), parsed and checked as its
 * functions check it; fails unless every given function's environment names exactly that object.
 */
export function deployedHubConfiguration(resources: RecordedResource[], hub: string, functions: string[] = [`${hub}-assignment`, `${hub}-sync`]): HubConfiguration {
    const object = named(resources, "aws:s3/bucketObjectv2:BucketObjectv2", `${hub}-configuration`).inputs;
    for (const fn of functions) {
        const env = named(resources, "aws:lambda/function:Function", fn).inputs.environment.variables;
        if (env[HUB_CONFIGURATION_ENVIRONMENT.key] !== object.key) throw new Error(`${fn} reads ${env[HUB_CONFIGURATION_ENVIRONMENT.key]}, not the hub's configuration ${object.key}`);
    }
    return parseHubConfiguration(object.key, object.content);
}
