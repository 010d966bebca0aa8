/**
 * The components the Pulumi component provider offers other languages (`pulumi package add`, see provider.js and
 * docs/install.md): every component the package exports. Their argument interfaces are the schema: schema.json is
 * the committed copy (tools/schema/packageSchema.ts).
 */
import { AlertTopic } from "./shared/alertTopic";
import { LicenseAnalytics } from "./analytics/licenseAnalytics";
import { LicenseAuditTrail } from "./analytics/auditTrail";
import { LicenseBudgets } from "./config/licenseBudgets";
import { LicenseConfigSet } from "./config/licenseConfigSet";
import { LicenseGrantAcceptances, LicenseGrants } from "./config/licenseGrants";
import { LicenseServerHub } from "./hub/licenseServerHub";
import { MultiRegionLicenseTracker } from "./tracking/multiRegionLicenseTracker";
import { OnPremisesServers } from "./config/onPremisesServers";
import { SeatLedger } from "./hub/seatLedger";
import { WorkbenchAccountForwarder } from "./workbench/workbenchAccountForwarder";
import { WorkbenchGuardrails } from "./trust/workbenchGuardrails";
import { WorkbenchStackSet } from "./stackset/workbenchStackSet";

export { PACKAGE_NAME } from "./shared/componentType";
export const PROVIDED_COMPONENTS = [
    WorkbenchAccountForwarder,
    LicenseServerHub,
    MultiRegionLicenseTracker,
    LicenseConfigSet,
    SeatLedger,
    LicenseAnalytics,
    LicenseAuditTrail,
    OnPremisesServers,
    WorkbenchGuardrails,
    AlertTopic,
    LicenseGrants,
    LicenseGrantAcceptances,
    LicenseBudgets,
    WorkbenchStackSet,
];
