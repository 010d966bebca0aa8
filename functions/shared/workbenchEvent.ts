/**
 * The workbench state-change event: the contract between the workbench accounts (WorkbenchAccountForwarder) and
 * the license server account (LicenseServerHub). Both sides import this module; change it only by adding a new
 * schema version that the hub accepts alongside the old one.
 *
 * Version 1, as put on the bus:
 *   source        "licensing.workbench"
 *   detail-type   "Workbench State Change"
 *   detail        {
 *     "schema-version":  "1",
 *     "user-id":         owner of the workbench (USER_ID_PATTERN),
 *     "workbench-type":  kind of workbench, selects the licensed products (WORKBENCH_TYPE_PATTERN),
 *     "workbench-state": "started" | "stopped",
 *     "instance-id":     EC2 instance id,
 *     "account":         workbench account id,
 *     "region":          region of the instance,
 *     "ec2-state":       the EC2 state that caused it (running, stopping, stopped, shutting-down, terminated),
 *     "ec2-event-time":  time of the EC2 state-change event (ISO 8601), the order of events for one instance,
 *     "ec2-event-id":    id of the EC2 state-change event
 *   }
 */
export const WORKBENCH_EVENT_SOURCE = "licensing.workbench";
export const WORKBENCH_EVENT_DETAIL_TYPE = "Workbench State Change";
export const WORKBENCH_EVENT_SCHEMA_VERSION = "1";

export type WorkbenchState = "started" | "stopped";

export interface WorkbenchEventDetail {
    "schema-version": typeof WORKBENCH_EVENT_SCHEMA_VERSION;
    "user-id": string;
    "workbench-type": string;
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

export function isValidUserId(value: unknown): value is string {
    return typeof value === "string" && USER_ID_PATTERN.test(value);
}

export function isValidWorkbenchType(value: unknown): value is string {
    return typeof value === "string" && WORKBENCH_TYPE_PATTERN.test(value);
}

/** Why a detail is not a valid version-1 workbench event, or undefined when it is. */
export function workbenchDetailProblem(detail: unknown): string | undefined {
    if (typeof detail !== "object" || detail === null) {
        return "detail is not an object";
    }
    const d = detail as Record<string, unknown>;
    if (d["schema-version"] !== WORKBENCH_EVENT_SCHEMA_VERSION) {
        return `unsupported schema-version ${JSON.stringify(d["schema-version"])}`;
    }
    if (!isValidUserId(d["user-id"])) {
        return "user-id is missing or outside the allowed character set and length";
    }
    if (!isValidWorkbenchType(d["workbench-type"])) {
        return "workbench-type is missing or outside the allowed character set and length";
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
    if (typeof d["ec2-event-time"] !== "string" || !ISO_TIME.test(d["ec2-event-time"]) || Number.isNaN(Date.parse(d["ec2-event-time"]))) {
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

/** EventBridge pattern of workbench events of the supported schema version(s). */
export function workbenchEventPattern(): Record<string, unknown> {
    return {
        source: [WORKBENCH_EVENT_SOURCE],
        "detail-type": [WORKBENCH_EVENT_DETAIL_TYPE],
        detail: { "schema-version": [WORKBENCH_EVENT_SCHEMA_VERSION] },
    };
}
