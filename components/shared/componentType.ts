import * as pulumi from "@pulumi/pulumi";

/** Pulumi package name of the components: the schema's name, what `pulumi package add` generates SDKs for. */
export const PACKAGE_NAME = "licensing";

/** Type token of a component: component packages host one module, `index` (`licensing:index:LicenseServerHub`). */
export function componentType(className: string): string {
    return `${PACKAGE_NAME}:index:${className}`;
}

/**
 * The caller's options plus an alias from the component's former type token (`licensing:<module>:<Name>`), so
 * stacks deployed before the move to the `index` module keep their resources instead of replacing them.
 */
export function withFormerType(formerType: string, opts?: pulumi.ComponentResourceOptions): pulumi.ComponentResourceOptions {
    return { ...opts, aliases: [...(opts?.aliases ?? []), { type: formerType }] };
}
