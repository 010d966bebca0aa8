/**
 * The utilisation checker's configuration contract: environment variable names, defaults and the parser the handler
 * runs at cold start. Pure (no AWS SDK, no Pulumi) so the component, the handler and the local sandbox share it.
 */

/** Environment variables the checker reads. */
export const CHECKER_ENV = {
    /** Comma-separated License Manager configuration ARNs of the set (only these are checked). */
    configurationArns: "LICENSE_CONFIGURATION_ARNS",
    /** Alert when ConsumedLicenses / LicenseCount, in percent, is at or above this value. */
    thresholdPercent: "THRESHOLD_PERCENT",
    /** Width of the utilisation bands above the threshold, in percentage points (a band change re-alerts). */
    bandWidthPercent: "BAND_WIDTH_PERCENT",
    /** Re-send an unchanged alert after this many hours; 0 = never. */
    reminderIntervalHours: "REMINDER_INTERVAL_HOURS",
    /** SNS topic the alert goes to. */
    topicArn: "ALERT_TOPIC_ARN",
    /** SSM parameter holding what was last alerted (the suppression state). */
    stateParameterName: "STATE_PARAMETER_NAME",
    /** Name of the LicenseConfigSet, shown in alert subjects. */
    setName: "LICENSE_SET_NAME",
} as const;

export const CHECKER_DEFAULTS = {
    thresholdPercent: 80,
    bandWidthPercent: 10,
    reminderIntervalHours: 0,
} as const;

export interface CheckerSettings {
    configurationArns: string[];
    thresholdPercent: number;
    bandWidthPercent: number;
    reminderIntervalHours: number;
    topicArn: string;
    stateParameterName: string;
    setName: string;
}

/** `arn:<partition>:license-manager:<region>:<account>:license-configuration:lic-<hex>`. */
export const LICENSE_CONFIGURATION_ARN = /^arn:aws[a-z-]*:license-manager:[a-z0-9-]+:\d{12}:license-configuration:lic-[0-9a-f]{32}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const PARAMETER_NAME = /^\/?[A-Za-z0-9_.\-/]{1,1011}$/;
const SET_NAME = /^[A-Za-z0-9_.\-]{1,64}$/;

/** Inclusive ranges the component validates before deploying and the handler checks again at cold start. */
export const CHECKER_LIMITS = {
    thresholdPercent: { min: 1, max: 100 },
    bandWidthPercent: { min: 1, max: 100 },
    reminderIntervalHours: { min: 0, max: 720 },
} as const;

/** Parses and validates the checker's environment; throws naming every problem (a misconfigured deploy must fail loudly). */
export function readCheckerSettings(env: Record<string, string | undefined>): CheckerSettings {
    const problems: string[] = [];
    const arns = (env[CHECKER_ENV.configurationArns] ?? "")
        .split(",")
        .map((a) => a.trim())
        .filter((a) => a.length > 0);
    if (arns.length === 0) problems.push(`${CHECKER_ENV.configurationArns} is empty`);
    for (const arn of arns) {
        if (!LICENSE_CONFIGURATION_ARN.test(arn)) problems.push(`${CHECKER_ENV.configurationArns} holds "${arn.slice(0, 120)}", not a license configuration ARN`);
    }
    const number = (key: keyof typeof CHECKER_LIMITS, integer: boolean): number => {
        const raw = env[CHECKER_ENV[key]];
        const value = raw === undefined || raw === "" ? CHECKER_DEFAULTS[key] : Number(raw);
        const { min, max } = CHECKER_LIMITS[key];
        if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
            problems.push(`${CHECKER_ENV[key]} must be ${integer ? "an integer " : "a number "}from ${min} to ${max} (got "${raw}")`);
        }
        return value;
    };
    const thresholdPercent = number("thresholdPercent", false);
    const bandWidthPercent = number("bandWidthPercent", true);
    const reminderIntervalHours = number("reminderIntervalHours", true);
    const topicArn = env[CHECKER_ENV.topicArn] ?? "";
    if (!TOPIC_ARN.test(topicArn)) problems.push(`${CHECKER_ENV.topicArn} is not an SNS topic ARN`);
    const stateParameterName = env[CHECKER_ENV.stateParameterName] ?? "";
    if (!PARAMETER_NAME.test(stateParameterName)) problems.push(`${CHECKER_ENV.stateParameterName} is not an SSM parameter name`);
    const setName = env[CHECKER_ENV.setName] ?? "";
    if (!SET_NAME.test(setName)) problems.push(`${CHECKER_ENV.setName} must be 1-64 letters, digits, dots, dashes or underscores`);
    if (problems.length > 0) {
        throw new Error(`License utilisation checker misconfigured: ${problems.join("; ")}.`);
    }
    return { configurationArns: [...new Set(arns)], thresholdPercent, bandWidthPercent, reminderIntervalHours, topicArn, stateParameterName, setName };
}
