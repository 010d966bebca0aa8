/**
 * The fixed names the trust model is built on (docs/decisions/0001-names-and-admission.md). The hub bus policy and
 * the Organizations guardrails name the workbench accounts' roles, functions, rules and bus before those exist
 * (policies name them through `aws:PrincipalArn` and ARN patterns), so every side derives them from the same prefix.
 * IAM names are global per account, so the roles carry the region of the stack that owns them; functions and rules
 * are regional and keep one name in every region. Plain data, no Pulumi.
 */
import { DEFAULT_TAG_KEYS } from "../../functions/workbench-forwarder/forwarder";

/** Default prefix of the fixed names. */
export const DEFAULT_TRUST_NAME_PREFIX = "license-ops";
/**
 * IAM role names are at most 64 characters; the longest suffix is `-workbench-inventory-` (21) and the longest
 * region code 15 (`us-isof-south-1`), which leaves 28 for the prefix.
 */
export const MAX_TRUST_NAME_PREFIX_LENGTH = 28;
const PREFIX = new RegExp(`^[A-Za-z][A-Za-z0-9+=,.@_-]{0,${MAX_TRUST_NAME_PREFIX_LENGTH - 1}}$`);
/** An AWS region code (`eu-central-1`, `us-gov-west-1`, `us-isof-south-1`). */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** Names that are the same in every region: what the hub and the guardrails match, whatever the region. */
export interface ReservedNamePatterns {
    /** IAM name pattern matching every reserved role (what the guardrails protect). */
    roleNamePattern: string;
    /**
     * IAM name pattern of the forwarding roles, the only principals the hub bus admits. No dash before the `*`: it
     * also matches the single-region name of earlier releases (`<prefix>-workbench-to-hub`) during the migration.
     */
    forwardRolePattern: string;
    /** Lambda and EventBridge rule name pattern matching every reserved function and rule. */
    resourceNamePattern: string;
    /** Dedicated bus of each workbench account that the forwarder publishes to. */
    workbenchBusName: string;
    /** The forwarder Lambda (regional). */
    forwarderFunctionName: string;
    /** The inventory Lambda (regional). */
    inventoryFunctionName: string;
    /** Default-bus rule feeding EC2 state changes to the forwarder. */
    stateChangeRuleName: string;
    /** Default-bus schedule rule of the inventory. */
    inventoryRuleName: string;
    /** Workbench-bus rule forwarding workbench events to the hub bus. */
    forwardRuleName: string;
}

export interface TrustNames extends ReservedNamePatterns {
    /** Execution role of the forwarder Lambda: the only principal that may publish state changes on the workbench bus. */
    publisherRoleName: string;
    /** Execution role of the inventory Lambda: the other principal that may publish on the workbench bus (snapshots). */
    inventoryRoleName: string;
    /** Role the forwarding rule's target uses to put events on the hub bus: the only principal the hub bus admits. */
    forwardRoleName: string;
}

/** Why the prefix does not make valid IAM role, function, rule and bus names, or undefined when it does. */
export function trustNamePrefixProblem(prefix: unknown): string | undefined {
    if (typeof prefix === "string" && PREFIX.test(prefix)) return undefined;
    return `${JSON.stringify(prefix)} must start with a letter and use at most ${MAX_TRUST_NAME_PREFIX_LENGTH} letters, digits and + = , . @ _ - (IAM role names carry a region and are at most 64 characters)`;
}

/** Throws a message naming `field` unless the prefix makes valid IAM role and bus names. */
export function assertTrustNamePrefix(context: string, field: string, prefix: string): void {
    const problem = trustNamePrefixProblem(prefix);
    if (problem) throw new Error(`${context}: ${field} ${problem}.`);
}

/** The names that do not depend on the region: enough for the hub's admission and the guardrails. */
export function reservedNamePatterns(prefix: string = DEFAULT_TRUST_NAME_PREFIX): ReservedNamePatterns {
    return {
        roleNamePattern: `${prefix}-workbench-*`,
        forwardRolePattern: `${prefix}-workbench-to-hub*`,
        resourceNamePattern: `${prefix}-workbench-*`,
        workbenchBusName: `${prefix}-workbench-events`,
        forwarderFunctionName: `${prefix}-workbench-forwarder`,
        inventoryFunctionName: `${prefix}-workbench-inventory`,
        stateChangeRuleName: `${prefix}-workbench-ec2-state`,
        inventoryRuleName: `${prefix}-workbench-inventory`,
        forwardRuleName: `${prefix}-workbench-to-hub`,
    };
}

/** Every fixed name of one workbench account's stack in `region` (the region of its provider, never of an event). */
export function trustNames(prefix: string, region: string): TrustNames {
    if (!REGION.test(region)) throw new Error(`${JSON.stringify(region)} is not an AWS region code`);
    return {
        ...reservedNamePatterns(prefix),
        publisherRoleName: `${prefix}-workbench-forwarder-${region}`,
        inventoryRoleName: `${prefix}-workbench-inventory-${region}`,
        forwardRoleName: `${prefix}-workbench-to-hub-${region}`,
    };
}

/** Tag keys the guardrails protect by default (the forwarder's defaults). */
export const DEFAULT_WORKBENCH_TAG_KEYS = [DEFAULT_TAG_KEYS.ownerTagKey, DEFAULT_TAG_KEYS.typeTagKey];
