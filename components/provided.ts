/**
 * The components the Pulumi component provider offers other languages (`pulumi package add`, see provider.js and
 * docs/install.md). Their argument interfaces are the schema: schema.json is the committed copy.
 */
import { LicenseConfigSet } from "./config/licenseConfigSet";
import { LicenseServerHub } from "./hub/licenseServerHub";
import { MultiRegionLicenseTracker } from "./tracking/multiRegionLicenseTracker";
import { WorkbenchAccountForwarder } from "./workbench/workbenchAccountForwarder";

export { PACKAGE_NAME } from "./shared/componentType";
export const PROVIDED_COMPONENTS = [WorkbenchAccountForwarder, LicenseServerHub, MultiRegionLicenseTracker, LicenseConfigSet];
