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
    /** How long the tombstone of an instance a departure stopped is kept (the assignment's setting). */
    tombstoneRetentionSeconds: "HUB_TOMBSTONE_RETENTION_SECONDS",
    /** The management account's membership reader role (LicenseServerHub `membershipReaderRoleArn`); unset: none. */
    membershipReaderRoleArn: "HUB_MEMBERSHIP_READER_ROLE_ARN",
    /** The workbench OUs' ids, comma-separated (from `workbenchOrganizationalUnitPaths`), whose members hold seats. */
    workbenchOuIds: "HUB_WORKBENCH_OU_IDS",
} as const;

export const CHANGE_MARKER_ENVIRONMENT = {
    /** Hub table: the change marks are its items (`CHANGED` partition). */
    tableName: "HUB_TABLE_NAME",
    /** Bus the marker announces each change on, so the sync runs at once (LicenseServerHub `syncOnChange`); unset: no announcement. */
    syncTriggerBusName: "HUB_SYNC_TRIGGER_BUS_NAME",
} as const;

/** The seat-events function (functions/hub-seat-events): where seat rows are, and the bus it tells people on. */
export const SEAT_EVENTS_ENVIRONMENT = {
    tableName: "HUB_TABLE_NAME",
    busName: "HUB_SEAT_EVENTS_BUS_NAME",
} as const;

export const SYNC_ENVIRONMENT = {
    tableName: "HUB_TABLE_NAME",
    /** Bucket the user lists are written to. */
    userListBucket: "HUB_USER_LIST_BUCKET",
    /** SSM document that installs a user list on a license server. */
    documentName: "HUB_DOCUMENT_NAME",
    /** Changes whenever the SSM document changes, so the sync resends every list through the new one. */
    configurationFingerprint: "HUB_CONFIGURATION_FINGERPRINT",
    /** Seconds Run Command waits for the license server to pick up a command (SendCommand TimeoutSeconds). */
    deliveryTimeoutSeconds: "HUB_COMMAND_DELIVERY_TIMEOUT_SECONDS",
    /** Longest pause between two GetCommandInvocation polls of a command (functions/hub-sync/commandWait.ts). */
    pollIntervalMs: "HUB_COMMAND_POLL_INTERVAL_MS",
    /** Every product's list is recomputed and compared at least once every this many scheduled ticks (the safety net). */
    fullCheckEveryTicks: "HUB_SYNC_FULL_CHECK_EVERY_TICKS",
    /** Milliseconds a license server waits after its previous command before it gets the next (the login-storm debounce). */
    minCommandIntervalMs: "HUB_SYNC_MIN_COMMAND_INTERVAL_MS",
} as const;

/**
 * Default of `SYNC_ENVIRONMENT.minCommandIntervalMs`: at most one command per license server per second, however
 * fast seat changes arrive; the changes of the wait ride along with the next command.
 */
export const DEFAULT_MIN_COMMAND_INTERVAL_MS = 1000;

/** Default of `SYNC_ENVIRONMENT.fullCheckEveryTicks` (LicenseServerHub `fullCheckEveryTicks`). */
export const DEFAULT_FULL_CHECK_EVERY_TICKS = 10;

export const LEDGER_ENVIRONMENT = {
    tableName: "HUB_TABLE_NAME",
    /** Bucket the seat ledger is written to. */
    ledgerBucket: "HUB_LEDGER_BUCKET",
} as const;
