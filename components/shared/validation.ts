import * as pulumi from "@pulumi/pulumi";

/**
 * Validates an input as early as its value is known: at once for a plain value (so a bad argument fails at
 * construction with a clear message), when it resolves for an Output. Returns the input as an Output.
 */
export function whenKnown<T>(input: pulumi.Input<T>, check: (value: T) => void): pulumi.Output<T> {
    if (!pulumi.Output.isInstance(input) && !(input instanceof Promise)) {
        check(input as T);
        return pulumi.output(input) as pulumi.Output<T>;
    }
    return pulumi.output(input).apply((value) => {
        check(value as T);
        return value as T;
    }) as pulumi.Output<T>;
}
