/**
 * Lambda functions run on a runtime AWS still patches (Security Hub Lambda.2) and, advisory, cap their concurrency
 * (AWS Config lambda-concurrency-check): a runaway trigger then throttles one function instead of the account.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { CONFIG_SCHEMAS, DEFAULT_ENFORCEMENT, DEFAULTS, LambdaRuntimeConfig, POLICY, settings } from "../config";
import { isUnknown, known } from "../lib/values";

const FUNCTION = "aws:lambda/function:Function";

export const lambdaSupportedRuntime: ResourceValidationPolicy = {
    name: POLICY.lambdaRuntime,
    description: "Lambda functions use a runtime AWS has not deprecated.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.lambdaRuntime],
    configSchema: CONFIG_SCHEMAS[POLICY.lambdaRuntime],
    validateResource: (args, report) => {
        if (args.type !== FUNCTION) return;
        const { deprecatedRuntimes } = settings<LambdaRuntimeConfig>(args, DEFAULTS[POLICY.lambdaRuntime]);
        const runtime = (known(args.props) as Record<string, unknown>).runtime;
        if (typeof runtime === "string" && deprecatedRuntimes.includes(runtime)) {
            report(`Runtime ${runtime} is deprecated and no longer patched: move to a supported runtime (e.g. nodejs22.x).`);
        }
    },
};

export const lambdaReservedConcurrency: ResourceValidationPolicy = {
    name: POLICY.lambdaConcurrency,
    description: "Lambda functions set reservedConcurrentExecutions, so one runaway trigger cannot starve the account.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.lambdaConcurrency],
    validateResource: (args, report) => {
        if (args.type !== FUNCTION) return;
        const reserved = (known(args.props) as Record<string, unknown>).reservedConcurrentExecutions;
        if (isUnknown(reserved) || (typeof reserved === "number" && reserved >= 0)) return;
        report("The function sets no reservedConcurrentExecutions: it shares the account's concurrency with every other function.");
    },
};
