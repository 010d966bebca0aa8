/**
 * How each Pulumi AWS resource the forwarder registers becomes CloudFormation: its type, the attributes its outputs
 * stand for (as CloudFormation references, so the template keeps every dependency), and its properties. One entry
 * per resource type the component uses; a type without an entry fails the render rather than being left out.
 */

/** A Pulumi resource as the render recorded it: inputs with every reference already a `${Logical.Attr}` token. */
export interface RecordedInputs {
    [key: string]: any;
}

export interface CloudFormationMapping {
    type: string;
    /** Pulumi output -> CloudFormation reference (`Ref`, an attribute, or a `Fn::Sub` fragment over `${Self}`). */
    outputs: Record<string, string>;
    /** The properties of the CloudFormation resource (`logicalId` names what Pulumi would have auto-named). */
    properties(inputs: RecordedInputs, logicalId: string): Record<string, unknown>;
    /** Its ARN from its (fixed) name, for the properties folded into it that name it (a bus policy names its bus). */
    arnFromName?(name: string): string;
}

const json = (text: unknown) => (typeof text === "string" ? JSON.parse(text) : text);
const tags = (map: Record<string, string> | undefined) => (map ? Object.entries(map).map(([Key, Value]) => ({ Key, Value })) : undefined);
const ARN_PREFIX = "arn:${AWS::Partition}";

export const CLOUDFORMATION_TYPES: Record<string, CloudFormationMapping> = {
    "aws:sqs/queue:Queue": {
        type: "AWS::SQS::Queue",
        outputs: { id: "${Self}", url: "${Self}", arn: "${Self.Arn}", name: "${Self.QueueName}" },
        properties: (i) => ({
            QueueName: i.name,
            MessageRetentionPeriod: i.messageRetentionSeconds,
            SqsManagedSseEnabled: i.sqsManagedSseEnabled,
            KmsMasterKeyId: i.kmsMasterKeyId,
            VisibilityTimeout: i.visibilityTimeoutSeconds,
        }),
    },
    "aws:sqs/queuePolicy:QueuePolicy": {
        type: "AWS::SQS::QueuePolicy",
        outputs: { id: "${Self}" },
        properties: (i) => ({ Queues: [i.queueUrl], PolicyDocument: json(i.policy) }),
    },
    "aws:cloudwatch/logGroup:LogGroup": {
        type: "AWS::Logs::LogGroup",
        // CloudFormation's Arn attribute ends in ":*"; Pulumi's does not, and policies append ":*" themselves.
        outputs: { id: "${Self}", name: "${Self}", arn: `${ARN_PREFIX}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:\${Self}` },
        properties: (i) => ({ LogGroupName: i.name, RetentionInDays: i.retentionInDays, KmsKeyId: i.kmsKeyId }),
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": {
        type: "AWS::CloudWatch::Alarm",
        outputs: { id: "${Self}", arn: "${Self.Arn}", name: "${Self}" },
        properties: (i) => ({
            AlarmName: i.name,
            AlarmDescription: i.alarmDescription,
            AlarmActions: i.alarmActions,
            OKActions: i.okActions,
            ComparisonOperator: i.comparisonOperator,
            Dimensions: i.dimensions ? Object.entries(i.dimensions).map(([Name, Value]) => ({ Name, Value })) : undefined,
            EvaluationPeriods: i.evaluationPeriods,
            DatapointsToAlarm: i.datapointsToAlarm,
            MetricName: i.metricName,
            Namespace: i.namespace,
            Period: i.period,
            Statistic: i.statistic,
            Threshold: i.threshold,
            TreatMissingData: i.treatMissingData,
        }),
    },
    "aws:cloudwatch/eventBus:EventBus": {
        type: "AWS::Events::EventBus",
        outputs: { id: "${Self}", name: "${Self}", arn: "${Self.Arn}" },
        properties: (i) => ({ Name: i.name, Description: i.description }),
        arnFromName: (name) => `${ARN_PREFIX}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/${name}`,
    },
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": {
        // Folded into its bus's Policy property (mergeIntoOwners); kept as a type so the render accounts for it.
        type: "AWS::Events::EventBus",
        outputs: { id: "${Self}" },
        properties: (i) => ({ Policy: json(i.policy) }),
    },
    "aws:cloudwatch/eventRule:EventRule": {
        type: "AWS::Events::Rule",
        outputs: { id: "${Self}", name: "${Self}", arn: "${Self.Arn}" },
        properties: (i) => ({
            Name: i.name,
            Description: i.description,
            EventBusName: i.eventBusName,
            EventPattern: i.eventPattern === undefined ? undefined : json(i.eventPattern),
            ScheduleExpression: i.scheduleExpression,
            State: i.state ?? "ENABLED",
        }),
    },
    "aws:cloudwatch/eventTarget:EventTarget": {
        // Folded into its rule's Targets (mergeIntoOwners): CloudFormation has no separate target resource.
        type: "AWS::Events::Rule",
        outputs: { id: "${Self}" },
        properties: (i) => ({
            Targets: [
                {
                    Id: i.targetId,
                    Arn: i.arn,
                    RoleArn: i.roleArn,
                    Input: i.input,
                    RetryPolicy: i.retryPolicy && { MaximumRetryAttempts: i.retryPolicy.maximumRetryAttempts, MaximumEventAgeInSeconds: i.retryPolicy.maximumEventAgeInSeconds },
                    DeadLetterConfig: i.deadLetterConfig && { Arn: i.deadLetterConfig.arn },
                },
            ],
        }),
    },
    "aws:iam/role:Role": {
        type: "AWS::IAM::Role",
        outputs: { id: "${Self}", name: "${Self}", arn: "${Self.Arn}", uniqueId: "${Self.RoleId}" },
        properties: (i) => ({ RoleName: i.name, AssumeRolePolicyDocument: json(i.assumeRolePolicy), Description: i.description, PermissionsBoundary: i.permissionsBoundary }),
    },
    "aws:iam/rolePolicy:RolePolicy": {
        type: "AWS::IAM::RolePolicy",
        outputs: { id: "${Self}" },
        // Pulumi auto-names an inline policy; CloudFormation requires the name (unique per role).
        properties: (i, logicalId) => ({ RoleName: i.role, PolicyName: i.name ?? logicalId, PolicyDocument: json(i.policy) }),
    },
    "aws:lambda/function:Function": {
        type: "AWS::Lambda::Function",
        outputs: { id: "${Self}", name: "${Self}", arn: "${Self.Arn}" },
        properties: (i) => ({
            FunctionName: i.name,
            Description: i.description,
            Runtime: i.runtime,
            Architectures: i.architectures,
            Handler: i.handler,
            Role: i.role,
            Timeout: i.timeout,
            MemorySize: i.memorySize,
            ReservedConcurrentExecutions: i.reservedConcurrentExecutions,
            Environment: i.environment && { Variables: i.environment.variables },
            LoggingConfig: i.loggingConfig && {
                LogFormat: i.loggingConfig.logFormat,
                LogGroup: i.loggingConfig.logGroup,
                ApplicationLogLevel: i.loggingConfig.applicationLogLevel,
                SystemLogLevel: i.loggingConfig.systemLogLevel,
            },
            Tags: tags(i.tags),
            // Code is set by the render from the bundle the function is tagged with (bundleCode).
        }),
    },
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": {
        type: "AWS::Lambda::EventInvokeConfig",
        outputs: { id: "${Self}" },
        properties: (i) => ({
            FunctionName: i.functionName,
            Qualifier: i.qualifier ?? "$LATEST",
            MaximumRetryAttempts: i.maximumRetryAttempts,
            MaximumEventAgeInSeconds: i.maximumEventAgeInSeconds,
            DestinationConfig: i.destinationConfig && { OnFailure: { Destination: i.destinationConfig.onFailure.destination } },
        }),
    },
    "aws:lambda/permission:Permission": {
        type: "AWS::Lambda::Permission",
        outputs: { id: "${Self}" },
        properties: (i) => ({ Action: i.action, FunctionName: i.function, Principal: i.principal, SourceArn: i.sourceArn, SourceAccount: i.sourceAccount }),
    },
};

/**
 * Pulumi resources with no CloudFormation resource of their own: folded into the resource that owns them
 * (`owner` names the input that references it), their properties merged into the owner's.
 */
export const MERGED_INTO_OWNER: Record<string, { owner: string; ownerType: string }> = {
    "aws:cloudwatch/eventTarget:EventTarget": { owner: "rule", ownerType: "aws:cloudwatch/eventRule:EventRule" },
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": { owner: "eventBusName", ownerType: "aws:cloudwatch/eventBus:EventBus" },
};

/**
 * Resources the template leaves out on purpose, with the reason (the docs repeat it). Anything else the component
 * registers must have a mapping.
 */
export const LEFT_OUT: Record<string, string> = {
    "aws:lambda/invocation:Invocation":
        "the first inventory at deployment: an account that joins the workbench OU has no workbench running yet, and the inventory schedule runs within one period",
};
