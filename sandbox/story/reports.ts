/** The usage report files the governance stack's report function wrote to its bucket, read back after the run. */
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { LocalS3 } from "../aws/s3rver";

export interface ReportFiles {
    bucket: string;
    prefix: string;
    /** Every object under the prefix, key -> body. */
    files: Record<string, string>;
    /** Keys of the runs' manifests (one per run folder). */
    manifestKeys: string[];
}

/** Reads every object under `prefix`. The reports are few, so one listing page holds them (checked). */
export async function readReportFiles(s3: LocalS3, bucket: string, prefix: string): Promise<ReportFiles> {
    const keys = await listKeys(s3.client, bucket, prefix);
    const files: Record<string, string> = {};
    for (const key of keys) files[key] = (await s3.getText(bucket, key)).body;
    return { bucket, prefix, files, manifestKeys: keys.filter((k) => k.endsWith("/manifest.json")).sort() };
}

async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000 }));
    // s3rver's continuation tokens need Node's legacy OpenSSL provider; a sandbox run never writes this many reports.
    if (page.IsTruncated) throw new Error(`more than 1000 report objects under s3://${bucket}/${prefix}`);
    return (page.Contents ?? []).map((o) => o.Key!).sort();
}

/**
 * Problems with a run's files as its manifest describes them: a file in the run folder the manifest does not list,
 * or a listed file that is missing. An empty list means the run is complete.
 */
export function manifestProblems(reports: ReportFiles, manifestKey: string): string[] {
    const manifest = JSON.parse(reports.files[manifestKey]) as { files: Array<{ key: string }> };
    const folder = manifestKey.slice(0, manifestKey.lastIndexOf("/") + 1);
    const listed = new Set(manifest.files.map((f) => f.key));
    const problems: string[] = [];
    for (const key of Object.keys(reports.files)) {
        if (key.startsWith(folder) && key !== manifestKey && !listed.has(key)) problems.push(`${key} is not listed in ${manifestKey}`);
    }
    for (const key of listed) if (!(key in reports.files)) problems.push(`${key} is listed in ${manifestKey} but was not written`);
    return problems;
}
