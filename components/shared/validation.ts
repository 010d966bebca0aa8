import * as pulumi from "@pulumi/pulumi";

/**
 * A bad argument as Pulumi reports it: the message alone, naming the field, without a stack trace (a plain Error
 * prints one, which buries the line that matters). Already-converted errors pass through unchanged.
 */
export function argumentError(err: unknown, resource?: pulumi.Resource): Error {
    if (pulumi.ResourceError.isInstance(err) || pulumi.RunError.isInstance(err)) return err;
    return new pulumi.ResourceError(err instanceof Error ? err.message : String(err), resource, true);
}

/** Runs a component's argument checks; whatever they throw is thrown as a ResourceError without a stack trace. */
export function checkArgs<T>(check: () => T, resource?: pulumi.Resource): T {
    try {
        return check();
    } catch (err) {
        throw argumentError(err, resource);
    }
}

/**
 * Validates an input as early as its value is known: at once for a plain value (so a bad argument fails at
 * construction with a clear message), when it resolves for an Output. Returns the input as an Output. A failed
 * check is a ResourceError without a stack trace either way.
 */
export function whenKnown<T>(input: pulumi.Input<T>, check: (value: T) => void, resource?: pulumi.Resource): pulumi.Output<T> {
    if (!pulumi.Output.isInstance(input) && !(input instanceof Promise)) {
        checkArgs(() => check(input as T), resource);
        return pulumi.output(input) as pulumi.Output<T>;
    }
    return pulumi.output(input).apply((value) => {
        checkArgs(() => check(value as T), resource);
        return value as T;
    }) as pulumi.Output<T>;
}
