import * as pulumi from "@pulumi/pulumi";

/** The compositions this project deploys: one stack per AWS account, each with one role. */
export const STACK_ROLES = ["workbench-account", "license-server", "license-governance"] as const;
export type StackRole = (typeof STACK_ROLES)[number];

/** The stack's role, from the `role` setting; throws a message listing the valid roles when missing or unknown. */
export function parseRole(value: string | undefined): StackRole {
    if (value === undefined || value === "") {
        throw new pulumi.RunError(`Stack setting "role" is missing: set it with \`pulumi config set role <${STACK_ROLES.join("|")}>\`.`);
    }
    if (!(STACK_ROLES as readonly string[]).includes(value)) {
        throw new pulumi.RunError(`Stack setting "role" is "${value}"; expected one of ${STACK_ROLES.join(", ")}.`);
    }
    return value as StackRole;
}
