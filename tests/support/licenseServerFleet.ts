import * as path from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { DEFAULT_WORK_DIRECTORY, renderLicenseServerDocument } from "../../components/hub/licenseServerDocument";
import type { SandboxEvent } from "../../sandbox/runtime/events";
import { LicenseServerFleet, writeVendorCli } from "../../sandbox/world/licenseServers";
import { vendorCommand } from "../../sandbox/world/stackConfiguration";

export interface TestFleetOptions {
    /** Directory standing for the servers' filesystems (`<dir>/license-server`). */
    dir: string;
    bucket: string;
    documentName: string;
    instanceIds: string[];
    s3: S3Client;
    onEvent(event: SandboxEvent): void;
}

/**
 * License servers that run the hub's real document (its shell script, with sh) and the sandbox's vendor CLI, whose
 * argv template (`vendorCommand`) the products' configuration gives the sync, as the catalog's command.
 */
export function testLicenseServerFleet(options: TestFleetOptions): LicenseServerFleet & { vendorCommand: string[] } {
    const listsDir = path.join(options.dir, "license-server");
    const command = vendorCommand(writeVendorCli(listsDir));
    const content = renderLicenseServerDocument({
        bucketName: options.bucket,
        region: "eu-central-1",
        dnsSuffix: "amazonaws.com",
        workDirectory: DEFAULT_WORK_DIRECTORY,
        executionTimeoutSeconds: 120,
    });
    const arn = `arn:aws:ssm:eu-central-1:222222222222:document/${options.documentName}`;
    const fleet = new LicenseServerFleet({
        listsDir,
        document: { name: options.documentName, arn, accountId: "222222222222", content },
        instanceIds: options.instanceIds,
        s3: options.s3,
        emit: options.onEvent,
        now: () => 0,
    });
    return Object.assign(fleet, { vendorCommand: command });
}
