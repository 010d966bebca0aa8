/**
 * The pack's configuration: policy names, default enforcement levels, and each policy's settings with their
 * defaults and JSON schema. Users override both per policy in a policy config file, e.g.
 *
 *   { "required-tags": { "enforcementLevel": "advisory", "requiredTags": ["CostCenter", "Owner"] },
 *     "lambda-async-failure-destination": "disabled" }
 *
 * passed as `pulumi preview --policy-pack policy --policy-pack-config policy-config.json`.
 */
import type { EnforcementLevel, PolicyConfigSchema, PolicyPackConfig } from "@pulumi/policy";
import { DEFAULT_TAG_KEYS } from "./lib/workbenchContract";

export const POLICY = {
    workbenchTags: "workbench-instance-tags",
    requiredTags: "required-tags",
    s3Encryption: "s3-bucket-encryption",
    s3PublicAccess: "s3-bucket-public-access-block",
    iamWildcards: "iam-no-wildcard-actions",
    lambdaFailureHandling: "lambda-async-failure-destination",
    licenseHardLimit: "license-hard-limit",
    iamAdminAccess: "iam-no-admin-access",
    publicResourcePolicy: "no-public-resource-policy",
    sqsEncryption: "sqs-queue-encryption",
    snsEncryption: "sns-topic-encryption",
    tlsOnly: "tls-only-resource-policy",
    kmsRotation: "kms-key-rotation",
    logRetention: "cloudwatch-log-group-retention",
    dynamodbProtection: "dynamodb-table-protection",
    s3AccessLogging: "s3-bucket-access-logging",
    lambdaRuntime: "lambda-supported-runtime",
    lambdaConcurrency: "lambda-reserved-concurrency",
    iamReference: "iam-aws-reference",
    iamStarResource: "iam-no-wildcard-resource",
} as const;
export type PolicyName = (typeof POLICY)[keyof typeof POLICY];

/**
 * Mandatory everywhere: these are security (public data, privilege, untrusted tag values reaching a license CLI),
 * lost work (failed asynchronous invocations) and license compliance. Required tags are mandatory too, because the
 * pack exists to stop untagged resources; lower any of them to "advisory" while adopting the pack.
 */
export const DEFAULT_ENFORCEMENT: Readonly<Record<PolicyName, EnforcementLevel>> = {
    [POLICY.workbenchTags]: "mandatory",
    [POLICY.requiredTags]: "mandatory",
    [POLICY.s3Encryption]: "mandatory",
    [POLICY.s3PublicAccess]: "mandatory",
    [POLICY.iamWildcards]: "mandatory",
    [POLICY.lambdaFailureHandling]: "mandatory",
    [POLICY.licenseHardLimit]: "mandatory",
    [POLICY.iamAdminAccess]: "mandatory",
    [POLICY.publicResourcePolicy]: "mandatory",
    [POLICY.sqsEncryption]: "mandatory",
    [POLICY.snsEncryption]: "mandatory",
    [POLICY.tlsOnly]: "mandatory",
    [POLICY.kmsRotation]: "mandatory",
    [POLICY.logRetention]: "mandatory",
    [POLICY.dynamodbProtection]: "mandatory",
    // Exemptible by tag (see lib/exemptions.ts): our buckets carry the exemption with its reason.
    [POLICY.s3AccessLogging]: "mandatory",
    [POLICY.lambdaRuntime]: "mandatory",
    // Advisory: reserving concurrency fails in accounts whose concurrency quota is still the new-account 10, and a
    // wrong number throttles a function; a cap is a per-deployment decision, not a guardrail.
    [POLICY.lambdaConcurrency]: "advisory",
    [POLICY.iamReference]: "mandatory",
    [POLICY.iamStarResource]: "mandatory",
};

export interface WorkbenchTagsConfig {
    /** Tag naming the workbench owner. Must match the WorkbenchAccountForwarder's `ownerTagKey`. */
    ownerTagKey: string;
    /** Tag naming the workbench type. Must match the WorkbenchAccountForwarder's `workbenchTypeTagKey`. */
    typeTagKey: string;
}

export interface RequiredTagsConfig {
    /** Tags every taggable AWS resource must carry with a non-empty value (own tags or provider default tags). */
    requiredTags: string[];
    /** Resource types exempt from the rule, e.g. `aws:ec2/tag:Tag`-like helpers of your own. */
    exemptTypes: string[];
}

export interface IamWildcardsConfig {
    /** Wildcard actions accepted in Allow statements anyway, spelled exactly as in the policy. Use sparingly. */
    allowedWildcardActions: string[];
}

export interface LambdaFailureHandlingConfig {
    /** Service principals whose invoke permission makes a function "invoked asynchronously". */
    asyncPrincipals: string[];
}

export interface LicenseHardLimitConfig {
    /** Tag that exempts a license configuration from the hard limit; its value is the (non-empty) reason. */
    exemptionTagKey: string;
}

export interface IamAdminAccessConfig {
    /** AWS managed policies (by name) that must not be attached to any role, user or group. */
    forbiddenManagedPolicies: string[];
}

export interface LogRetentionConfig {
    /** Fewest days a log group keeps its events. Security Hub's CloudWatch.16 defaults to 365; ours to 30. */
    minimumRetentionDays: number;
}

export interface LambdaRuntimeConfig {
    /** Runtimes AWS has deprecated (no security patches): functions on them are refused. */
    deprecatedRuntimes: string[];
}

/** The tag that exempts a license configuration from `license-hard-limit`; LicenseConfigSet sets exactly this. */
export const HARD_LIMIT_EXEMPT_TAG = "licensing:hard-limit-exempt";

export const DEFAULTS = {
    [POLICY.workbenchTags]: { ownerTagKey: DEFAULT_TAG_KEYS.ownerTagKey, typeTagKey: DEFAULT_TAG_KEYS.typeTagKey } satisfies WorkbenchTagsConfig,
    [POLICY.requiredTags]: { requiredTags: ["CostCenter", "Owner"], exemptTypes: [] } satisfies RequiredTagsConfig,
    [POLICY.iamWildcards]: { allowedWildcardActions: [] } satisfies IamWildcardsConfig,
    [POLICY.lambdaFailureHandling]: {
        asyncPrincipals: ["events.amazonaws.com", "sns.amazonaws.com", "s3.amazonaws.com"],
    } satisfies LambdaFailureHandlingConfig,
    [POLICY.licenseHardLimit]: { exemptionTagKey: HARD_LIMIT_EXEMPT_TAG } satisfies LicenseHardLimitConfig,
    [POLICY.iamAdminAccess]: {
        forbiddenManagedPolicies: ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "AWSOrganizationsFullAccess"],
    } satisfies IamAdminAccessConfig,
    [POLICY.logRetention]: { minimumRetentionDays: 30 } satisfies LogRetentionConfig,
    [POLICY.lambdaRuntime]: {
        // AWS Lambda's deprecation table (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html), November 2026.
        deprecatedRuntimes: [
            "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "nodejs18.x", "nodejs20.x",
            "python2.7", "python3.6", "python3.7", "python3.8", "python3.9",
            "java8", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet5.0", "dotnet6",
            "ruby2.5", "ruby2.7", "ruby3.2", "go1.x", "provided",
        ],
    } satisfies LambdaRuntimeConfig,
};

const stringList = (description: string, defaults: string[]) => ({
    type: "array" as const,
    items: { type: "string" as const, minLength: 1 },
    default: defaults,
    description,
});

/** JSON schemas the engine validates the policy config file against (and shows in `pulumi policy`). */
export const CONFIG_SCHEMAS: Partial<Record<PolicyName, PolicyConfigSchema>> = {
    [POLICY.workbenchTags]: {
        properties: {
            ownerTagKey: { type: "string", minLength: 1, maxLength: 128, default: DEFAULT_TAG_KEYS.ownerTagKey },
            typeTagKey: { type: "string", minLength: 1, maxLength: 128, default: DEFAULT_TAG_KEYS.typeTagKey },
        },
    },
    [POLICY.requiredTags]: {
        properties: {
            requiredTags: stringList("Tag keys every taggable AWS resource must carry.", DEFAULTS[POLICY.requiredTags].requiredTags),
            exemptTypes: stringList("Resource type tokens exempt from the rule.", []),
        },
    },
    [POLICY.iamWildcards]: {
        properties: { allowedWildcardActions: stringList("Wildcard actions accepted in Allow statements anyway.", []) },
    },
    [POLICY.lambdaFailureHandling]: {
        properties: {
            asyncPrincipals: stringList("Principals whose invoke permission means asynchronous invocation.", DEFAULTS[POLICY.lambdaFailureHandling].asyncPrincipals),
        },
    },
    [POLICY.licenseHardLimit]: {
        properties: { exemptionTagKey: { type: "string", minLength: 1, maxLength: 128, default: HARD_LIMIT_EXEMPT_TAG } },
    },
    [POLICY.iamAdminAccess]: {
        properties: {
            forbiddenManagedPolicies: stringList("AWS managed policy names never attached.", DEFAULTS[POLICY.iamAdminAccess].forbiddenManagedPolicies),
        },
    },
    [POLICY.logRetention]: {
        properties: { minimumRetentionDays: { type: "integer", minimum: 1, default: DEFAULTS[POLICY.logRetention].minimumRetentionDays } },
    },
    [POLICY.lambdaRuntime]: {
        properties: { deprecatedRuntimes: stringList("Lambda runtimes refused as deprecated.", DEFAULTS[POLICY.lambdaRuntime].deprecatedRuntimes) },
    },
};

/**
 * A policy's settings: the defaults, overridden by what the config file sets. The engine fills schema defaults
 * itself, but validators also run without it (tests, older CLIs), so they never rely on that.
 */
export function settings<T extends object>(args: { getConfig<C extends object>(): C }, defaults: T): T {
    const given = args.getConfig<Partial<T>>() ?? {};
    const merged = { ...defaults };
    for (const [key, value] of Object.entries(given)) {
        if (value !== undefined && key in defaults) (merged as Record<string, unknown>)[key] = value;
    }
    return merged;
}

/**
 * The enforcement level the engine applies to a policy: the policy's own entry in the config file (a level, or an
 * object with `enforcementLevel`), else the file's `all` entry, else the policy's default.
 */
export function enforcementLevelOf(policy: { name: string; enforcementLevel?: EnforcementLevel }, config: PolicyPackConfig = {}): EnforcementLevel {
    const levelIn = (entry: unknown): EnforcementLevel | undefined =>
        typeof entry === "string" ? (entry as EnforcementLevel) : (entry as { enforcementLevel?: EnforcementLevel } | undefined)?.enforcementLevel;
    return levelIn(config[policy.name]) ?? levelIn(config.all) ?? policy.enforcementLevel ?? "advisory";
}
