/**
 * The fixed names the trust model is built on. The hub bus policy and the Organizations guardrails name the
 * workbench accounts' roles and bus before those exist (policies name them through `aws:PrincipalArn` and ARN
 * patterns), so every side derives them from the same prefix. Plain data, no Pulumi.
 */
import { DEFAULT_TAG_KEYS } from "../../functions/workbench-forwarder/forwarder";

/** Default prefix of the fixed names. */
export const DEFAULT_TRUST_NAME_PREFIX = "license-ops";
const PREFIX = /^[A-Za-z][A-Za-z0-9+=,.@_-]{0,30}$/;

export interface TrustNames {
    /** Execution role of the forwarder Lambda: the only principal that may publish on the workbench bus. */
    publisherRoleName: string;
    /** Execution role of the inventory Lambda: the other principal that may publish on the workbench bus (snapshots). */
    inventoryRoleName: string;
    /** Role the forwarding rule's target uses to put events on the hub bus: the only principal the hub bus admits. */
    forwardRoleName: string;
    /** Dedicated bus of each workbench account that the forwarder publishes to. */
    workbenchBusName: string;
    /** IAM name pattern matching every role above (what the guardrails protect). */
    roleNamePattern: string;
}

/** Throws a message naming `field` unless the prefix makes valid IAM role and bus names. */
export function assertTrustNamePrefix(context: string, field: string, prefix: string): void {
    if (!PREFIX.test(prefix)) {
        throw new Error(`${context}: ${field} ${JSON.stringify(prefix)} must start with a letter and use at most 31 letters, digits and + = , . @ _ -.`);
    }
}

export function trustNames(prefix: string = DEFAULT_TRUST_NAME_PREFIX): TrustNames {
    return {
        publisherRoleName: `${prefix}-workbench-forwarder`,
        inventoryRoleName: `${prefix}-workbench-inventory`,
        forwardRoleName: `${prefix}-workbench-to-hub`,
        workbenchBusName: `${prefix}-workbench-events`,
        roleNamePattern: `${prefix}-workbench-*`,
    };
}

/** Tag keys the guardrails protect by default (the forwarder's defaults). */
export const DEFAULT_WORKBENCH_TAG_KEYS = [DEFAULT_TAG_KEYS.ownerTagKey, DEFAULT_TAG_KEYS.typeTagKey];
