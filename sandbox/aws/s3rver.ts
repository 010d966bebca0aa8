import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";

/** The part of s3rver's API used here (the package ships no type declarations). */
interface S3rverInstance {
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/** s3rver checks SigV4 signatures against this fixed key pair. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface LocalS3 {
    /** `http://127.0.0.1:<port>`. */
    endpoint: string;
    /** A real SDK v3 S3 client configured for s3rver (path-style, checksums only when required). */
    client: S3Client;
    /** Creates a bucket. */
    createBucket(name: string): Promise<void>;
    /** An object's body as text and its content type; throws when the key does not exist. */
    getText(bucket: string, key: string): Promise<{ body: string; contentType?: string }>;
    /** True when the key exists. */
    exists(bucket: string, key: string): Promise<boolean>;
    /** Stops the server and deletes its data directory. */
    close(): Promise<void>;
}

/** S3 client settings s3rver needs: it serves buckets path-style and does not know the newer checksum headers. */
export function s3rverClientConfig(endpoint: string) {
    return {
        endpoint,
        region: "eu-central-1",
        credentials: S3RVER_CREDENTIALS,
        forcePathStyle: true,
        requestChecksumCalculation: "WHEN_REQUIRED" as const,
        responseChecksumValidation: "WHEN_REQUIRED" as const,
    };
}

/** Starts s3rver on 127.0.0.1 with a free port and a fresh temporary data directory. */
export async function startS3rver(): Promise<LocalS3> {
    const S3rver = require("s3rver") as S3rverConstructor;
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "s3rver-"));
    const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, vhostBuckets: false });
    const { port } = await server.run();
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new S3Client(s3rverClientConfig(endpoint));
    return {
        endpoint,
        client,
        async createBucket(name) {
            await client.send(new CreateBucketCommand({ Bucket: name }));
        },
        async getText(bucket, key) {
            const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
            return { body: (await object.Body?.transformToString("utf-8")) ?? "", contentType: object.ContentType };
        },
        async exists(bucket, key) {
            try {
                await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
                return true;
            } catch (err) {
                if ((err as { name?: string }).name === "NotFound" || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
                    return false;
                }
                throw err;
            }
        },
        async close() {
            client.destroy();
            await server.close();
            fs.rmSync(directory, { recursive: true, force: true });
        },
    };
}
