/**
 * The workbench events: the contract between the workbench accounts (WorkbenchAccountForwarder) and the license
 * server account (LicenseServerHub). Both sides import this module; change it only by adding a new schema version
 * that the hub accepts alongside the old ones (accounts migrate one stack at a time).
 *
 * State change, as put on the bus:
 *   source        "licensing.workbench"
 *   detail-type   "Workbench State Change"
 *   detail        {
 *     "schema-version":  "2" (current) or "1",
 *     "user-id":         owner of the workbench (USER_ID_PATTERN); required to start, optional on a stop,
 *     "workbench-type":  kind of workbench, selects the licensed products (WORKBENCH_TYPE_PATTERN); as user-id,
 *     "workbench-state": "started" | "stopped",
 *     "instance-id":     EC2 instance id,
 *     "account":         workbench account id (the forwarder's own),
 *     "region":          region of the instance (the forwarder's own),
 *     "ec2-state":       what EC2 said when the forwarder asked (running, also for pending; stopping, stopped,
 *                        shutting-down, terminated, also for an instance EC2 no longer knows),
 *     "ec2-event-time":  time of that observation (ISO 8601), the order of events for one instance,
 *     "ec2-event-id":    id of the EC2 state-change event that woke the forwarder
 *   }
 * Version 1 required user-id and workbench-type on every event, so a stop of an instance whose tags were removed
 * could not be sent; version 2 makes them optional on stops (the hub releases whatever the instance holds). The hub
 * accepts both, and reads user-id and workbench-type of a stop of either version as information only.
 *
 * Inventory snapshot ("Workbench Inventory Snapshot", same source): see inventorySnapshot.ts.
 */
export const WORKBENCH_EVENT_SOURCE = "licensing.workbench";
export const WORKBENCH_EVENT_DETAIL_TYPE = "Workbench State Change";
export const WORKBENCH_SNAPSHOT_DETAIL_TYPE = "Workbench Inventory Snapshot";
/**
 * Every detail-type a workbench account puts on the hub bus: the one list the forwarding rule, the hub rule and
 * the hub bus policy conditions are built from.
 */
export const WORKBENCH_DETAIL_TYPES = [WORKBENCH_EVENT_DETAIL_TYPE, WORKBENCH_SNAPSHOT_DETAIL_TYPE] as const;
/** The version the forwarder writes. */
export const WORKBENCH_EVENT_SCHEMA_VERSION = "2";
/** Every version the hub accepts. */
export const WORKBENCH_EVENT_SCHEMA_VERSIONS = ["1", "2"] as const;
export type WorkbenchSchemaVersion = (typeof WORKBENCH_EVENT_SCHEMA_VERSIONS)[number];

export type WorkbenchState = "started" | "stopped";

export interface WorkbenchEventDetail {
    "schema-version": WorkbenchSchemaVersion;
    /** Present (and valid) on every start; on a stop, only when the forwarder knew it. */
    "user-id"?: string;
    "workbench-type"?: string;
    "workbench-state": WorkbenchState;
    "instance-id": string;
    account: string;
    region: string;
    "ec2-state": Ec2State;
    "ec2-event-time": string;
    "ec2-event-id": string;
}

/** EC2 states that start or end a workbench session, and what they mean for the license seat. */
export const EC2_STATE_TO_WORKBENCH_STATE = {
    running: "started",
    stopping: "stopped",
    stopped: "stopped",
    "shutting-down": "stopped",
    terminated: "stopped",
} as const satisfies Record<string, WorkbenchState>;

export type Ec2State = keyof typeof EC2_STATE_TO_WORKBENCH_STATE;
export const WORKBENCH_EC2_STATES = Object.keys(EC2_STATE_TO_WORKBENCH_STATE) as Ec2State[];

/**
 * User ids end up as arguments of the vendor's license CLI: a strict set, starting with a letter or digit (so never
 * read as an option), letters, digits and `. _ @ -`, at most 64 characters.
 */
export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** Workbench types name product bundles in the hub's catalog: letters, digits and `. _ -`, at most 64 characters. */
export const WORKBENCH_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const INSTANCE_ID_PATTERN = /^i-[0-9a-f]{8,17}$/;
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** An ISO 8601 UTC time as EC2 and Lambda write them (`...Z`, optional fraction). */
export function isIsoUtcTime(value: unknown): value is string {
    return typeof value === "string" && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

export function isValidUserId(value: unknown): value is string {
    return typeof value === "string" && USER_ID_PATTERN.test(value);
}

export function isValidWorkbenchType(value: unknown): value is string {
    return typeof value === "string" && WORKBENCH_TYPE_PATTERN.test(value);
}

/**
 * Why a detail is not a valid workbench state change of a supported version, or undefined when it is. Starts need a
 * valid owner and type; a stop needs neither (an invalid one on a stop is the hub's to ignore, never a reason to
 * lose the stop).
 */
export function workbenchDetailProblem(detail: unknown): string | undefined {
    if (typeof detail !== "object" || detail === null) {
        return "detail is not an object";
    }
    const d = detail as Record<string, unknown>;
    if (!(WORKBENCH_EVENT_SCHEMA_VERSIONS as readonly unknown[]).includes(d["schema-version"])) {
        return `unsupported schema-version ${JSON.stringify(d["schema-version"])}`;
    }
    if (d["workbench-state"] === "started") {
        if (!isValidUserId(d["user-id"])) {
            return "user-id is missing or outside the allowed character set and length";
        }
        if (!isValidWorkbenchType(d["workbench-type"])) {
            return "workbench-type is missing or outside the allowed character set and length";
        }
    }
    if (d["workbench-state"] !== "started" && d["workbench-state"] !== "stopped") {
        return "workbench-state must be started or stopped";
    }
    if (typeof d["instance-id"] !== "string" || !INSTANCE_ID_PATTERN.test(d["instance-id"])) {
        return "instance-id is not an EC2 instance id";
    }
    if (typeof d.account !== "string" || !ACCOUNT_ID_PATTERN.test(d.account)) {
        return "account is not a 12-digit account id";
    }
    if (typeof d.region !== "string" || !REGION_PATTERN.test(d.region)) {
        return "region is not an AWS region";
    }
    if (typeof d["ec2-state"] !== "string" || !(d["ec2-state"] in EC2_STATE_TO_WORKBENCH_STATE)) {
        return "ec2-state is not a workbench EC2 state";
    }
    if (EC2_STATE_TO_WORKBENCH_STATE[d["ec2-state"] as Ec2State] !== d["workbench-state"]) {
        return "ec2-state contradicts workbench-state";
    }
    if (!isIsoUtcTime(d["ec2-event-time"])) {
        return "ec2-event-time is not an ISO 8601 UTC time";
    }
    if (typeof d["ec2-event-id"] !== "string" || d["ec2-event-id"].length === 0 || d["ec2-event-id"].length > 128) {
        return "ec2-event-id is missing";
    }
    return undefined;
}

/** EventBridge pattern of the EC2 events that start or end a workbench session. */
export function ec2StateChangePattern(): Record<string, unknown> {
    return {
        source: ["aws.ec2"],
        "detail-type": ["EC2 Instance State-change Notification"],
        detail: { state: [...WORKBENCH_EC2_STATES] },
    };
}

/** EventBridge pattern of every workbench event the forwarding rule relays to the hub (the hub checks the rest). */
export function workbenchForwardPattern(): Record<string, unknown> {
    return { source: [WORKBENCH_EVENT_SOURCE], "detail-type": [...WORKBENCH_DETAIL_TYPES] };
}

/** EventBridge pattern of workbench events (state changes and inventory snapshots) of the supported schema versions. */
export function workbenchEventPattern(): Record<string, unknown> {
    return {
        source: [WORKBENCH_EVENT_SOURCE],
        "detail-type": [...WORKBENCH_DETAIL_TYPES],
        detail: { "schema-version": [...WORKBENCH_EVENT_SCHEMA_VERSIONS] },
    };
}
