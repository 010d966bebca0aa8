import type { CheckerSettings } from "./environment";
import type { Telemetry } from "../shared/telemetry";

/** One license configuration as ListLicenseConfigurations reports it (the fields the checker uses). */
export interface ConfigurationUsage {
    arn: string;
    name: string;
    countingType: string;
    /** Licenses owned; unset or 0 means utilisation is not applicable. */
    licenseCount?: number;
    consumedLicenses: number;
}

/** What the checker needs from AWS; each throws on API errors so Lambda retries the invocation. */
export interface CheckerPorts {
    /** The configurations with these ARNs, all pages. */
    listConfigurations(arns: string[]): Promise<ConfigurationUsage[]>;
    /** The suppression state last written, or undefined when there is none yet. */
    readState(): Promise<string | undefined>;
    writeState(value: string): Promise<void>;
    publish(subject: string, message: string): Promise<void>;
}

/** A configuration at or above the threshold. */
export interface AlertingConfiguration {
    arn: string;
    name: string;
    countingType: string;
    licenseCount: number;
    consumedLicenses: number;
    /** Utilisation in percent, rounded to 0.01 for display (decisions use exact integer arithmetic). */
    percent: number;
    /** `"<n>"` (n = threshold + k * band width), `"full"` (exactly 100 %) or `"over"` (above 100 %, soft limit exceeded). */
    band: string;
}

/** What was alerted last: configuration ARN -> band, and when. Kept small (an SSM parameter holds it). */
export interface AlertState {
    version: 1;
    bands: Record<string, string>;
    lastAlertAt?: string;
}

export type CheckOutcome =
    /** Alert published: the alerting set or a band changed. */
    | "alerted"
    /** All-clear published: configurations alerted before are now all below the threshold. */
    | "cleared"
    /** Unchanged alert re-sent because the reminder interval elapsed. */
    | "reminded"
    /** Configurations are alerting but nothing changed since the last alert: nothing sent. */
    | "suppressed"
    /** Nothing at or above the threshold, and nothing was before. */
    | "quiet";

export interface CheckResult {
    outcome: CheckOutcome;
    alerting: AlertingConfiguration[];
    /** Names of configurations that left the alerting set since the last alert. */
    recovered: string[];
    /** Configurations without a count (utilisation not applicable). */
    notApplicable: string[];
    /** ARNs of the set that License Manager did not return (deleted outside Pulumi, or another region). */
    missing: string[];
}

/**
 * Utilisation of one configuration in percent, or undefined when it has no count (unset or 0: License Manager
 * tracks usage but there is nothing to divide by). Can exceed 100 for soft limits.
 */
export function utilisationPercent(c: Pick<ConfigurationUsage, "licenseCount" | "consumedLicenses">): number | undefined {
    if (c.licenseCount === undefined || c.licenseCount <= 0) return undefined;
    return (c.consumedLicenses / c.licenseCount) * 100;
}

/**
 * True when consumed / count >= threshold %, compared as consumed * 100 >= threshold * count so that exactly
 * 80 % is 80 % (no floating-point division on the decision path).
 */
export function atOrAboveThreshold(consumed: number, count: number, thresholdPercent: number): boolean {
    return count > 0 && consumed * 100 >= thresholdPercent * count;
}

/** The band of an alerting configuration (see AlertingConfiguration.band). */
export function utilisationBand(consumed: number, count: number, thresholdPercent: number, bandWidthPercent: number): string {
    if (consumed > count) return "over";
    if (consumed === count) return "full";
    const steps = Math.floor((consumed * 100 - thresholdPercent * count) / (bandWidthPercent * count));
    return String(thresholdPercent + Math.max(0, steps) * bandWidthPercent);
}

/** Parses the stored state; anything unreadable counts as "nothing alerted yet" (errs towards alerting, never silence). */
export function parseAlertState(raw: string | undefined): AlertState {
    if (raw) {
        try {
            const parsed = JSON.parse(raw);
            if (parsed && parsed.version === 1 && typeof parsed.bands === "object" && parsed.bands !== null) {
                const bands = Object.fromEntries(Object.entries(parsed.bands).filter(([, v]) => typeof v === "string")) as Record<string, string>;
                return { version: 1, bands, lastAlertAt: typeof parsed.lastAlertAt === "string" ? parsed.lastAlertAt : undefined };
            }
        } catch {
            // fall through
        }
    }
    return { version: 1, bands: {} };
}

/**
 * One scheduled check: lists the set's configurations (all pages), finds those at or above the threshold and
 * publishes ONE message naming all of them, but only when the alerting set or a band changed since the last alert
 * (or a configured reminder interval elapsed). The state is written after a successful publish: a failed write
 * makes the next run alert again (at least once), never lose an alert.
 */
export async function checkUtilisation(settings: CheckerSettings, ports: CheckerPorts, telemetry: Telemetry, now: Date): Promise<CheckResult> {
    const configurations = await ports.listConfigurations(settings.configurationArns);
    const returned = new Set(configurations.map((c) => c.arn));
    const missing = settings.configurationArns.filter((arn) => !returned.has(arn));
    if (missing.length > 0) {
        telemetry.warn("license configurations of the set were not returned", { missing });
        telemetry.metric("ConfigurationsMissing", missing.length);
    }

    const alerting: AlertingConfiguration[] = [];
    const notApplicable: string[] = [];
    for (const c of configurations) {
        const count = c.licenseCount ?? 0;
        if (count <= 0) {
            notApplicable.push(c.name);
            continue;
        }
        if (atOrAboveThreshold(c.consumedLicenses, count, settings.thresholdPercent)) {
            alerting.push({
                arn: c.arn,
                name: c.name,
                countingType: c.countingType,
                licenseCount: count,
                consumedLicenses: c.consumedLicenses,
                percent: Math.round(utilisationPercent(c)! * 100) / 100,
                band: utilisationBand(c.consumedLicenses, count, settings.thresholdPercent, settings.bandWidthPercent),
            });
        }
    }
    alerting.sort((a, b) => b.consumedLicenses / b.licenseCount - a.consumedLicenses / a.licenseCount || a.name.localeCompare(b.name));
    telemetry.metric("ConfigurationsChecked", configurations.length);
    telemetry.metric("ConfigurationsAtOrAboveThreshold", alerting.length);

    const previous = parseAlertState(await ports.readState());
    // Only configurations seen in this run are compared: one removed from the set, or not returned this time, is
    // neither "recovered" nor a change.
    const previousBands = Object.fromEntries(Object.entries(previous.bands).filter(([arn]) => returned.has(arn)));
    const current: Record<string, string> = Object.fromEntries(alerting.map((a) => [a.arn, a.band]));
    const nameOf = new Map(configurations.map((c) => [c.arn, c.name]));
    const recovered = Object.keys(previousBands)
        .filter((arn) => !(arn in current))
        .map((arn) => nameOf.get(arn) ?? arn);
    const base = { alerting, recovered, notApplicable, missing };

    const changed = !sameBands(previousBands, current);
    let outcome: CheckOutcome;
    if (changed && alerting.length > 0) {
        outcome = "alerted";
    } else if (changed) {
        outcome = "cleared";
    } else if (alerting.length > 0 && reminderDue(previous.lastAlertAt, settings.reminderIntervalHours, now)) {
        outcome = "reminded";
    } else {
        outcome = alerting.length > 0 ? "suppressed" : "quiet";
    }

    if (outcome === "suppressed" || outcome === "quiet") {
        if (outcome === "suppressed") telemetry.metric("AlertsSuppressed", 1);
        telemetry.info("no alert sent", { outcome, alerting: alerting.map((a) => `${a.name}:${a.band}`) });
        return { outcome, ...base };
    }

    const { subject, message } = renderAlert(outcome, settings, base);
    await ports.publish(subject, message);
    // Configurations of the set missing from this listing keep their last band, so their return is not news.
    const carried = Object.fromEntries(Object.entries(previous.bands).filter(([arn]) => missing.includes(arn)));
    await ports.writeState(JSON.stringify({ version: 1, bands: { ...carried, ...current }, lastAlertAt: now.toISOString() } satisfies AlertState));
    telemetry.metric("AlertsPublished", 1);
    telemetry.info("alert published", { outcome, alerting: alerting.map((a) => `${a.name}:${a.band}`), recovered });
    return { outcome, ...base };
}

function sameBands(a: Record<string, string>, b: Record<string, string>): boolean {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

function reminderDue(lastAlertAt: string | undefined, intervalHours: number, now: Date): boolean {
    if (intervalHours <= 0) return false;
    const last = lastAlertAt ? Date.parse(lastAlertAt) : NaN;
    return Number.isNaN(last) || now.getTime() - last >= intervalHours * 3600_000;
}

/** The subject (SNS: at most 100 ASCII characters) and body of one alert. */
export function renderAlert(
    outcome: "alerted" | "cleared" | "reminded",
    settings: Pick<CheckerSettings, "setName" | "thresholdPercent">,
    result: Pick<CheckResult, "alerting" | "recovered" | "notApplicable" | "missing">,
): { subject: string; message: string } {
    const threshold = `${settings.thresholdPercent}%`;
    const n = result.alerting.length;
    const subject =
        outcome === "cleared"
            ? `Licenses back below ${threshold}: ${settings.setName}`
            : `${outcome === "reminded" ? "Reminder: " : ""}${n} license configuration${n === 1 ? "" : "s"} at or above ${threshold}: ${settings.setName}`;
    const lines: string[] = [];
    if (outcome === "cleared") {
        lines.push(`Every license configuration of set ${settings.setName} is below ${threshold} utilisation again.`);
    } else {
        lines.push(`License configurations of set ${settings.setName} at or above ${threshold} utilisation (consumed / owned):`, "");
        for (const a of result.alerting) {
            const note = a.band === "over" ? "  OVER THE LICENSE COUNT" : a.band === "full" ? "  all licenses in use" : "";
            lines.push(`- ${a.name} (${a.countingType}): ${a.consumedLicenses} / ${a.licenseCount} = ${a.percent}%${note}`);
            lines.push(`  ${a.arn}`);
        }
    }
    if (result.recovered.length > 0) lines.push("", `Back below ${threshold} since the last alert: ${result.recovered.join(", ")}`);
    if (result.missing.length > 0) lines.push("", `Not found in License Manager (deleted outside the stack?): ${result.missing.join(", ")}`);
    lines.push("", "You are alerted again when this list or a configuration's utilisation band changes.");
    return { subject: asciiSubject(subject), message: lines.join("\n") };
}

function asciiSubject(subject: string): string {
    // SNS subjects: ASCII, no line breaks, at most 100 characters.
    const ascii = subject.replace(/[^\x20-\x7e]/g, "?");
    return ascii.length > 100 ? `${ascii.slice(0, 99)}~` : ascii;
}
