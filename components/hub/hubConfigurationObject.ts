import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { HUB_CONFIGURATION_ENVIRONMENT } from "../../functions/hub-shared/environment";
import { HUB_CONFIGURATION_FORMAT, HubConfiguration, hubConfigurationBody, hubConfigurationKey } from "../../functions/hub-shared/hubConfiguration";
import type { PolicyStatement } from "../shared/iam";
import { KnownCatalog, productCommands } from "./catalog";

export interface HubConfigurationObject {
    /** The S3 object (content-addressed key). */
    object: aws.s3.BucketObjectv2;
    /** Its key, `configuration/hub-<sha256>.json`. */
    key: pulumi.Output<string>;
    /** Size of the body in bytes (measured by the quota tests). */
    bytes: pulumi.Output<number>;
    /** The environment every hub function gets: where its configuration is. */
    environment: Record<string, pulumi.Input<string>>;
    /** The statement that lets a function read exactly this object. */
    readStatement: PolicyStatement;
}

/** The configuration object's content for a validated catalog and admission list. */
export function hubConfiguration(catalog: KnownCatalog, accountIds: readonly string[]): HubConfiguration {
    const commands = productCommands(catalog);
    return {
        format: HUB_CONFIGURATION_FORMAT,
        workbenchTypes: Object.fromEntries(Object.entries(catalog.workbenchTypes).map(([type, products]) => [type, [...products]])),
        products: Object.fromEntries(
            Object.entries(catalog.products).map(([name, p]) => [
                name,
                {
                    instanceId: p.licenseServerInstanceId,
                    ...(p.seats === undefined ? {} : { seats: p.seats }),
                    ...(p.annualCostPerSeat === undefined ? {} : { annualCostPerSeat: p.annualCostPerSeat }),
                    ...(commands[name] === undefined ? {} : { command: [...commands[name]!] }),
                },
            ]),
        ),
        admission: { accountIds: [...accountIds] },
    };
}

/**
 * Writes the hub's configuration object into the hub bucket (private, encrypted, TLS-only: userListBucket.ts).
 * A changed catalog is a new key: Pulumi writes the new object before it updates the functions' environment, and
 * keeps the old one (retainOnDelete) so a container still starting on the old key finds it and the history of
 * catalogs stays readable; objects are a few KB to a few hundred KB each.
 */
export function hubConfigurationObject(
    name: string,
    bucket: aws.s3.Bucket,
    configuration: pulumi.Output<HubConfiguration>,
    parent: pulumi.Resource,
): HubConfigurationObject {
    const body = configuration.apply(hubConfigurationBody);
    const object = new aws.s3.BucketObjectv2(
        name,
        { bucket: bucket.id, key: body.apply(hubConfigurationKey), content: body, contentType: "application/json" },
        { parent, retainOnDelete: true },
    );
    return {
        object,
        key: object.key,
        bytes: body.apply((text) => Buffer.byteLength(text, "utf8")),
        environment: { [HUB_CONFIGURATION_ENVIRONMENT.bucket]: bucket.bucket, [HUB_CONFIGURATION_ENVIRONMENT.key]: object.key },
        readStatement: { sid: "ReadHubConfiguration", actions: ["s3:GetObject"], resources: [pulumi.interpolate`${bucket.arn}/${object.key}`] },
    };
}
