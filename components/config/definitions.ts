/**
 * License definitions of a LicenseConfigSet: types, validation and the License Manager rule strings they become.
 * Pure (no Pulumi, no AWS SDK), so the local sandbox and tests can use them directly.
 *
 * Sources for the constraints below:
 * - [API] CreateLicenseConfiguration, `LicenseRules` (AWS License Manager API Reference; the same text ships in
 *   @aws-sdk/client-license-manager's model): syntax `#name=value`; rules per counting type: Core: allowedTenancy |
 *   licenseAffinityToHost | maximumCores | minimumCores; Instance: allowedTenancy | maximumVcpus | minimumVcpus;
 *   Socket: allowedTenancy | licenseAffinityToHost | maximumSockets | minimumSockets; vCPU: allowedTenancy |
 *   honorVcpuOptimization | maximumVcpus | minimumVcpus. licenseAffinityToHost is in days, 1 to 180. allowedTenancy
 *   is EC2-Default, EC2-DedicatedHost or EC2-DedicatedInstance. honorVcpuOptimization is True or False.
 * - [Guide] License Manager User Guide, "Self-managed license parameters and rules": "Tenancy ... Dedicated Host
 *   is required if the counting type is Cores or Sockets"; license affinity "The counting type must be Cores or
 *   Sockets".
 * - [Tags] AWS tagging rules: keys 1-128 and values 0-256 characters of letters, digits, spaces and `_.:/=+-@`;
 *   the `aws:` prefix is reserved.
 */
import { childPath, knownKeys, problemsMessage, unknownKeyProblems } from "../shared/configKeys";
import type * as pulumi from "@pulumi/pulumi";

export {
    CHECKER_DEFAULTS,
    CHECKER_ENV,
    CHECKER_LIMITS,
    LICENSE_CONFIGURATION_ARN,
} from "../../functions/license-utilisation-checker/environment";

/** How License Manager counts a license (objects of constants, so other Pulumi languages see enums). */
export const CountingType = { vCPU: "vCPU", Instance: "Instance", Core: "Core", Socket: "Socket" } as const;
export type CountingType = (typeof CountingType)[keyof typeof CountingType];
export const COUNTING_TYPES: readonly CountingType[] = Object.values(CountingType);

/** The tenancy launches must use (`#allowedTenancy`). */
export const Tenancy = { Ec2Default: "EC2-Default", Ec2DedicatedHost: "EC2-DedicatedHost", Ec2DedicatedInstance: "EC2-DedicatedInstance" } as const;
export type Tenancy = (typeof Tenancy)[keyof typeof Tenancy];
export const TENANCIES: readonly Tenancy[] = Object.values(Tenancy);

/** Typed License Manager rules; each becomes one `#name=value` string. Which apply depends on the counting type. */
export interface LicenseRules {
    /**
     * `#allowedTenancy`: the tenancy launches must use. Core and Socket counting: only `EC2-DedicatedHost` [Guide].
     * One value: the API documents the rule as `#allowedTenancy=<value>`, and no syntax for several values.
     */
    allowedTenancy?: Tenancy;
    /** `#licenseAffinityToHost`: days (1-180) a license stays bound to its host. Core and Socket only [API][Guide]. */
    licenseAffinityToHostDays?: number;
    /** `#minimumVcpus` (vCPU and Instance counting). */
    minimumVcpus?: number;
    /** `#maximumVcpus` (vCPU and Instance counting). */
    maximumVcpus?: number;
    /** `#minimumCores` (Core counting). */
    minimumCores?: number;
    /** `#maximumCores` (Core counting). */
    maximumCores?: number;
    /** `#minimumSockets` (Socket counting). */
    minimumSockets?: number;
    /** `#maximumSockets` (Socket counting). */
    maximumSockets?: number;
    /** `#honorVcpuOptimization`: count the vCPUs an instance was launched with (CPU options), not its type's default. vCPU only. */
    honorVcpuOptimization?: boolean;
}

export type RuleKey = keyof LicenseRules;

/** The License Manager rule name of each typed rule. */
export const RULE_NAMES: Readonly<Record<RuleKey, string>> = {
    allowedTenancy: "allowedTenancy",
    licenseAffinityToHostDays: "licenseAffinityToHost",
    minimumVcpus: "minimumVcpus",
    maximumVcpus: "maximumVcpus",
    minimumCores: "minimumCores",
    maximumCores: "maximumCores",
    minimumSockets: "minimumSockets",
    maximumSockets: "maximumSockets",
    honorVcpuOptimization: "honorVcpuOptimization",
};

/** Rules allowed per counting type [API]. Order is the order of the generated rule strings. */
export const RULES_BY_COUNTING_TYPE: Readonly<Record<CountingType, readonly RuleKey[]>> = {
    Core: ["allowedTenancy", "licenseAffinityToHostDays", "minimumCores", "maximumCores"],
    Instance: ["allowedTenancy", "minimumVcpus", "maximumVcpus"],
    Socket: ["allowedTenancy", "licenseAffinityToHostDays", "minimumSockets", "maximumSockets"],
    vCPU: ["allowedTenancy", "honorVcpuOptimization", "minimumVcpus", "maximumVcpus"],
};

const MIN_MAX_PAIRS: ReadonlyArray<[RuleKey, RuleKey]> = [
    ["minimumVcpus", "maximumVcpus"],
    ["minimumCores", "maximumCores"],
    ["minimumSockets", "maximumSockets"],
];

/** One license you own, as a License Manager configuration. */
export interface LicenseDefinition {
    /** How licenses are counted: `vCPU`, `Instance`, `Core` or `Socket`. Required. */
    countingType: CountingType;
    /** Number of licenses owned (a positive integer). Required when `hardLimit` is true. */
    licenseCount?: pulumi.Input<number>;
    /** Block launches that would exceed `licenseCount`. Default true: enforcement is the point. */
    hardLimit?: boolean;
    /**
     * Why this license may exceed its count. Required when `hardLimit` is false (and refused otherwise); recorded as
     * the `licensing:hard-limit-exempt` tag, which the policy pack accepts as an explicit exemption.
     */
    hardLimitExemptReason?: string;
    /** License Manager rules; see LicenseRules for which apply to which counting type. Default: none. */
    rules?: LicenseRules;
    /** Description shown in License Manager. Default: none. */
    description?: pulumi.Input<string>;
    /** Tags of the license configuration (merged over the set's tags). Default: none. */
    tags?: Record<string, string>;
    /**
     * AMIs whose instances consume this license (License Manager associations). Default: none. A list of inputs: each
     * AMI is its own association, named by its id when the id is a plain value and by its position otherwise.
     */
    amiIds?: pulumi.Input<string>[];
}

/** Tag that marks a configuration allowed to run without a hard limit; its value is the stated reason. */
export const HARD_LIMIT_EXEMPT_TAG_KEY = "licensing:hard-limit-exempt";
/** Tag naming the LicenseConfigSet a configuration belongs to. */
export const LICENSE_SET_TAG_KEY = "licensing:license-set";

/** One checker's environment carries every ARN of the set, and Lambda environments are limited to 4 KB. */
export const MAX_LICENSES_PER_SET = 25;

/** Default schedule of the utilisation checker: License Manager publishes its usage metrics hourly too. */
export const DEFAULT_CHECK_SCHEDULE = "rate(1 hour)";

/** Definition names become License Manager names and parts of Pulumi resource names. */
export const DEFINITION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** `ami-` followed by 8 or 17 hexadecimal digits. */
export const AMI_ID = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const RESERVED_TAG_KEYS = new Set([HARD_LIMIT_EXEMPT_TAG_KEY, LICENSE_SET_TAG_KEY]);

const DEFINITION_KEYS = knownKeys<LicenseDefinition>()(
    "countingType",
    "licenseCount",
    "hardLimit",
    "hardLimitExemptReason",
    "rules",
    "description",
    "tags",
    "amiIds",
);
const RULE_KEYS = Object.keys(RULE_NAMES);

/** Every problem with one definition, each a sentence naming what is wrong (empty when valid). */
export function licenseDefinitionProblems(name: string, definition: LicenseDefinition): string[] {
    const problems: string[] = [];
    if (!DEFINITION_NAME.test(name)) {
        problems.push("its name must be 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit");
    }
    if (typeof definition !== "object" || definition === null || Array.isArray(definition)) return [...problems, "the definition is not an object"];
    // A misspelt optional key (amiId, hardlimit) would otherwise be dropped silently and its default used.
    problems.push(...unknownKeyProblems(definition, DEFINITION_KEYS, ""));
    const countingType = definition.countingType;
    if (!COUNTING_TYPES.includes(countingType)) {
        // Nothing else can be checked without a counting type.
        return [...problems, `countingType "${String(countingType)}" is not one of ${COUNTING_TYPES.join(", ")}`];
    }

    // [API] LicenseCount is a Long; ours: a count is a positive integer (0 under a hard limit blocks every launch).
    // An output's value is checked once known (licenseCountProblem).
    const count = definition.licenseCount;
    if (typeof count !== "object") problems.push(...licenseCountProblem(count));
    const hardLimit = definition.hardLimit ?? true;
    const reason = definition.hardLimitExemptReason;
    // [API] LicenseCountHardLimit: "Exceeding a hard limit blocks the launch of new instances": without a count
    // there is nothing to exceed, so a hard limit without one enforces nothing.
    if (hardLimit && count === undefined) {
        problems.push("a hard limit needs a licenseCount to enforce; set licenseCount, or hardLimit: false with a hardLimitExemptReason");
    }
    // Ours (policy pack contract): soft limits are explicit, with a reason recorded as a tag [Tags].
    if (!hardLimit && (reason === undefined || reason.trim() === "")) {
        problems.push("hardLimit: false needs a hardLimitExemptReason saying why launches may exceed the count");
    }
    if (hardLimit && reason !== undefined) {
        problems.push("hardLimitExemptReason is only allowed with hardLimit: false");
    }
    if (reason !== undefined && reason.trim() !== "" && !TAG_VALUE.test(reason)) {
        problems.push("hardLimitExemptReason becomes a tag value: at most 256 letters, digits, spaces and _.:/=+-@");
    }

    problems.push(...ruleProblems(countingType, definition.rules ?? {}));

    problems.push(...tagProblems(definition.tags));

    // EC2 AMI ids: "ami-" and 8 (older) or 17 hexadecimal digits. Outputs are checked once known (amiIdProblem).
    const amis = (definition.amiIds ?? []).filter((ami): ami is string => typeof ami === "string");
    for (const ami of amis) problems.push(...amiIdProblem(ami));
    const duplicates = amis.filter((ami, i) => amis.indexOf(ami) !== i);
    if (duplicates.length > 0) problems.push(`amiIds lists ${[...new Set(duplicates)].join(", ")} more than once`);
    return problems;
}

/** The problem with a license count, if any (none when absent). */
export function licenseCountProblem(count: number | undefined): string[] {
    return count === undefined || (Number.isSafeInteger(count) && count > 0) ? [] : [`licenseCount must be a positive integer (got ${count})`];
}

/** The problem with an AMI id, if any. */
export function amiIdProblem(ami: string): string[] {
    return AMI_ID.test(ami) ? [] : [`amiIds: "${ami}" is not an AMI id (ami- and 8 or 17 hex digits)`];
}

/** Problems with user-given tags [Tags]; keys the component sets itself are refused too. */
export function tagProblems(tags: Record<string, string> | undefined): string[] {
    const problems: string[] = [];
    for (const [key, value] of Object.entries(tags ?? {})) {
        if (!TAG_KEY.test(key) || key.toLowerCase().startsWith("aws:")) problems.push(`tag key "${key}" is not a valid tag key`);
        else if (RESERVED_TAG_KEYS.has(key)) problems.push(`tag key "${key}" is set by the component`);
        if (typeof value !== "string" || !TAG_VALUE.test(value)) problems.push(`tag "${key}" has an invalid value`);
    }
    return problems;
}

function ruleProblems(countingType: CountingType, rules: LicenseRules): string[] {
    const problems: string[] = [];
    // [API] rules per counting type.
    const allowed = RULES_BY_COUNTING_TYPE[countingType];
    problems.push(...unknownKeyProblems(rules, RULE_KEYS, "rules"));
    for (const key of Object.keys(rules) as RuleKey[]) {
        if (rules[key] === undefined || !(key in RULE_NAMES)) continue;
        if (!allowed.includes(key)) {
            problems.push(
                `rule ${RULE_NAMES[key]} (rules.${key}) is not valid for counting type ${countingType}; ` +
                    `valid: ${allowed.map((k) => RULE_NAMES[k]).join(", ")}`,
            );
        }
    }
    // [API] tenancy values; [Guide] Dedicated Host for Core and Socket counting.
    const tenancy = rules.allowedTenancy;
    if (tenancy !== undefined) {
        if (!TENANCIES.includes(tenancy)) {
            problems.push(`allowedTenancy "${tenancy}" is not one of ${TENANCIES.join(", ")}`);
        } else if ((countingType === "Core" || countingType === "Socket") && tenancy !== "EC2-DedicatedHost") {
            problems.push(`allowedTenancy must be EC2-DedicatedHost for counting type ${countingType} (License Manager: Dedicated Host is required when counting cores or sockets)`);
        }
    }
    // [API][Guide] 1 to 180 days.
    const affinity = rules.licenseAffinityToHostDays;
    if (affinity !== undefined && !(Number.isInteger(affinity) && affinity >= 1 && affinity <= 180)) {
        problems.push(`licenseAffinityToHostDays must be an integer from 1 to 180 (got ${affinity})`);
    }
    if (rules.honorVcpuOptimization !== undefined && typeof rules.honorVcpuOptimization !== "boolean") {
        problems.push("honorVcpuOptimization must be true or false");
    }
    // Ours: resource counts are positive integers, and a minimum above the maximum matches no instance.
    for (const [minKey, maxKey] of MIN_MAX_PAIRS) {
        for (const key of [minKey, maxKey]) {
            const value = rules[key];
            if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0)) {
                problems.push(`${RULE_NAMES[key]} must be a positive integer (got ${String(value)})`);
            }
        }
        const min = rules[minKey] as number | undefined;
        const max = rules[maxKey] as number | undefined;
        if (min !== undefined && max !== undefined && min > max) {
            problems.push(`${RULE_NAMES[minKey]} (${min}) is greater than ${RULE_NAMES[maxKey]} (${max})`);
        }
    }
    return problems;
}

/** The License Manager rule strings (`#name=value`) of valid rules, in a stable order. */
export function licenseRuleStrings(countingType: CountingType, rules: LicenseRules = {}): string[] {
    return RULES_BY_COUNTING_TYPE[countingType]
        .filter((key) => rules[key] !== undefined)
        .map((key) => {
            const value = rules[key];
            return `#${RULE_NAMES[key]}=${typeof value === "boolean" ? (value ? "True" : "False") : String(value)}`;
        });
}

/**
 * Throws one error listing every problem of every definition, each prefixed with the definition's name, so a
 * reviewer fixes them in one pass. Nothing is created when this throws.
 */
export function assertValidLicenseDefinitions(context: string, licenses: Record<string, LicenseDefinition>): void {
    const problems = licenseDefinitionsProblems(licenses, "licenses");
    if (problems.length > 0) throw new Error(problemsMessage(context, problems));
}

/**
 * Every problem of a set of definitions, each starting with the path the user wrote under `path` (the argument or
 * stack setting), e.g. `licenses.oracle-database-ee: unknown key "amiId" (did you mean "amiIds"?)`.
 */
export function licenseDefinitionsProblems(licenses: Record<string, LicenseDefinition>, path: string): string[] {
    if (typeof licenses !== "object" || licenses === null || Array.isArray(licenses)) return [`${path}: must map license names to definitions`];
    const names = Object.keys(licenses);
    if (names.length === 0) return [`${path}: must define at least one license`];
    if (names.length > MAX_LICENSES_PER_SET) {
        return [`${path}: ${names.length} licenses in one set; at most ${MAX_LICENSES_PER_SET} (split them into several LicenseConfigSets)`];
    }
    return names.flatMap((name) => licenseDefinitionProblems(name, licenses[name]).map((p) => `${childPath(path, name)}: ${p}`));
}
