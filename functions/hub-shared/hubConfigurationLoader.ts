import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { HUB_CONFIGURATION_ENVIRONMENT } from "./environment";
import { HubConfiguration, parseHubConfiguration } from "./hubConfiguration";

/** Reads one object's body as text; throws on S3 errors. */
export type ObjectReader = (bucket: string, key: string) => Promise<string>;

type Env = Record<string, string | undefined>;

/**
 * The configuration named by the function's environment (`HUB_CONFIGURATION_BUCKET`, `HUB_CONFIGURATION_KEY`),
 * read once per container and checked (digest, format, entries). A failed read is not cached: the next invocation
 * tries again, so a throttled or briefly unreachable S3 fails one invocation, which Lambda retries.
 */
export function hubConfigurationLoader(env: Env, read: ObjectReader): () => Promise<HubConfiguration> {
    const bucket = env[HUB_CONFIGURATION_ENVIRONMENT.bucket];
    const key = env[HUB_CONFIGURATION_ENVIRONMENT.key];
    if (!bucket) throw new Error(`environment variable ${HUB_CONFIGURATION_ENVIRONMENT.bucket} is not set`);
    if (!key) throw new Error(`environment variable ${HUB_CONFIGURATION_ENVIRONMENT.key} is not set`);
    let loading: Promise<HubConfiguration> | undefined;
    return () => {
        loading ??= read(bucket, key)
            .then((body) => parseHubConfiguration(key, body))
            .catch((err: unknown) => {
                loading = undefined;
                throw err;
            });
        return loading;
    };
}

/** An ObjectReader backed by S3 GetObject. */
export function s3TextReader(s3: S3Client): ObjectReader {
    return async (bucket, key) => {
        const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!Body) throw new Error(`s3://${bucket}/${key} has no body`);
        return Body.transformToString("utf-8");
    };
}
