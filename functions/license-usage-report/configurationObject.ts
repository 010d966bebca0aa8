import { createHash } from "node:crypto";
import { describeError } from "./collect";
import { LicenseConfigurationArn, parseLicenseConfigurationArns } from "./licenseConfigurationArn";

/**
 * Key of the object holding the ARN list, in the report bucket. It sits at the bucket root, outside every report
 * prefix, so the report retention rules never expire or archive it and the function's write grant never covers it
 * (the function can read its list, not change it). Athena also skips folders starting with "_".
 */
export const LICENSE_CONFIGURATIONS_KEY = "_config/license-configurations.json";
export const LICENSE_CONFIGURATIONS_CONTENT_TYPE = "application/json";
export const LICENSE_CONFIGURATIONS_SCHEMA_VERSION = 1;
/** Refuse anything larger before reading it: 10,000 ARNs take about 1.2 MB. */
export const MAX_LICENSE_CONFIGURATIONS_BYTES = 2 * 1024 * 1024;

/** The object body, and its SHA-256 (hex) that the function is deployed with. */
export interface LicenseConfigurationsDocument {
    body: string;
    sha256: string;
}

/** Where the function finds its list, and the SHA-256 the object must have. */
export interface LicenseConfigurationsLocation {
    bucket: string;
    key: string;
    sha256: string;
}

/** Reads one object's bytes; throws the SDK's error (e.g. NoSuchKey, AccessDenied) or when it is over `maxBytes`. */
export type ObjectReader = (key: string, maxBytes: number) => Promise<Uint8Array>;

const sha256Hex = (bytes: string | Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/**
 * The JSON document the component writes (and a local sandbox uploads): `{ schemaVersion, licenseConfigurationArns }`,
 * one ARN per line so a diff of two versions reads well. The ARNs are validated first.
 */
export function licenseConfigurationsDocument(arns: readonly string[], context = "license-usage-report"): LicenseConfigurationsDocument {
    const valid = parseLicenseConfigurationArns([...arns], context).map((c) => c.arn);
    const body = `${JSON.stringify({ schemaVersion: LICENSE_CONFIGURATIONS_SCHEMA_VERSION, licenseConfigurationArns: valid }, null, 2)}\n`;
    return { body, sha256: sha256Hex(body) };
}

/**
 * Parses the object, after checking its SHA-256 against the one the function was deployed with: a list changed by
 * hand (or a half-finished deployment) is refused rather than silently reported on.
 */
export function parseLicenseConfigurationsDocument(bytes: Uint8Array, location: LicenseConfigurationsLocation): LicenseConfigurationArn[] {
    const source = `s3://${location.bucket}/${location.key}`;
    const context = `license-usage-report (${source})`;
    const actual = sha256Hex(bytes);
    if (actual !== location.sha256) {
        throw new Error(
            `${context}: the object's SHA-256 is ${actual}, but the function was deployed for ${location.sha256}. It was changed ` +
                "outside the deployment, or a deployment is in progress (Lambda retries the run); refusing to report from it.",
        );
    }
    let document: unknown;
    try {
        document = JSON.parse(Buffer.from(bytes).toString("utf8"));
    } catch {
        throw new Error(`${context}: the object is not JSON.`);
    }
    const fields = typeof document === "object" && document !== null ? (document as Record<string, unknown>) : {};
    if (fields.schemaVersion !== LICENSE_CONFIGURATIONS_SCHEMA_VERSION) {
        throw new Error(`${context}: schemaVersion must be ${LICENSE_CONFIGURATIONS_SCHEMA_VERSION} (got ${JSON.stringify(fields.schemaVersion)}).`);
    }
    return parseLicenseConfigurationArns(fields.licenseConfigurationArns, context);
}

/**
 * Reads and validates the ARN list. Called on every invocation rather than cached per container: it is one small
 * GET per run, and every report then comes from a list verified at that moment (a list deleted or altered while a
 * container stays warm is caught by the next run, not only by a fresh container).
 */
export async function loadLicenseConfigurations(read: ObjectReader, location: LicenseConfigurationsLocation): Promise<LicenseConfigurationArn[]> {
    let bytes: Uint8Array;
    try {
        bytes = await read(location.key, MAX_LICENSE_CONFIGURATIONS_BYTES);
    } catch (error) {
        throw new Error(
            `license-usage-report: the license configuration list s3://${location.bucket}/${location.key} could not be read ` +
                `(${describeError(error)}). The component writes it on every deployment.`,
        );
    }
    return parseLicenseConfigurationsDocument(bytes, location);
}
