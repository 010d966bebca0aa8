/**
 * The deployment as the sandbox runs it, read from what the stack programs registered under mocks: Lambda
 * functions (bundle, environment, timeout, concurrency, async retries), event buses and their policies, rules with
 * their patterns or schedules and targets, stream event source mappings, tables, buckets, objects, parameters, the
 * SSM document, License Manager configurations, topics, invoke permissions, invocations at deployment and role
 * policies. Nothing here
 * restates a component: every value comes from a recorded resource's inputs or mocked outputs.
 */
import type { RecordedResource } from "../../tests/support/pulumiMocks";
import type { PolicyDocumentJson } from "../aws/iamEvaluator";
import type { DeployedStack } from "./stackConfiguration";

export interface LocalFunction {
    arn: string;
    name: string;
    accountId: string;
    region: string;
    stack: string;
    /** Execution role: the principal the function's AWS calls are made as. */
    roleArn: string;
    /** Folder under functions/ (the `licensing:handler` tag). */
    handler: string;
    /** Short SHA-256 of the bundle the component deployed (the `licensing:bundle-sha256` tag). */
    bundleDigest: string;
    environment: Record<string, string>;
    timeoutSeconds: number;
    memorySizeMb: number;
    reservedConcurrency?: number;
    logGroup?: string;
    logFormat?: string;
    applicationLogLevel?: string;
    systemLogLevel?: string;
    /** Lambda's handling of asynchronous invocations (FunctionEventInvokeConfig, else Lambda's defaults). */
    async: { maximumRetryAttempts: number; maximumEventAgeSeconds: number; onFailure?: string };
}

export interface LocalBus {
    arn: string;
    name: string;
    accountId: string;
    /** Buses are regional: an account has a default bus (and its stacks' buses) in each region it deploys to. */
    region: string;
    policy?: PolicyDocumentJson;
}

export interface LocalTarget {
    name: string;
    arn: string;
    roleArn?: string;
    deadLetterArn?: string;
}

export interface LocalRule {
    arn: string;
    name: string;
    accountId: string;
    region: string;
    busName: string;
    description?: string;
    eventPattern?: Record<string, unknown>;
    scheduleExpression?: string;
    targets: LocalTarget[];
}

export interface LocalEventSourceMapping {
    name: string;
    accountId: string;
    eventSourceArn: string;
    functionArn: string;
    filters: Array<Record<string, unknown>>;
    batchSize: number;
    maximumBatchingWindowSeconds: number;
    maximumRetryAttempts: number;
    reportBatchItemFailures: boolean;
    onFailure?: string;
}

export interface LocalTable {
    name: string;
    arn: string;
    accountId: string;
    streamArn?: string;
    streamViewType?: string;
    hashKey: string;
    rangeKey?: string;
    attributes: Array<{ name: string; type: string }>;
}

export interface LocalBucketObject {
    bucket: string;
    key: string;
    content: string;
    contentType?: string;
}

export interface LocalParameter {
    name: string;
    accountId: string;
    region: string;
    type: string;
    value: string;
}

export interface LocalDocument {
    name: string;
    arn: string;
    accountId: string;
    content: string;
}

export interface LocalLicenseConfiguration {
    arn: string;
    name: string;
    accountId: string;
    countingType: "vCPU" | "Instance" | "Core" | "Socket";
    licenseCount?: number;
    hardLimit: boolean;
    rules: string[];
    description?: string;
}

export interface LocalPermission {
    accountId: string;
    region: string;
    functionName: string;
    action: string;
    principal: string;
    sourceArn?: string;
}

/** An `aws.lambda.Invocation`: the function invoked once, synchronously, with `input` while the stack is deployed. */
export interface LocalInvocation {
    name: string;
    accountId: string;
    region: string;
    stack: string;
    functionName: string;
    input: unknown;
}

export interface LocalDeployment {
    stacks: DeployedStack[];
    functions: LocalFunction[];
    buses: LocalBus[];
    rules: LocalRule[];
    mappings: LocalEventSourceMapping[];
    tables: LocalTable[];
    buckets: Array<{ name: string; accountId: string }>;
    objects: LocalBucketObject[];
    parameters: LocalParameter[];
    documents: LocalDocument[];
    licenseConfigurations: LocalLicenseConfiguration[];
    topics: Array<{ arn: string; accountId: string }>;
    permissions: LocalPermission[];
    invocations: LocalInvocation[];
    /** Inline policies by role ARN. */
    rolePolicies: Map<string, PolicyDocumentJson[]>;
    /** Trust policies (who may assume the role) by role ARN. */
    roleTrustPolicies: Map<string, PolicyDocumentJson>;
    /**
     * Service control policies by the target they are attached to: an account id, the root (`r-...`) or an OU
     * (`ou-...`); which reach an account depends on where it is in the organisation at the time of the request
     * (runtime/policies.ts `serviceControlPoliciesOf`).
     */
    serviceControlPolicies: Map<string, PolicyDocumentJson[]>;
}

/** Lambda's documented defaults for asynchronous invocation when no FunctionEventInvokeConfig exists. */
const LAMBDA_ASYNC_DEFAULTS = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21600 };
/** The name EventBridge gives every account's default bus (rules without `eventBusName` are on it). */
export const DEFAULT_BUS = "default";

/** Reads the local deployment from the stacks' recorded resources. */
export function describeDeployment(stacks: DeployedStack[]): LocalDeployment {
    const deployment: LocalDeployment = {
        stacks,
        functions: [],
        buses: [],
        rules: [],
        mappings: [],
        tables: [],
        buckets: [],
        objects: [],
        parameters: [],
        documents: [],
        licenseConfigurations: [],
        topics: [],
        permissions: [],
        invocations: [],
        rolePolicies: new Map(),
        roleTrustPolicies: new Map(),
        serviceControlPolicies: new Map(),
    };
    for (const stack of stacks) readStack(stack, deployment);
    return deployment;
}

function readStack(stack: DeployedStack, d: LocalDeployment): void {
    const { accountId, region, resources } = stack;
    const of = (type: string) => resources.filter((r) => r.type === type);
    const physicalName = (r: RecordedResource) => String(r.outputs?.name ?? r.inputs.name ?? r.name);
    const arnOf = (r: RecordedResource) => String(r.outputs?.arn);
    const partition = arnOf(of("aws:lambda/function:Function")[0] ?? of("aws:cloudwatch/eventRule:EventRule")[0]).split(":")[1] ?? "aws";
    const byId = (type: string, id: unknown) => of(type).find((r) => r.id === id);

    const invokeConfigs = new Map(of("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").map((c) => [String(c.inputs.functionName), c.inputs]));
    for (const fn of of("aws:lambda/function:Function")) {
        const tags = fn.inputs.tags ?? {};
        const name = physicalName(fn);
        if (!tags["licensing:handler"]) throw new Error(`stack ${stack.name}: Lambda ${name} has no licensing:handler tag, so the sandbox cannot tell which bundle it runs`);
        const invokeConfig = invokeConfigs.get(name);
        d.functions.push({
            arn: arnOf(fn),
            name,
            accountId,
            region,
            stack: stack.name,
            roleArn: String(fn.inputs.role),
            handler: tags["licensing:handler"],
            bundleDigest: tags["licensing:bundle-sha256"],
            environment: Object.fromEntries(Object.entries(fn.inputs.environment?.variables ?? {}).map(([k, v]) => [k, String(unsecret(v))])),
            timeoutSeconds: Number(fn.inputs.timeout ?? 3),
            memorySizeMb: Number(fn.inputs.memorySize ?? 128),
            reservedConcurrency: fn.inputs.reservedConcurrentExecutions === undefined ? undefined : Number(fn.inputs.reservedConcurrentExecutions),
            logGroup: fn.inputs.loggingConfig?.logGroup,
            logFormat: fn.inputs.loggingConfig?.logFormat,
            applicationLogLevel: fn.inputs.loggingConfig?.applicationLogLevel,
            systemLogLevel: fn.inputs.loggingConfig?.systemLogLevel,
            async: {
                maximumRetryAttempts: Number(invokeConfig?.maximumRetryAttempts ?? LAMBDA_ASYNC_DEFAULTS.maximumRetryAttempts),
                maximumEventAgeSeconds: Number(invokeConfig?.maximumEventAgeInSeconds ?? LAMBDA_ASYNC_DEFAULTS.maximumEventAgeSeconds),
                onFailure: invokeConfig?.destinationConfig?.onFailure?.destination,
            },
        });
    }

    // Every account has a default bus; custom buses are resources.
    const defaultBus: LocalBus = { arn: `arn:${partition}:events:${region}:${accountId}:event-bus/${DEFAULT_BUS}`, name: DEFAULT_BUS, accountId, region };
    const buses = [defaultBus, ...of("aws:cloudwatch/eventBus:EventBus").map((b): LocalBus => ({ arn: arnOf(b), name: physicalName(b), accountId, region }))];
    for (const policy of of("aws:cloudwatch/eventBusPolicy:EventBusPolicy")) {
        const bus = buses.find((b) => b.name === (policy.inputs.eventBusName ?? DEFAULT_BUS));
        if (!bus) throw new Error(`stack ${stack.name}: EventBusPolicy ${policy.name} names unknown bus ${policy.inputs.eventBusName}`);
        bus.policy = JSON.parse(policy.inputs.policy);
    }
    d.buses.push(...buses);

    const rules = of("aws:cloudwatch/eventRule:EventRule").map(
        (r): LocalRule => ({
            arn: arnOf(r),
            name: physicalName(r),
            accountId,
            region,
            busName: r.inputs.eventBusName ?? DEFAULT_BUS,
            description: r.inputs.description,
            eventPattern: r.inputs.eventPattern ? JSON.parse(r.inputs.eventPattern) : undefined,
            scheduleExpression: r.inputs.scheduleExpression,
            targets: [],
        }),
    );
    for (const target of of("aws:cloudwatch/eventTarget:EventTarget")) {
        const rule = rules.find((r) => r.name === target.inputs.rule && r.busName === (target.inputs.eventBusName ?? DEFAULT_BUS));
        if (!rule) throw new Error(`stack ${stack.name}: EventTarget ${target.name} names unknown rule ${target.inputs.rule}`);
        rule.targets.push({ name: target.name, arn: target.inputs.arn, roleArn: target.inputs.roleArn, deadLetterArn: target.inputs.deadLetterConfig?.arn });
    }
    d.rules.push(...rules);

    for (const m of of("aws:lambda/eventSourceMapping:EventSourceMapping")) {
        d.mappings.push({
            name: m.name,
            accountId,
            eventSourceArn: m.inputs.eventSourceArn,
            functionArn: m.inputs.functionName,
            filters: (m.inputs.filterCriteria?.filters ?? []).map((f: { pattern: string }) => JSON.parse(f.pattern)),
            // Lambda's defaults for DynamoDB streams when unset.
            batchSize: Number(m.inputs.batchSize ?? 100),
            maximumBatchingWindowSeconds: Number(m.inputs.maximumBatchingWindowInSeconds ?? 0),
            maximumRetryAttempts: Number(m.inputs.maximumRetryAttempts ?? -1),
            reportBatchItemFailures: (m.inputs.functionResponseTypes ?? []).includes("ReportBatchItemFailures"),
            onFailure: m.inputs.destinationConfig?.onFailure?.destinationArn,
        });
    }

    for (const t of of("aws:dynamodb/table:Table")) {
        d.tables.push({
            name: physicalName(t),
            arn: arnOf(t),
            accountId,
            streamArn: t.inputs.streamEnabled ? t.outputs?.streamArn : undefined,
            streamViewType: t.inputs.streamViewType,
            hashKey: t.inputs.hashKey,
            rangeKey: t.inputs.rangeKey,
            attributes: t.inputs.attributes ?? [],
        });
    }

    for (const b of of("aws:s3/bucket:Bucket")) d.buckets.push({ name: String(b.outputs?.bucket ?? physicalName(b)), accountId });
    for (const o of of("aws:s3/bucketObjectv2:BucketObjectv2")) {
        // A file or archive asset (the StackSet's Lambda bundles): the sandbox runs bundles from bin/, not from S3.
        if (o.inputs.source !== undefined && o.inputs.content === undefined) continue;
        // The object names its bucket by the bucket resource's id, as the component passes `bucket.id`.
        const bucket = byId("aws:s3/bucket:Bucket", o.inputs.bucket);
        d.objects.push({
            bucket: bucket ? String(bucket.outputs?.bucket ?? physicalName(bucket)) : String(o.inputs.bucket),
            key: o.inputs.key,
            content: String(unsecret(o.inputs.content) ?? ""),
            contentType: o.inputs.contentType,
        });
    }

    for (const p of of("aws:ssm/parameter:Parameter")) {
        d.parameters.push({ name: physicalName(p), accountId, region, type: p.inputs.type ?? "String", value: String(unsecret(p.inputs.value ?? p.inputs.insecureValue) ?? "") });
    }
    for (const doc of of("aws:ssm/document:Document")) d.documents.push({ name: physicalName(doc), arn: arnOf(doc), accountId, content: doc.inputs.content });

    for (const c of of("aws:licensemanager/licenseConfiguration:LicenseConfiguration")) {
        d.licenseConfigurations.push({
            arn: arnOf(c),
            name: physicalName(c),
            accountId,
            countingType: c.inputs.licenseCountingType,
            licenseCount: c.inputs.licenseCount,
            hardLimit: Boolean(c.inputs.licenseCountHardLimit),
            rules: c.inputs.licenseRules ?? [],
            description: c.inputs.description,
        });
    }
    for (const t of of("aws:sns/topic:Topic")) d.topics.push({ arn: arnOf(t), accountId });

    for (const p of of("aws:lambda/permission:Permission")) {
        d.permissions.push({ accountId, region, functionName: String(p.inputs.function), action: p.inputs.action, principal: p.inputs.principal, sourceArn: p.inputs.sourceArn });
    }
    for (const i of of("aws:lambda/invocation:Invocation")) {
        d.invocations.push({ name: i.name, accountId, region, stack: stack.name, functionName: String(i.inputs.functionName), input: JSON.parse(i.inputs.input) });
    }
    for (const role of of("aws:iam/role:Role")) if (role.inputs.assumeRolePolicy) d.roleTrustPolicies.set(arnOf(role), JSON.parse(role.inputs.assumeRolePolicy));
    for (const rp of of("aws:iam/rolePolicy:RolePolicy")) {
        const role = byId("aws:iam/role:Role", rp.inputs.role) ?? of("aws:iam/role:Role").find((r) => physicalName(r) === rp.inputs.role);
        if (!role) continue; // a policy on a role outside the stack (e.g. the license servers' instance roles)
        const list = d.rolePolicies.get(arnOf(role)) ?? [];
        list.push(JSON.parse(rp.inputs.policy));
        d.rolePolicies.set(arnOf(role), list);
    }
    for (const attachment of of("aws:organizations/policyAttachment:PolicyAttachment")) {
        const policy = byId("aws:organizations/policy:Policy", attachment.inputs.policyId);
        if (!policy) throw new Error(`stack ${stack.name}: PolicyAttachment ${attachment.name} names unknown policy ${attachment.inputs.policyId}`);
        if (policy.inputs.type !== "SERVICE_CONTROL_POLICY") continue; // tag policies report; they decide nothing
        const target = String(attachment.inputs.targetId);
        d.serviceControlPolicies.set(target, [...(d.serviceControlPolicies.get(target) ?? []), JSON.parse(policy.inputs.content)]);
    }
}

/** Pulumi marks secret values in serialised inputs with this signature. */
const SECRET_SIGNATURE = ["4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"] as const;

function unsecret(value: unknown): unknown {
    if (typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIGNATURE[0]] === SECRET_SIGNATURE[1]) {
        return (value as { value: unknown }).value;
    }
    return value;
}

/** The account id in an ARN (`arn:<partition>:<service>:<region>:<account>:...`). */
export function accountOfArn(arn: string): string {
    return arn.split(":")[4] ?? "";
}

/** The account's bus of that name in that region (the default bus: `default`). */
export function busIn(deployment: LocalDeployment, accountId: string, region: string, name: string): LocalBus | undefined {
    return deployment.buses.find((b) => b.accountId === accountId && b.region === region && b.name === name);
}

export function functionByArn(deployment: LocalDeployment, arn: string): LocalFunction | undefined {
    return deployment.functions.find((f) => f.arn === arn);
}
