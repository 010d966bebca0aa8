import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { bundleDigest, handlerArchive } from "./bundle";
import { PolicyStatement, policyDocument, serviceTrustPolicy } from "../shared/iam";
import { deadLetterQueue, tlsOnlyQueuePolicy } from "../shared/sqs";
import { anyOccurrenceAlarm, deadLetterAlarm } from "../shared/alarms";

/** Retry settings for asynchronous invocations (EventBridge rules, schedules). */
export interface AsyncInvocationArgs {
    /** Retries Lambda makes after a failed asynchronous invocation (0-2). Default 2. */
    maximumRetryAttempts?: number;
    /** Oldest event Lambda still tries to process, in seconds (60-21600). Default 21600 (6 hours). */
    maximumEventAgeSeconds?: number;
}

export interface BundledFunctionArgs {
    /** Handler folder under `functions/` (its `index.ts` exports `handler`). Required. */
    handler: string;
    /**
     * Name of the function, for functions that policies elsewhere name by ARN (e.g. a guardrail that only the
     * deployment role may change). Default: generated from the component name.
     */
    functionName?: pulumi.Input<string>;
    /** Function description shown in the console. Default: none. */
    description?: pulumi.Input<string>;
    /** Environment variables. Default: none besides Powertools' service name. */
    environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Name of the function's execution role, for roles that policies elsewhere name (e.g. a bus that admits only
     * this role). Default: generated from the component name.
     */
    roleName?: pulumi.Input<string>;
    /** What the function may do, beyond writing its own logs. Required (may be empty). */
    statements: PolicyStatement[];
    /** Timeout in seconds. Default 30. */
    timeoutSeconds?: pulumi.Input<number>;
    /** Memory in MB. Default 256. */
    memorySizeMb?: pulumi.Input<number>;
    /** Instruction set. Default `arm64` (cheaper per GB-second than x86_64). */
    architecture?: "arm64" | "x86_64";
    /** Log retention in days. Default 30. */
    logRetentionDays?: pulumi.Input<number>;
    /** KMS key for the log group. Default: CloudWatch Logs' own encryption. */
    logKmsKeyArn?: pulumi.Input<string>;
    /** Reserved concurrency. Default: unreserved. */
    reservedConcurrency?: pulumi.Input<number>;
    /**
     * Set when the function is invoked asynchronously (EventBridge, schedules): failed invocations, after
     * retries, go to an encrypted SQS on-failure destination. Default: not asynchronous, no destination.
     */
    asyncInvocation?: AsyncInvocationArgs;
    /** Alarm actions (e.g. SNS topic ARNs) for the errors alarm. Default: alarm without actions. */
    alarmActions?: pulumi.Input<pulumi.Input<string>[]>;
}

const DEFAULTS = { timeoutSeconds: 30, memorySizeMb: 256, logRetentionDays: 30, maximumRetryAttempts: 2, maximumEventAgeSeconds: 21600 };

/**
 * A Lambda function built from `functions/<handler>/index.ts` with the defaults a platform team expects:
 * bundled with esbuild, Node.js 22 on arm64, its own log group with retention, JSON logs, a role with exactly
 * the statements given, an errors alarm, and an on-failure destination (with its own alarm) when invoked asynchronously.
 */
export class BundledFunction extends pulumi.ComponentResource {
    public readonly function: aws.lambda.Function;
    public readonly role: aws.iam.Role;
    public readonly logGroup: aws.cloudwatch.LogGroup;
    /** On-failure destination (asynchronous functions only). */
    public readonly failureQueue?: aws.sqs.Queue;
    public readonly errorsAlarm: aws.cloudwatch.MetricAlarm;
    public readonly functionArn: pulumi.Output<string>;
    public readonly functionName: pulumi.Output<string>;

    constructor(name: string, args: BundledFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("licensing:lambda:BundledFunction", name, {}, opts);
        validateArgs(name, args);
        const code = handlerArchive(args.handler);

        this.logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            { retentionInDays: args.logRetentionDays ?? DEFAULTS.logRetentionDays, kmsKeyId: args.logKmsKeyArn },
            { parent: this },
        );

        this.role = new aws.iam.Role(
            `${name}-role`,
            { name: args.roleName, assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com"), description: `Lambda ${args.handler} (${name})` },
            { parent: this },
        );

        if (args.asyncInvocation) {
            this.failureQueue = deadLetterQueue(`${name}-failures`, this);
            tlsOnlyQueuePolicy(`${name}-failures`, this.failureQueue, this);
        }

        const logStatement: PolicyStatement = {
            sid: "WriteOwnLogs",
            actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
            resources: [pulumi.interpolate`${this.logGroup.arn}:*`],
        };
        const failureStatements: PolicyStatement[] = this.failureQueue
            ? [{ sid: "SendFailedInvocations", actions: ["sqs:SendMessage"], resources: [this.failureQueue.arn] }]
            : [];
        const policy = new aws.iam.RolePolicy(
            `${name}-policy`,
            { role: this.role.id, policy: policyDocument([logStatement, ...failureStatements, ...args.statements], name) },
            { parent: this },
        );

        this.function = new aws.lambda.Function(
            name,
            {
                name: args.functionName,
                description: args.description,
                runtime: aws.lambda.Runtime.NodeJS22dX,
                architectures: [args.architecture ?? "arm64"],
                handler: "index.handler",
                code,
                role: this.role.arn,
                timeout: args.timeoutSeconds ?? DEFAULTS.timeoutSeconds,
                memorySize: args.memorySizeMb ?? DEFAULTS.memorySizeMb,
                reservedConcurrentExecutions: args.reservedConcurrency,
                tags: { "licensing:handler": args.handler, "licensing:bundle-sha256": bundleDigest(args.handler) },
                loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name, applicationLogLevel: "INFO", systemLogLevel: "WARN" },
                environment: {
                    variables: pulumi.output(args.environment ?? {}).apply((vars) => ({
                        POWERTOOLS_SERVICE_NAME: args.handler,
                        ...vars,
                    })),
                },
            },
            // The policy must exist before the function runs, or its first invocations fail on permissions.
            { parent: this, dependsOn: [policy, this.logGroup] },
        );

        if (this.failureQueue) {
            new aws.lambda.FunctionEventInvokeConfig(
                `${name}-async`,
                {
                    functionName: this.function.name,
                    maximumRetryAttempts: args.asyncInvocation?.maximumRetryAttempts ?? DEFAULTS.maximumRetryAttempts,
                    maximumEventAgeInSeconds: args.asyncInvocation?.maximumEventAgeSeconds ?? DEFAULTS.maximumEventAgeSeconds,
                    destinationConfig: { onFailure: { destination: this.failureQueue.arn } },
                },
                { parent: this, dependsOn: [policy] },
            );
        }

        this.errorsAlarm = anyOccurrenceAlarm(
            `${name}-errors`,
            { namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: this.function.name }, statistic: "Sum" },
            pulumi.interpolate`Lambda ${this.function.name} reported errors`,
            args.alarmActions,
            this,
        );
        if (this.failureQueue) {
            deadLetterAlarm(`${name}-failures`, this.failureQueue, "invocations that failed after every retry", args.alarmActions, this);
        }

        this.functionArn = this.function.arn;
        this.functionName = this.function.name;
        this.registerOutputs({
            functionArn: this.functionArn,
            functionName: this.functionName,
            roleArn: this.role.arn,
            logGroupName: this.logGroup.name,
            failureQueueArn: this.failureQueue?.arn,
        });
    }
}

function validateArgs(name: string, args: BundledFunctionArgs): void {
    const retries = args.asyncInvocation?.maximumRetryAttempts;
    if (retries !== undefined && (!Number.isInteger(retries) || retries < 0 || retries > 2)) {
        throw new Error(`${name}: asyncInvocation.maximumRetryAttempts must be 0, 1 or 2 (got ${retries}).`);
    }
    const age = args.asyncInvocation?.maximumEventAgeSeconds;
    if (age !== undefined && (!Number.isInteger(age) || age < 60 || age > 21600)) {
        throw new Error(`${name}: asyncInvocation.maximumEventAgeSeconds must be 60-21600 (got ${age}).`);
    }
}
