import {
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

/** What EC2 says about one instance now: its state and the workbench tags it carries. */
export interface ObservedInstance {
    state: string;
    tags: Record<string, string>;
}

/** The AWS calls the forwarder needs; both throw on API errors so the platform retries the invocation. */
export interface ForwarderPorts {
    /**
     * One DescribeInstances call for the instance in the function's own account and region: its state and the tags
     * among `keys`; undefined when EC2 does not know it (terminated long ago, or never in this account and region).
     */
    describeInstance(instanceId: string, keys: string[]): Promise<ObservedInstance | undefined>;
    /** Puts one workbench event on the account's bus; throws unless the bus accepted it. */
    publish(source: string, detailType: string, detail: WorkbenchEventDetail, resources: string[]): Promise<void>;
}

/** Where the forwarder runs, from its own context (never from the event). */
export interface ForwarderContext {
    partition: string;
    account: string;
    region: string;
}

export type ForwardOutcome =
    | { outcome: "forwarded"; detail: WorkbenchEventDetail }
    | { outcome: "ignored"; reason: string }
    | { outcome: "rejected"; reason: string };

/**
 * What EC2's state means for a seat: pending and running hold one (pending is EC2's lag before running, #21 item
 * 6), stopping, stopped, shutting-down and terminated release it; `ec2-state` in the event is the nearest state of
 * the contract (pending is reported as running).
 */
const OBSERVED_STATES: Record<string, Ec2State> = {
    pending: "running",
    running: "running",
    stopping: "stopping",
    stopped: "stopped",
    "shutting-down": "shutting-down",
    terminated: "terminated",
};
/** EventBridge event ids are UUIDs; anything else in the wake-up's id is not carried to the hub. */
const EVENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Turns one EC2 state-change event into a workbench event, believing EC2 rather than the event (#21 item 1): the
 * event only names the instance to look at. One DescribeInstances call says what the instance is now, in the
 * function's own account and region; a start is forwarded when it runs (or is pending) with valid workbench tags,
 * ignored when it carries none, rejected when its tags must not reach the license server; a stop is forwarded
 * whenever EC2 says stopping, stopped, shutting-down or terminated, or does not know the instance. The event's
 * state, time, account and region are never used: a forged or replayed event is at worst a wake-up, and the
 * workbench event is stamped with the time of the observation. Never throws for bad input; throws for AWS errors so
 * that Lambda retries and, after that, the on-failure destination keeps the event.
 */
export async function forwardStateChange(
    event: unknown,
    keys: WorkbenchTagKeys,
    context: ForwarderContext,
    ports: ForwarderPorts,
    telemetry: Telemetry,
    now: () => Date = () => new Date(),
): Promise<ForwardOutcome> {
    const wakeUp = parseWakeUp(event);
    if (typeof wakeUp === "string") {
        return reject(telemetry, wakeUp, { event: describeUntrusted(event, 300) });
    }
    const { instanceId } = wakeUp;
    const observed = await ports.describeInstance(instanceId, [keys.ownerTagKey, keys.typeTagKey]);
    const observedAt = now().toISOString();
    const ec2State = observed === undefined ? "terminated" : OBSERVED_STATES[observed.state];
    if (ec2State === undefined) {
        return ignore(telemetry, `EC2 reports state ${describeUntrusted(observed?.state)}, which neither starts nor ends a workbench`, instanceId);
    }
    const common = {
        "schema-version": WORKBENCH_EVENT_SCHEMA_VERSION,
        "instance-id": instanceId,
        account: context.account,
        region: context.region,
        "ec2-state": ec2State,
        "ec2-event-time": observedAt,
        "ec2-event-id": wakeUp.eventId,
    } as const;

    let detail: WorkbenchEventDetail;
    if (ec2State !== "running") {
        // Every stop EC2 reports is forwarded, tags or not: the instance may have held a seat under tags since removed
        // (or gone with a terminated instance), and only the hub knows.
        detail = { ...common, "workbench-state": "stopped" };
    } else {
        const owner = observed!.tags[keys.ownerTagKey];
        const type = observed!.tags[keys.typeTagKey];
        if (owner === undefined && type === undefined) {
            return ignore(telemetry, "instance has no workbench tags (not a workbench)", instanceId);
        }
        if (!isValidUserId(owner)) {
            return reject(telemetry, `tag ${keys.ownerTagKey} is missing, empty or not a valid user id`, { instanceId, value: describeUntrusted(owner) });
        }
        if (!isValidWorkbenchType(type)) {
            return reject(telemetry, `tag ${keys.typeTagKey} is missing, empty or not a valid workbench type`, { instanceId, value: describeUntrusted(type) });
        }
        detail = { ...common, "workbench-state": "started", "user-id": owner, "workbench-type": type };
    }
    const resource = `arn:${context.partition}:ec2:${context.region}:${context.account}:instance/${instanceId}`;
    await ports.publish(WORKBENCH_EVENT_SOURCE, WORKBENCH_EVENT_DETAIL_TYPE, detail, [resource]);
    telemetry.metric("WorkbenchEventsForwarded", 1);
    telemetry.info("workbench event forwarded", { ...detail });
    return { outcome: "forwarded", detail };
}

/** The instance an EC2 state-change event names, and its id; a reason when it names none. */
function parseWakeUp(event: unknown): { instanceId: string; eventId: string } | string {
    if (typeof event !== "object" || event === null) return "event is not an object";
    const e = event as Record<string, any>;
    if (e.source !== "aws.ec2" || e["detail-type"] !== "EC2 Instance State-change Notification") {
        return `not an EC2 state-change event (source ${describeUntrusted(e.source)}, detail-type ${describeUntrusted(e["detail-type"])})`;
    }
    const instanceId = e.detail?.["instance-id"];
    if (typeof instanceId !== "string" || !INSTANCE_ID_PATTERN.test(instanceId)) return "detail.instance-id is not an EC2 instance id";
    if (typeof e.id !== "string" || !EVENT_ID.test(e.id)) return "envelope id is not an event id";
    return { instanceId, eventId: e.id };
}

/** The forwarder's own account, region and partition: from its function ARN (account, partition) and AWS_REGION. */
export function forwarderContext(invokedFunctionArn: string, region: string | undefined): ForwarderContext {
    const [, partition, , , account] = invokedFunctionArn.split(":");
    if (!partition || !/^\d{12}$/.test(account ?? "") || !region) {
        throw new Error(`cannot tell the forwarder's account and region from ${JSON.stringify(invokedFunctionArn)} and AWS_REGION ${JSON.stringify(region)}`);
    }
    return { partition, account, region };
}

function ignore(telemetry: Telemetry, reason: string, instanceId: string): ForwardOutcome {
    telemetry.metric("WorkbenchEventsIgnored", 1);
    telemetry.info("event ignored", { reason, instanceId });
    return { outcome: "ignored", reason };
}

function reject(telemetry: Telemetry, reason: string, fields: Record<string, unknown>): ForwardOutcome {
    telemetry.metric("WorkbenchEventsRejected", 1);
    telemetry.warn("event rejected", { reason, ...fields });
    return { outcome: "rejected", reason };
}
