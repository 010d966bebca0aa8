import {
    EC2_STATE_TO_WORKBENCH_STATE,
    Ec2State,
    INSTANCE_ID_PATTERN,
    WORKBENCH_EVENT_DETAIL_TYPE,
    WORKBENCH_EVENT_SCHEMA_VERSION,
    WORKBENCH_EVENT_SOURCE,
    WorkbenchEventDetail,
    isValidUserId,
    isValidWorkbenchType,
} from "../shared/workbenchEvent";
import { Telemetry, describeUntrusted } from "../shared/telemetry";

/** Tag keys that mark an EC2 instance as a workbench. */
export interface WorkbenchTagKeys {
    ownerTagKey: string;
    typeTagKey: string;
}

export const DEFAULT_TAG_KEYS: WorkbenchTagKeys = { ownerTagKey: "vew:workbench:ownerId", typeTagKey: "vew:workbench:type" };

/** The AWS calls the forwarder needs; both throw on API errors so the platform retries the invocation. */
export interface ForwarderPorts {
    /** Tags of the instance restricted to `keys`; empty when the instance has none or no longer exists. */
    instanceTags(instanceId: string, keys: string[]): Promise<Record<string, string>>;
    /** Puts one workbench event on the account's bus; throws unless the bus accepted it. */
    publish(source: string, detailType: string, detail: WorkbenchEventDetail, resources: string[]): Promise<void>;
}

export type ForwardOutcome =
    | { outcome: "forwarded"; detail: WorkbenchEventDetail }
    | { outcome: "ignored"; reason: string }
    | { outcome: "rejected"; reason: string };

interface Ec2StateChange {
    id: string;
    time: string;
    account: string;
    region: string;
    resources?: string[];
    instanceId: string;
    state: string;
}

/**
 * Turns one EC2 instance state-change event into a workbench event: every stop is forwarded (without owner and
 * type, which a stop does not need); a start is forwarded when the instance is tagged as a workbench, ignored
 * when it is not, rejected when its tags must not reach the license server. Ignored too: states that neither
 * start nor end a workbench; rejected: malformed events. Never throws for bad
 * input; throws for AWS errors so that Lambda retries and, after that, the on-failure destination keeps the event.
 */
export async function forwardStateChange(
    event: unknown,
    keys: WorkbenchTagKeys,
    ports: ForwarderPorts,
    telemetry: Telemetry,
): Promise<ForwardOutcome> {
    const parsed = parseEc2StateChange(event);
    if (typeof parsed === "string") {
        return reject(telemetry, parsed, { event: describeUntrusted(event, 300) });
    }
    if (!(parsed.state in EC2_STATE_TO_WORKBENCH_STATE)) {
        return ignore(telemetry, `state ${parsed.state} neither starts nor ends a workbench`, parsed);
    }
    const ec2State = parsed.state as Ec2State;
    const workbenchState = EC2_STATE_TO_WORKBENCH_STATE[ec2State];
    const common = {
        "schema-version": WORKBENCH_EVENT_SCHEMA_VERSION,
        "workbench-state": workbenchState,
        "instance-id": parsed.instanceId,
        account: parsed.account,
        region: parsed.region,
        "ec2-state": ec2State,
        "ec2-event-time": parsed.time,
        "ec2-event-id": parsed.id,
    } as const;

    let detail: WorkbenchEventDetail;
    if (workbenchState === "stopped") {
        // Every stop is forwarded, tags or not: the instance may have held a seat under tags since removed (or gone
        // with a terminated instance), and only the hub knows. No tag lookup, so a throttled EC2 API cannot delay it.
        detail = { ...common };
    } else {
        const tags = await ports.instanceTags(parsed.instanceId, [keys.ownerTagKey, keys.typeTagKey]);
        const owner = tags[keys.ownerTagKey];
        const type = tags[keys.typeTagKey];
        if (owner === undefined && type === undefined) {
            return ignore(telemetry, "instance has no workbench tags (not a workbench)", parsed);
        }
        if (!isValidUserId(owner)) {
            return reject(telemetry, `tag ${keys.ownerTagKey} is missing, empty or not a valid user id`, {
                instanceId: parsed.instanceId,
                value: describeUntrusted(owner),
            });
        }
        if (!isValidWorkbenchType(type)) {
            return reject(telemetry, `tag ${keys.typeTagKey} is missing, empty or not a valid workbench type`, {
                instanceId: parsed.instanceId,
                value: describeUntrusted(type),
            });
        }
        detail = { ...common, "user-id": owner, "workbench-type": type };
    }
    await ports.publish(WORKBENCH_EVENT_SOURCE, WORKBENCH_EVENT_DETAIL_TYPE, detail, parsed.resources ?? []);
    telemetry.metric("WorkbenchEventsForwarded", 1);
    telemetry.info("workbench event forwarded", { ...detail });
    return { outcome: "forwarded", detail };
}

function parseEc2StateChange(event: unknown): Ec2StateChange | string {
    if (typeof event !== "object" || event === null) return "event is not an object";
    const e = event as Record<string, any>;
    if (e.source !== "aws.ec2" || e["detail-type"] !== "EC2 Instance State-change Notification") {
        return `not an EC2 state-change event (source ${describeUntrusted(e.source)}, detail-type ${describeUntrusted(e["detail-type"])})`;
    }
    const detail = e.detail ?? {};
    if (typeof detail["instance-id"] !== "string" || !INSTANCE_ID_PATTERN.test(detail["instance-id"])) {
        return "detail.instance-id is not an EC2 instance id";
    }
    if (typeof detail.state !== "string") return "detail.state is missing";
    for (const field of ["id", "time", "account", "region"] as const) {
        if (typeof e[field] !== "string" || e[field].length === 0) return `envelope field ${field} is missing`;
    }
    if (Number.isNaN(Date.parse(e.time))) return "envelope time is not a timestamp";
    return {
        id: e.id,
        time: e.time,
        account: e.account,
        region: e.region,
        resources: Array.isArray(e.resources) ? e.resources.filter((r: unknown) => typeof r === "string") : undefined,
        instanceId: detail["instance-id"],
        state: detail.state,
    };
}

function ignore(telemetry: Telemetry, reason: string, event: Ec2StateChange): ForwardOutcome {
    telemetry.metric("WorkbenchEventsIgnored", 1);
    telemetry.info("event ignored", { reason, instanceId: event.instanceId, state: event.state });
    return { outcome: "ignored", reason };
}

function reject(telemetry: Telemetry, reason: string, fields: Record<string, unknown>): ForwardOutcome {
    telemetry.metric("WorkbenchEventsRejected", 1);
    telemetry.warn("event rejected", { reason, ...fields });
    return { outcome: "rejected", reason };
}
