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
