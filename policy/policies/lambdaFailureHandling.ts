/**
 * Lambda functions invoked asynchronously keep what fails: a dead-letter queue (`deadLetterConfig`) or an
 * on-failure destination (FunctionEventInvokeConfig `destinationConfig.onFailure`). Lambda retries an asynchronous
 * event twice and then drops it; without either, the event is gone without a trace.
 *
 * "Invoked asynchronously": an invoke permission for an asynchronous service principal (EventBridge, SNS, S3 by
 * default; configurable), an EventBridge target or an EventBridge Scheduler schedule pointing at the function
 * (Scheduler invokes Lambda asynchronously through its execution role, so there is no permission to see; the
 * schedule's own deadLetterConfig only catches failures to hand the event to Lambda, not the function's errors). A stack policy, because the trigger,
 * the function and its invoke config are separate resources.
 *
 * Matching: permissions and invoke configs name the function by name, ARN or partial ARN, optionally with a
 * qualifier (ignored: a config on an alias is taken to cover the function). Names are compared within one provider
 * (account and region); full ARNs anywhere. Unknown values are matched through property dependencies, and only
 * references that cannot be attributed at all make the policy lenient (lib/references.ts).
 */
import type { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { CONFIG_SCHEMAS, DEFAULT_ENFORCEMENT, DEFAULTS, LambdaFailureHandlingConfig, POLICY, settings } from "../config";
import { Reference, Resolved, referenceOf, resolve, sameProvider } from "../lib/references";
import { isRecord, isUnknown, nonEmptyString } from "../lib/values";

const FUNCTION = "aws:lambda/function:Function";
const PERMISSION = "aws:lambda/permission:Permission";
const EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const SCHEDULE = "aws:scheduler/schedule:Schedule";
const INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig";
const INVOKE_ACTIONS = new Set(["lambda:InvokeFunction", "lambda:*"]);

export const lambdaAsyncFailureDestination: StackValidationPolicy = {
    name: POLICY.lambdaFailureHandling,
    description: "Lambda functions invoked asynchronously have a dead-letter queue or an on-failure destination.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.lambdaFailureHandling],
    configSchema: CONFIG_SCHEMAS[POLICY.lambdaFailureHandling],
    validateStack: validateLambdaFailureHandling,
};

export function validateLambdaFailureHandling(args: StackValidationArgs, reportViolation: ReportViolation): void {
    const { asyncPrincipals } = settings<LambdaFailureHandlingConfig>(args, DEFAULTS[POLICY.lambdaFailureHandling]);
    const functions = resolve(args.resources, [FUNCTION]);
    if (functions.length === 0) return;

    const triggers: Array<{ holder: Resolved; ref: Reference; why: string }> = [
        ...resolve(args.resources, [PERMISSION])
            .filter((p) => isAsyncPermission(p, asyncPrincipals))
            .map((p) => ({ holder: p, ref: referenceOf(p, "function", [FUNCTION]), why: `invoke permission for ${p.props.principal}` })),
        ...resolve(args.resources, [EVENT_TARGET]).map((t) => ({ holder: t, ref: referenceOf(t, "arn", [FUNCTION]), why: "EventBridge target" })),
        ...resolve(args.resources, [SCHEDULE]).map((s) => ({ holder: s, ref: referenceOf(s, "target.arn", [FUNCTION]), why: "EventBridge Scheduler schedule" })),
    ];
    const failureConfigs = resolve(args.resources, [INVOKE_CONFIG]).map((c) => ({ holder: c, ref: referenceOf(c, "functionName", [FUNCTION]) }));
    const unattributedFailureConfig = failureConfigs.some((c) => c.ref.kind === "unattributable" && hasOnFailure(c.holder));

    for (const fn of functions) {
        const invokedBy = triggers.filter((t) => refersTo(t.ref, t.holder, fn));
        if (invokedBy.length === 0) continue;
        if (nonEmptyString(fn.props.deadLetterConfig?.targetArn) !== undefined) continue;
        if (failureConfigs.some((c) => refersTo(c.ref, c.holder, fn) && hasOnFailure(c.holder))) continue;
        // An invoke config whose function cannot be told during preview might be this function's.
        if (unattributedFailureConfig) continue;
        reportViolation(
            `Lambda function ${fn.resource.name} is invoked asynchronously (${invokedBy.map((t) => `${t.why}: ${t.holder.resource.name}`).join("; ")}) ` +
                "but has neither a deadLetterConfig nor a FunctionEventInvokeConfig with destinationConfig.onFailure.",
            fn.resource.urn,
        );
    }
}

function isAsyncPermission(permission: Resolved, asyncPrincipals: string[]): boolean {
    const { principal, action } = permission.props;
    return typeof principal === "string" && asyncPrincipals.includes(principal) && (isUnknown(action) || INVOKE_ACTIONS.has(action));
}

function hasOnFailure(config: Resolved): boolean {
    const destinationConfig = config.props.destinationConfig;
    if (isUnknown(destinationConfig)) return true;
    const onFailure = isRecord(destinationConfig) ? destinationConfig.onFailure : undefined;
    if (isUnknown(onFailure)) return true;
    return isRecord(onFailure) && nonEmptyString(onFailure.destination) !== undefined;
}

/** Whether `ref` (held by `holder`) names function `fn`. */
function refersTo(ref: Reference, holder: Resolved, fn: Resolved): boolean {
    if (ref.kind === "resource") return ref.urn === fn.resource.urn;
    if (ref.kind !== "value") return false;
    const target = parseFunctionReference(ref.value);
    if (target.arn && typeof fn.props.arn === "string") return unqualifiedArn(fn.props.arn) === target.arn;
    return target.name === fn.props.name && sameProvider(holder.resource, fn.resource);
}

/**
 * Lambda accepts `name`, `name:qualifier`, `account:function:name[:qualifier]` and full ARNs
 * `arn:partition:lambda:region:account:function:name[:qualifier]`.
 */
export function parseFunctionReference(reference: string): { arn?: string; name: string } {
    const parts = reference.split(":");
    if (parts[0] === "arn" && parts.length >= 7) return { arn: parts.slice(0, 7).join(":"), name: parts[6] };
    if (parts.length >= 3 && parts[1] === "function") return { name: parts[2] };
    return { name: parts[0] };
}

function unqualifiedArn(arn: string): string {
    return arn.split(":").slice(0, 7).join(":");
}
