/** The Pulumi project name (Pulumi.yaml): configuration keys without a namespace belong to it. */
export const PROJECT = "license-ops";
