import type { KnownCatalog } from "../../../components/hub/catalog";
import type { WorkbenchEventDetail, Ec2State } from "../../../functions/shared/workbenchEvent";
import { EC2_STATE_TO_WORKBENCH_STATE, WORKBENCH_EVENT_DETAIL_TYPE, WORKBENCH_EVENT_SOURCE } from "../../../functions/shared/workbenchEvent";
import type { AssignmentConfig } from "../../../functions/hub-shared/config";
import { assignmentCatalog } from "../../../components/hub/catalog";

export const MATLAB_SERVER = "i-0123456789abcdef0";
export const ANSYS_SERVER = "i-0fedcba9876543210";
export const WORKBENCH_ACCOUNT = "222222222222";
export const OTHER_ACCOUNT = "333333333333";

/** Two workbench types sharing a product, one product with a seat limit and a vendor CLI. */
export const CATALOG: KnownCatalog = {
    workbenchTypes: { "cae-standard": ["matlab", "ansys"], office: ["matlab"], simulation: ["ansys"] },
    products: {
        matlab: { licenseServerInstanceId: MATLAB_SERVER, seats: 50, command: ["/opt/mathworks/bin/lmupdate", "--product", "{product}", "--users-file={usersFile}"] },
        ansys: { licenseServerInstanceId: ANSYS_SERVER },
    },
};

export function assignmentConfig(tableName: string, overrides: Partial<AssignmentConfig> = {}): AssignmentConfig {
    return {
        tableName,
        workbenchTypes: assignmentCatalog(CATALOG),
        allowedAccounts: new Set([WORKBENCH_ACCOUNT, OTHER_ACCOUNT]),
        tombstoneRetentionSeconds: 7 * 86400,
        maxClockSkewSeconds: 30,
        ...overrides,
    };
}

export const NOW = Date.parse("2026-03-02T12:00:00Z");

export interface EventSpec {
    user?: string;
    type?: string;
    instance?: string;
    account?: string;
    region?: string;
    ec2State?: Ec2State;
    /** Seconds after NOW - 1 h. */
    at?: number;
    id?: string;
    /** Contract version. Default "1" (still accepted); "2" leaves owner and type off stops, as the forwarder does. */
    version?: "1" | "2";
}

/** A workbench event exactly as the hub bus delivers it to the assignment Lambda. */
export function workbenchEvent(spec: EventSpec = {}): { [key: string]: unknown; detail: WorkbenchEventDetail } {
    const ec2State = spec.ec2State ?? "running";
    const account = spec.account ?? WORKBENCH_ACCOUNT;
    const region = spec.region ?? "eu-central-1";
    const time = new Date(NOW - 3600_000 + (spec.at ?? 0) * 1000).toISOString().replace(".000Z", "Z");
    const instanceId = spec.instance ?? "i-0aaaaaaaaaaaaaaa1";
    const eventId = spec.id ?? `ec2-${instanceId}-${ec2State}-${spec.at ?? 0}`;
    return {
        version: "0",
        id: `bus-${eventId}`,
        "detail-type": WORKBENCH_EVENT_DETAIL_TYPE,
        source: WORKBENCH_EVENT_SOURCE,
        account,
        time,
        region,
        resources: [`arn:aws:ec2:${region}:${account}:instance/${instanceId}`],
        detail: {
            "schema-version": spec.version ?? "1",
            ...(spec.version === "2" && EC2_STATE_TO_WORKBENCH_STATE[ec2State] === "stopped"
                ? {}
                : { "user-id": spec.user ?? "alice", "workbench-type": spec.type ?? "cae-standard" }),
            "workbench-state": EC2_STATE_TO_WORKBENCH_STATE[ec2State],
            "instance-id": instanceId,
            account,
            region,
            "ec2-state": ec2State,
            "ec2-event-time": time,
            "ec2-event-id": eventId,
        },
    };
}

/** Shell metacharacters, quoting, newlines, unicode look-alikes, option-like and oversized ids. */
export const HOSTILE_USER_IDS = [
    "alice; rm -rf /",
    "$(touch /tmp/pwned)",
    "`id`",
    "bob' || true '",
    'carol" && curl evil',
    "dave\nmallory",
    "-rf",
    "--users-file=/etc/passwd",
    "ev|l",
    "a>b",
    "ali\u0441e", // Cyrillic с
    "名前",
    "emoji🙂",
    "x".repeat(65),
    "y".repeat(5000),
    "",
    " alice",
    "alice ",
    "../../etc/passwd",
    "{{ product }}",
];
