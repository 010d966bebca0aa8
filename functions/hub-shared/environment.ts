/**
 * Environment variables each hub handler reads. The component sets them from these names and the local sandbox
 * uses the same names, so a rename here is a rename everywhere.
 */
/**
 * Where every hub function finds the hub's configuration object (catalog and admission list; hubConfiguration.ts):
 * a content-addressed key, so a new catalog is a new key and reaches every function at its next cold start.
 */
export const HUB_CONFIGURATION_ENVIRONMENT = {
    bucket: "HUB_CONFIGURATION_BUCKET",
    key: "HUB_CONFIGURATION_KEY",
} as const;

export const ASSIGNMENT_ENVIRONMENT = {
    /** Hub table name. */
    tableName: "HUB_TABLE_NAME",
    /** How long a stopped-instance tombstone is kept, in seconds. */
    tombstoneRetentionSeconds: "HUB_TOMBSTONE_RETENTION_SECONDS",
    /** Seconds an event's EC2 time may lie ahead of the hub's clock before the event is refused. */
    maxClockSkewSeconds: "HUB_MAX_CLOCK_SKEW_SECONDS",
} as const;

export const INVENTORY_WATCH_ENVIRONMENT = {
    tableName: "HUB_TABLE_NAME",
    /** Regions every admitted account runs workbenches in, comma-separated (LicenseServerHub `workbenchRegions`). */
    regions: "HUB_WORKBENCH_REGIONS",
    /** Seconds between two inventories of one account-region. */
    periodSeconds: "HUB_INVENTORY_PERIOD_SECONDS",
    /** Periods without a snapshot after which an expected account-region is silent. */
    silentPeriods: "HUB_SILENT_INVENTORY_PERIODS",
} as const;

export const CHANGE_MARKER_ENVIRONMENT = {
    /** SSM parameter written whenever a seat row appears or disappears. */
    markerParameterName: "HUB_MARKER_PARAMETER_NAME",
    /** Bus the marker announces each change on, so the sync runs at once (LicenseServerHub `syncOnChange`); unset: no announcement. */
    syncTriggerBusName: "HUB_SYNC_TRIGGER_BUS_NAME",
} as const;

export const SYNC_ENVIRONMENT = {
    tableName: "HUB_TABLE_NAME",
    markerParameterName: "HUB_MARKER_PARAMETER_NAME",
    /** Bucket the user lists are written to. */
    userListBucket: "HUB_USER_LIST_BUCKET",
    /** SSM document that installs a user list on a license server. */
    documentName: "HUB_DOCUMENT_NAME",
    /** Changes whenever the SSM document changes (e.g. a vendor command), so the sync resends every list through it. */
    configurationFingerprint: "HUB_CONFIGURATION_FINGERPRINT",
    /** Seconds Run Command waits for the license server to pick up a command (SendCommand TimeoutSeconds). */
    deliveryTimeoutSeconds: "HUB_COMMAND_DELIVERY_TIMEOUT_SECONDS",
    /** Milliseconds between GetCommandInvocation polls (the first polls come after 1/8, 1/4 and 1/2 of it). */
    pollIntervalMs: "HUB_COMMAND_POLL_INTERVAL_MS",
    /** Every this many scheduled ticks the sync recomputes every list even if the change marker did not move. */
    fullCheckEveryTicks: "HUB_SYNC_FULL_CHECK_EVERY_TICKS",
    /** Milliseconds a sync waits after the previous sync's commands before sending its own (the login-storm debounce). */
    minCommandIntervalMs: "HUB_SYNC_MIN_COMMAND_INTERVAL_MS",
} as const;

/**
 * Default of `SYNC_ENVIRONMENT.minCommandIntervalMs`: at most one command per product per second, however fast
 * seat changes arrive; the changes of the wait ride along with the next command.
 */
export const DEFAULT_MIN_COMMAND_INTERVAL_MS = 1000;

/** Default of `SYNC_ENVIRONMENT.fullCheckEveryTicks` (LicenseServerHub `fullCheckEveryTicks`). */
export const DEFAULT_FULL_CHECK_EVERY_TICKS = 10;

export const LEDGER_ENVIRONMENT = {
    tableName: "HUB_TABLE_NAME",
    /** Bucket the seat ledger is written to. */
    ledgerBucket: "HUB_LEDGER_BUCKET",
} as const;
