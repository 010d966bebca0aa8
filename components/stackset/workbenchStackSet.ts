import { plainValueProblem, regionProblem } from "../shared/argumentChecks";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { handlerArchive } from "../lambda/bundle";
import { componentType } from "../shared/componentType";
import { regionalProvider } from "../shared/regionalProvider";
import { denyInsecureTransport } from "../shared/denyInsecureTransport";
import { S3_ACCESS_LOGGING_EXEMPTION_TAG, noAccessLogsReason } from "../shared/policyExemptions";
import { knownKeys, problemsMessage, unknownKeyProblems } from "../shared/configKeys";
import { whenKnown } from "../shared/validation";
import { DEFAULT_TRUST_NAME_PREFIX, assertTrustNamePrefix } from "../trust/trustNames";
import { DEFAULT_INVENTORY_SCHEDULE, EVENT_BUS_ARN } from "../workbench/workbenchAccountForwarder";
import { DEFAULT_TAG_KEYS } from "../../functions/workbench-forwarder/forwarder";
import { CODE_KEY_PREFIX, FORWARDER_TEMPLATE_PARAMETERS as P, forwarderTemplate, templateBundles } from "./forwarderTemplate";
import { membershipReaderRole } from "./membershipReader";

export interface WorkbenchStackSetArgs {
    /** ARN of the LicenseServerHub's bus (license-server stack output `hubEventBusArn`). Required. */
    hubEventBusArn: pulumi.Input<string>;
    /**
     * Region -> the SNS topic the alarms of every workbench account in that region notify: a central topic in that
     * region whose policy (and key policy) admit `cloudwatch.amazonaws.com` from the organisation's accounts
     * (AlertTopic `admitOrganizationAlarms`); CloudWatch notifies topics of its own region. One per region of
     * `regions`. Required.
     */
    alarmTopicArns: Record<string, pulumi.Input<string>>;
    /** AWS Organizations id (`o-...`): only its principals may read the Lambda bundles. Required. */
    organizationId: pulumi.Input<string>;
    /**
     * The workbench OUs (`ou-...`): every account in them, now or later, gets the forwarder in every region of
     * `regions`; an account moved out loses it. Plain values (one stack instance group per region). Required.
     */
    organizationalUnitIds: string[];
    /** Regions the workbenches run in: one code bucket and one stack instance group each. Plain values. Required. */
    regions: string[];
    /** Prefix of the fixed names (the hub's `workbenchNamePrefix`), at most 28 characters. Default `license-ops`. */
    namePrefix?: pulumi.Input<string>;
    /** Tag holding the workbench owner's user id. Default `vew:workbench:ownerId`. */
    ownerTagKey?: pulumi.Input<string>;
    /** Tag holding the workbench type. Default `vew:workbench:type`. */
    workbenchTypeTagKey?: pulumi.Input<string>;
    /** Schedule of the inventory in every account-region. Default `rate(5 minutes)`. */
    inventorySchedule?: pulumi.Input<string>;
    /**
     * Prefix of the per-region code buckets (`<prefix>-<region>`, globally unique names), at most 40 characters.
     * Default `<namePrefix>-workbench-code-<this account id>`.
     */
    codeBucketPrefix?: string;
    /** `SELF` from the management account, `DELEGATED_ADMIN` from a delegated administrator for StackSets. Default `SELF`. */
    callAs?: StackSetCallAs;
    /** Percentage of accounts updated at once in each region during a rollout (1-100). Default 10. */
    maxConcurrentPercentage?: number;
    /** Percentage of accounts per region that may fail before a rollout stops (0-100). Default 5. */
    failureTolerancePercentage?: number;
    /**
     * The hub's silence watch role (LicenseServerHub `inventoryWatchRoleArn`): creates the membership reader role
     * `<namePrefix>-workbench-membership-reader`, which only that role may assume, listing the workbench OUs' accounts
     * so the hub releases the seats of accounts that leave them (give its ARN to the hub's `membershipReaderRoleArn`).
     * Default: none.
     */
    hubInventoryWatchRoleArn?: pulumi.Input<string>;
}

/**
 * Whom CloudFormation StackSets acts as: the management account (`SELF`) or a delegated administrator
 * (`DELEGATED_ADMIN`). An object of constants, so other Pulumi languages see an enum.
 */
export const StackSetCallAs = { Self: "SELF", DelegatedAdmin: "DELEGATED_ADMIN" } as const;
export type StackSetCallAs = (typeof StackSetCallAs)[keyof typeof StackSetCallAs];

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/;

const ARG_KEYS = knownKeys<WorkbenchStackSetArgs>()(
    "hubEventBusArn", "alarmTopicArns", "organizationId", "organizationalUnitIds", "regions", "namePrefix", "ownerTagKey",
    "workbenchTypeTagKey", "inventorySchedule", "codeBucketPrefix", "callAs", "maxConcurrentPercentage", "failureTolerancePercentage",
    "hubInventoryWatchRoleArn",
);
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/;
const BUCKET_PREFIX = /^[a-z0-9][a-z0-9.-]{1,40}$/;

/**
 * Zero-touch coverage of the workbench accounts (docs/decisions/0003): a CloudFormation StackSet with
 * service-managed permissions, deployed automatically to every account of the workbench OUs in every configured
 * region (and removed from an account that leaves them), whose template is rendered from WorkbenchAccountForwarder
 * itself; the Lambda bundles it reads, published to one private bucket per region that only the organisation can
 * read. Deploy from the Organizations management account or a delegated administrator for StackSets.
 */
export class WorkbenchStackSet extends pulumi.ComponentResource {
    /** The CloudFormation StackSet deploying the forwarder. */
    public readonly stackSet: aws.cloudformation.StackSet;
    /** Name of the StackSet (the fleet command's `--stack-set`). */
    public readonly stackSetName: pulumi.Output<string>;
    /** The code buckets by region. */
    public readonly codeBuckets: Record<string, aws.s3.Bucket>;
    /** ARN of the membership reader role (with `hubInventoryWatchRoleArn`): the hub's `membershipReaderRoleArn`. */
    public readonly membershipReaderRoleArn?: pulumi.Output<string>;

    constructor(name: string, args: WorkbenchStackSetArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("WorkbenchStackSet"), name, {}, opts);
        const problems = workbenchStackSetProblems(args, "");
        if (problems.length > 0) throw new pulumi.ResourceError(problemsMessage(name, problems), this);
        const fail = (message: string) => {
            throw new pulumi.ResourceError(`${name}: ${message}`, this);
        };
        const hubEventBusArn = whenKnown(args.hubEventBusArn, (arn) => EVENT_BUS_ARN.test(arn) || fail(`hubEventBusArn ${JSON.stringify(arn)} is not an EventBridge event bus ARN.`), this);
        const namePrefix = whenKnown(args.namePrefix ?? DEFAULT_TRUST_NAME_PREFIX, (prefix) => assertTrustNamePrefix(name, "namePrefix", prefix), this);
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const codeBucketPrefix = args.codeBucketPrefix !== undefined ? pulumi.output(args.codeBucketPrefix) : pulumi.interpolate`${namePrefix}-workbench-code-${accountId}`.apply((p) => p.toLowerCase());
        const template = forwarderTemplate();

        this.codeBuckets = {};
        const bundleObjects: pulumi.Resource[] = [];
        for (const region of args.regions) {
            const provider = regionalProvider(`${name}-${region}`, region, { parent: this });
            const bucket = codeBucket(`${name}-code-${region}`, pulumi.interpolate`${codeBucketPrefix}-${region}`, args.organizationId, { parent: this, provider });
            this.codeBuckets[region] = bucket.bucket;
            for (const { handler, key } of templateBundles(template)) {
                bundleObjects.push(
                    new aws.s3.BucketObjectv2(
                        `${name}-${region}-${handler}`,
                        { bucket: bucket.bucket.id, key, source: handlerArchive(handler), contentType: "application/zip" },
                        // Content-addressed keys: a stack instance still on the previous template finds its bundle.
                        { parent: this, provider, retainOnDelete: true, dependsOn: bucket.protections },
                    ),
                );
            }
        }

        const operationPreferences = {
            regionConcurrencyType: "PARALLEL",
            maxConcurrentPercentage: args.maxConcurrentPercentage ?? 10,
            failureTolerancePercentage: args.failureTolerancePercentage ?? 5,
        };
        this.stackSet = new aws.cloudformation.StackSet(
            `${name}-forwarder`,
            {
                name: pulumi.interpolate`${namePrefix}-workbench-forwarder`,
                description: "license-ops WorkbenchAccountForwarder in every workbench account-region (rendered from the component)",
                permissionModel: "SERVICE_MANAGED",
                autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
                capabilities: ["CAPABILITY_NAMED_IAM"],
                callAs: args.callAs ?? "SELF",
                managedExecution: { active: true },
                operationPreferences,
                templateBody: JSON.stringify(template),
                parameters: {
                    [P.hubEventBusArn]: hubEventBusArn,
                    // Each region's instances override it with their region's topic.
                    [P.alarmTopicArn]: args.alarmTopicArns[args.regions[0]],
                    [P.namePrefix]: namePrefix,
                    [P.ownerTagKey]: args.ownerTagKey ?? DEFAULT_TAG_KEYS.ownerTagKey,
                    [P.typeTagKey]: args.workbenchTypeTagKey ?? DEFAULT_TAG_KEYS.typeTagKey,
                    [P.inventorySchedule]: args.inventorySchedule ?? DEFAULT_INVENTORY_SCHEDULE,
                    [P.codeBucketPrefix]: codeBucketPrefix,
                },
            },
            { parent: this, dependsOn: bundleObjects },
        );
        for (const region of args.regions) {
            new aws.cloudformation.StackSetInstance(
                `${name}-${region}`,
                {
                    stackSetName: this.stackSet.name,
                    stackSetInstanceRegion: region,
                    deploymentTargets: { organizationalUnitIds: args.organizationalUnitIds },
                    parameterOverrides: { [P.alarmTopicArn]: args.alarmTopicArns[region] },
                    callAs: args.callAs ?? "SELF",
                    operationPreferences,
                },
                { parent: this },
            );
        }

        this.stackSetName = this.stackSet.name;
        if (args.hubInventoryWatchRoleArn !== undefined) {
            this.membershipReaderRoleArn = membershipReaderRole(name, { namePrefix, organizationId: args.organizationId, hubInventoryWatchRoleArn: args.hubInventoryWatchRoleArn }, this).arn;
        }
        this.registerOutputs({ stackSetName: this.stackSetName, stackSetId: this.stackSet.stackSetId, membershipReaderRoleArn: this.membershipReaderRoleArn });
    }
}

/**
 * Every problem of the plain arguments, each naming the field under `path` (the stack setting holding them, or ""
 * for the component's own arguments).
 */
export function workbenchStackSetProblems(args: WorkbenchStackSetArgs, path: string): string[] {
    const problems: string[] = [];
    if (!Array.isArray(args.regions) || args.regions.length === 0) problems.push("regions: name at least one region the workbenches run in");
    for (const region of args.regions ?? []) {
        if (!REGION.test(region)) problems.push(`regions: ${JSON.stringify(region)} is not a region name (e.g. eu-central-1)`);
        else problems.push(...[regionProblem("regions:", region)].filter((p): p is string => p !== undefined));
    }
    for (const [field, value] of [["regions", args.regions], ["organizationalUnitIds", args.organizationalUnitIds]] as const) {
        const problem = plainValueProblem(field, value);
        if (problem) problems.push(problem);
    }
    if (new Set(args.regions ?? []).size !== (args.regions ?? []).length) problems.push("regions: lists a region twice");
    const topics = args.alarmTopicArns ?? {};
    for (const region of args.regions ?? []) if (!(region in topics)) problems.push(`alarmTopicArns: no topic for ${region} (alarms notify a topic of their own region)`);
    for (const region of Object.keys(topics)) if (!(args.regions ?? []).includes(region)) problems.push(`alarmTopicArns: ${region} is not one of regions`);
    if (!Array.isArray(args.organizationalUnitIds) || args.organizationalUnitIds.length === 0) problems.push("organizationalUnitIds: name at least one workbench OU (ou-...)");
    for (const ou of args.organizationalUnitIds ?? []) if (!OU_ID.test(ou)) problems.push(`organizationalUnitIds: ${JSON.stringify(ou)} is not an OU id (ou-xxxx-xxxxxxxx)`);
    // One CreateStackInstances call takes at most 50 OUs: more would need several instance groups.
    if ((args.organizationalUnitIds ?? []).length > 50) problems.push("organizationalUnitIds: at most 50 OUs (StackSets' limit per operation); group the workbench accounts under fewer OUs");
    if (args.codeBucketPrefix !== undefined && !BUCKET_PREFIX.test(args.codeBucketPrefix)) problems.push(`codeBucketPrefix: ${JSON.stringify(args.codeBucketPrefix)} must be 2-41 lowercase letters, digits, '.' or '-'`);
    const percentage = (field: string, value: number | undefined, min: number) => {
        if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= 100)) problems.push(`${field}: must be an integer from ${min} to 100 (got ${value})`);
    };
    percentage("maxConcurrentPercentage", args.maxConcurrentPercentage, 1);
    percentage("failureTolerancePercentage", args.failureTolerancePercentage, 0);
    const watchRole = args.hubInventoryWatchRoleArn;
    if (typeof watchRole === "string" && (!ROLE_ARN.test(watchRole) || watchRole.includes("*"))) {
        problems.push(`hubInventoryWatchRoleArn: ${JSON.stringify(watchRole)} is not an IAM role ARN (the hub's inventoryWatchRoleArn output)`);
    }
    if (args.callAs !== undefined && args.callAs !== "SELF" && args.callAs !== "DELEGATED_ADMIN") problems.push(`callAs: must be SELF or DELEGATED_ADMIN (got ${JSON.stringify(args.callAs)})`);
    const unknown = unknownKeyProblems(args, ARG_KEYS, "");
    return path ? [...unknown.map((p) => `${path}: ${p}`), ...problems.map((p) => `${path}.${p}`)] : [...unknown, ...problems];
}

/** A private bucket of Lambda bundles that principals of the organisation may read (Lambda reads code as the deployer). */
function codeBucket(name: string, bucketName: pulumi.Input<string>, organizationId: pulumi.Input<string>, opts: pulumi.CustomResourceOptions) {
    const bucket = new aws.s3.Bucket(
        name,
        { bucket: bucketName, forceDestroy: false, tags: { [S3_ACCESS_LOGGING_EXEMPTION_TAG]: noAccessLogsReason("CloudFormation StackSets deploying the workbench forwarder") } },
        opts,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(name, { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, opts);
    const ownership = new aws.s3.BucketOwnershipControls(name, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(name, { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, opts);
    const policy = new aws.s3.BucketPolicy(
        name,
        {
            bucket: bucket.id,
            policy: pulumi.all([bucket.arn, organizationId]).apply(([arn, org]) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        denyInsecureTransport("s3:*", [arn, `${arn}/*`]),
                        {
                            Sid: "OrganizationReadsBundles",
                            Effect: "Allow",
                            Principal: "*",
                            Action: "s3:GetObject",
                            Resource: `${arn}/${CODE_KEY_PREFIX}*`,
                            Condition: { StringEquals: { "aws:PrincipalOrgID": org } },
                        },
                    ],
                }),
            ),
        },
        // S3 refuses bucket policies while the public access block is being created.
        { ...opts, dependsOn: [publicAccess] },
    );
    return { bucket, protections: [publicAccess, ownership, encryption, policy] };
}
