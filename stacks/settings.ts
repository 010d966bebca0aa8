import * as pulumi from "@pulumi/pulumi";

/**
 * Stack settings checked before any resource is declared, so a mistake fails `pulumi preview` with one line per
 * problem naming the setting as the user wrote it (`productCatalog.products.matlab`, `usageReportSchedule`), not the
 * component argument it becomes, and without a stack trace (a RunError prints its message only).
 */
export function assertSettings(problems: readonly string[]): void {
    if (problems.length === 1) throw new pulumi.RunError(`Stack setting ${problems[0]}`);
    if (problems.length > 1) throw new pulumi.RunError(`Stack settings have ${problems.length} problems:\n  - ${problems.join("\n  - ")}`);
}

/** `[<setting>: <why>]` when `why` is set, else none: for single-value checks that return a reason. */
export function settingProblem(setting: string, why: string | undefined): string[] {
    return why === undefined ? [] : [`${setting}: ${why}`];
}

/** A setting that must be a list of strings: its value (empty when absent or not a list) and, if not a list, the problem. */
export function stringListSetting(config: pulumi.Config, setting: string): { value: string[]; problems: string[] } {
    const value = config.getObject<unknown>(setting);
    if (value === undefined) return { value: [], problems: [] };
    if (Array.isArray(value) && value.every((entry) => typeof entry === "string")) return { value, problems: [] };
    return { value: [], problems: [`${setting}: must be a list of strings (got ${JSON.stringify(value)})`] };
}
