/**
 * The sandbox scenario: who exists (accounts, users, workbench instances), what the organisation licenses (the
 * hub's product catalog and the governance stack's License Manager licenses, with seeded usage), what happens
 * (a timeline of EC2 state changes as EventBridge delivers them) and what the license servers must hold at the
 * end. Loaded from JSON and validated by scenarioFile.ts, so a mistake in a scenario file fails with a message naming
 * the entry.
 */
import { createHash } from "node:crypto";
import type { StackRole } from "../../stacks/roles";
import type { KnownCatalog } from "../../components/hub/catalog";
import type { LicenseDefinition } from "../../components/config/definitions";
import type { DeliveryExpectation, FaultExpectation } from "../story/expectations";
import type { Attempt } from "./attempts";
import type { Departure } from "./departures";
import type { AccountMove, ScenarioOrganization } from "./organization";
import type { SeatEventDetailType } from "../../functions/hub-seat-events/seatEventContract";

/** Every EC2 state the EC2 service reports; the forwarder's rule only matches some of them. */
export const EC2_STATES = ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"] as const;
export type Ec2StateName = (typeof EC2_STATES)[number];

export interface ScenarioAccount {
    accountId: string;
    /** The stack deployed to this account. */
    role: StackRole;
    /** Workbench accounts: listed in the hub's `workbenchAccountIds` (so the hub bus admits them). Default false. */
    allowedOnHub?: boolean;
    /** AWS Organizations id the account belongs to (checked against an `aws:PrincipalOrgID` bus policy). */
    organizationId?: string;
    /** With `organization`: key of the OU the account sits in at the start (organization.ts). Default: the root. */
    organizationalUnit?: string;
    /**
     * Workbench accounts: the regions it runs workbenches in, one workbench stack each (the first is its home region,
     * whose stack keeps the name `workbench-<key>`). Default: the scenario's region.
     */
    regions?: string[];
}

export interface ScenarioInstance {
    /** Key of the workbench account the instance runs in. */
    account: string;
    /** The region it runs in: one of its account's `regions`. Default: the account's first (home) region. */
    region?: string;
    /** EC2 instance id. Default: derived from the account and the instance's key. */
    instanceId?: string;
    /** Owner user id: becomes the forwarder's owner tag (the key the workbench stack configures). */
    owner?: string;
    /** Workbench type: becomes the forwarder's type tag. */
    type?: string;
    /** Raw EC2 tags, for instances that are not well-formed workbenches (hostile or missing values, other instances). */
    tags?: Record<string, string>;
    /** EC2 state when the stacks are deployed (only the inventory can tell the hub about it). Default `stopped`. */
    stateAtDeployment?: Ec2StateName;
    /** With `stateAtDeployment`: what the first inventory must do about it (e.g. outcome healed-by-inventory). */
    expect?: DeliveryExpectation;
}

/** One delivery of an EC2 state-change event to a workbench account's default bus. */
export interface TimelineEntry {
    /** Scenario time of the delivery: seconds, or "m:ss". */
    at: number | string;
    /** Key of the instance; required unless `redeliver`. */
    instance?: string;
    /** EC2 state the instance entered; required unless `redeliver`. */
    state?: Ec2StateName;
    /** Scenario time the state change happened (the EC2 event's time). Default `at`; earlier means a late delivery. */
    occurredAt?: number | string;
    /** Names this event so a later entry can deliver it again. */
    label?: string;
    /** Delivers the labelled event again, unchanged (same id, same time): EventBridge's at-least-once delivery. */
    redeliver?: string;
    /**
     * Labels of earlier deliveries (of other instances) the hub must have processed before this one is delivered: a
     * causal order the story needs even when the machine is slow (carol waits for a seat before alice frees one).
     */
    after?: string[];
    /** The state change happens in EC2 but its event is lost (never delivered): only an inventory can tell the hub. */
    lost?: boolean;
    /** The instance's workbench tags are removed just before this state change (e.g. a stop of an untagged instance). */
    removeTags?: boolean;
    /**
     * Not a state change: the forwarder receives an event claiming `state` for the instance (and, with `region`,
     * another region) that EC2 never sent, as a default-bus rule retargeted with a constant `Input` would deliver it
     * if the guardrail SCP let a developer retarget it (docs/trust-model.md). EC2's truth does not change.
     */
    forged?: { region?: string };
    /** Shown in the timeline. */
    note?: string;
    /** What the note promises, checked at the end of the run (expectations.ts, docs/sandbox.md). */
    expect?: DeliveryExpectation;
}

/**
 * Where a fault is injected: an account's EC2 API, the vendor CLI on the license servers, or the hub's change marks
 * (deleted, as if the change marker's writes were lost: the sync's safety net must find what they announced).
 */
export const FAULT_TARGETS = ["ec2", "vendor-cli", "change-marks"] as const;

/**
 * From `at` on, the next `times` calls to the target fail (EC2 throttles the account's DescribeInstances calls for
 * one instance, i.e. the forwarder's; the vendor CLI exits non-zero); the change marks are deleted `times` times in a row.
 */
export interface Fault {
    at: number | string;
    target: (typeof FAULT_TARGETS)[number];
    /** Workbench account whose EC2 fails (target ec2). */
    account?: string;
    times: number;
    note?: string;
    /** What the note promises, checked at the end of the run. */
    expect?: FaultExpectation;
}

/** A Seat Denied / Seat Granted event the hub must put on its bus (checked by story/seatEvents.ts). */
export interface ExpectedSeatEvent {
    detailType: SeatEventDetailType;
    user: string;
    product: string;
    /** The `queue-position` the event must carry. Default: any. */
    queuePosition?: number;
    note?: string;
}

/** Usage rows seeded into the License Manager stand-in for one configuration. */
export interface UsageSeed {
    /** License Manager resource type of every row (EC2_INSTANCE, EC2_HOST, ...). */
    resourceType: string;
    /** Number of resources (usage rows). */
    resources: number;
    /** Licenses each resource consumes; ConsumedLicenses is the sum. */
    consumedPerResource: number;
}

/** A configuration outside the governance stack's set that the usage report tracks too (e.g. in another region). */
export interface TrackedConfiguration {
    arn: string;
    name: string;
    countingType: "vCPU" | "Instance" | "Core" | "Socket";
    licenseCount?: number;
    usage: UsageSeed;
}

export interface Scenario {
    description: string;
    region: string;
    accounts: Record<string, ScenarioAccount>;
    users: string[];
    /** The hub's catalog. Product commands are left out: the sandbox plugs in its fake vendor CLI. */
    catalog: KnownCatalog;
    instances: Record<string, ScenarioInstance>;
    timeline: TimelineEntry[];
    /** Failures injected while the timeline plays. Default none. */
    faults?: Fault[];
    /** Forgery and re-tag attempts from inside workbench accounts (attempts.ts). Default none. */
    attempts?: Attempt[];
    /** Accounts removed from the hub's admitted set by a redeploy, each at its time (departures.ts). Default none. */
    departures?: Departure[];
    /**
     * The AWS organisation: its OUs and which are the workbench OUs. With it the hub runs in organisation mode
     * (admission by OU path, the StackSet, the membership reader) instead of listing accounts (organization.ts).
     */
    organization?: ScenarioOrganization;
    /** Accounts moved between the organisation's OUs, each at its time (organization.ts). Default none. */
    moves?: AccountMove[];
    /** The hub's Seat Denied / Seat Granted events the run must put on the hub bus, and no others (story/seatEvents.ts). Default: not checked. */
    seatEvents?: ExpectedSeatEvent[];
    /** Each product's named-user list the license server must hold at the end. */
    expected: Record<string, string[]>;
    /** The governance stack's licenses (LicenseConfigSet definitions). */
    licenses: Record<string, LicenseDefinition>;
    /** Usage seeded for each license of `licenses`, by license name. */
    licenseUsage: Record<string, UsageSeed>;
    trackedLicenseConfigurations?: TrackedConfiguration[];
    /** Licenses the governance account received (AWS Marketplace, vendor grants), for the usage report to list. */
    receivedLicenses?: ReceivedLicenseSeed[];
}

/** A received license as the scenario seeds it into License Manager; validity relative to the sandbox's start. */
export interface ReceivedLicenseSeed {
    product: string;
    issuer: string;
    /** Its home region: the report lists it when it reads that region. */
    region: string;
    /** Days from the sandbox's start until the validity ends; absent: no end date. */
    expiresInDays?: number;
    entitlements: Array<{ name: string; max: number; consumed: number }>;
}

/** A timeline entry resolved to what the sandbox delivers. */
export interface Delivery {
    /** Scenario seconds of the delivery. */
    at: number;
    /** Scenario seconds the EC2 state change happened. */
    occurredAt: number;
    instance: string;
    state: Ec2StateName;
    /** Stable id of the EC2 event (a redelivery carries the original's). */
    eventId: string;
    redelivery: boolean;
    lost: boolean;
    removeTags: boolean;
    /** A forged event (TimelineEntry.forged): EC2's truth does not change. */
    forged?: { region?: string };
    /** The entry's label (a redelivery carries its original's). */
    label?: string;
    /** Labels of deliveries processed before this one is delivered (TimelineEntry.after). */
    after?: string[];
    note?: string;
    expect?: DeliveryExpectation;
}

/** Seconds from a scenario time: a number of seconds or "m:ss". */
export function scenarioSeconds(value: number | string): number {
    if (typeof value === "number") return value;
    const match = /^(\d+):([0-5]\d)(\.\d+)?$/.exec(value);
    if (!match) return Number.NaN;
    return Number(match[1]) * 60 + Number(match[2]) + Number(match[3] ?? 0);
}

/** "m:ss" for a number of scenario seconds. */
export function formatScenarioTime(seconds: number): string {
    const whole = Math.max(0, Math.round(seconds));
    return `${String(Math.floor(whole / 60)).padStart(2, "0")}:${String(whole % 60).padStart(2, "0")}`;
}

/** The instance id of a scenario instance (given, or derived so the same scenario always uses the same ids). */
export function instanceIdOf(scenario: Scenario, key: string): string {
    const instance = scenario.instances[key];
    return instance.instanceId ?? `i-${createHash("sha256").update(`${instance.account}/${key}`).digest("hex").slice(0, 17)}`;
}

/** The regions a scenario account runs its stack in: a workbench account's `regions`, else the scenario's region. */
export function accountRegions(scenario: Scenario, accountKey: string): string[] {
    const regions = scenario.accounts[accountKey]?.regions;
    return regions !== undefined && regions.length > 0 ? regions : [scenario.region];
}

/** The home region (the first of its regions) of the scenario account with this id. */
export function homeRegionOf(scenario: Scenario, accountId: string): string {
    const key = Object.keys(scenario.accounts).find((k) => scenario.accounts[k].accountId === accountId);
    return key === undefined ? scenario.region : accountRegions(scenario, key)[0];
}

/** The region an instance runs in (its own, else its account's home region). */
export function instanceRegion(scenario: Scenario, key: string): string {
    const instance = scenario.instances[key];
    return instance.region ?? accountRegions(scenario, instance.account)[0];
}

export function accountsWithRole(scenario: Scenario, role: StackRole): Array<[string, ScenarioAccount]> {
    return Object.entries(scenario.accounts).filter(([, a]) => a.role === role);
}

/** The timeline as deliveries, in delivery order (stable for equal times). */
export function deliveries(scenario: Scenario): Delivery[] {
    const byLabel = new Map<string, Delivery>();
    const resolved = scenario.timeline.map((entry, index) => ({ entry, index, at: scenarioSeconds(entry.at) }));
    resolved.sort((a, b) => a.at - b.at || a.index - b.index);
    return resolved.map(({ entry, index, at }) => {
        if (entry.redeliver !== undefined) {
            const original = byLabel.get(entry.redeliver)!;
            return { ...original, at, redelivery: true, removeTags: false, after: entry.after, note: entry.note, expect: entry.expect };
        }
        const occurredAt = entry.occurredAt === undefined ? at : scenarioSeconds(entry.occurredAt);
        const delivery: Delivery = {
            at,
            occurredAt,
            instance: entry.instance!,
            state: entry.state!,
            eventId: `ec2-${createHash("sha256").update(`${index}/${entry.instance}/${entry.state}/${occurredAt}`).digest("hex").slice(0, 24)}`,
            redelivery: false,
            lost: entry.lost === true,
            removeTags: entry.removeTags === true,
            forged: entry.forged,
            label: entry.label,
            after: entry.after,
            note: entry.note,
            expect: entry.expect,
        };
        if (entry.label !== undefined) byLabel.set(entry.label, delivery);
        return delivery;
    });
}
