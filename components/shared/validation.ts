import * as pulumi from "@pulumi/pulumi";
import { inspect } from "node:util";

/**
 * A user's mistake in a component's arguments, reported as one line naming the field however it surfaces:
 * - Pulumi's engine prints a ResourceError's message without a stack (`hideStack`);
 * - a value that arrived as an Output fails inside an apply, and every resource input depending on it rethrows the
 *   same error object after prefixing its message with `error serializing property "x": `: the message here keeps
 *   its one line (the prefixes are dropped);
 * - under plain node (a program run under mocks) an unhandled rejection is printed with util.inspect, which would
 *   dump the resource the error names (thousands of lines): the resource is not enumerable, and inspect prints the
 *   line.
 */
export class ArgumentError extends pulumi.ResourceError {
    constructor(message: string, resource?: pulumi.Resource) {
        super(message, resource, true);
        Object.defineProperty(this, "resource", { value: resource, enumerable: false });
        Object.defineProperty(this, "message", { get: () => message, set: () => undefined, enumerable: false, configurable: true });
        Object.defineProperty(this, "stack", { value: `${this.name}: ${message}`, enumerable: false, writable: true, configurable: true });
        // Node prints an error's own enumerable properties after its message: keep the SDK's markers (and the promise
        // it attaches to a rejection) out of sight.
        for (const key of ["hideStack", "__pulumResourceError"]) Object.defineProperty(this, key, { enumerable: false });
        Object.defineProperty(this, "promise", {
            configurable: true,
            enumerable: false,
            set(value: unknown) {
                Object.defineProperty(this, "promise", { value, writable: true, configurable: true, enumerable: false });
            },
        });
    }

    get name(): string {
        return "ArgumentError";
    }

    [inspect.custom](): string {
        return `${this.name}: ${this.message}`;
    }
}

/**
 * A bad argument as Pulumi reports it: the message alone, naming the field, without a stack trace (a plain Error
 * prints one, which buries the line that matters). Already-converted errors pass through unchanged.
 */
export function argumentError(err: unknown, resource?: pulumi.Resource): Error {
    if (err instanceof ArgumentError || pulumi.RunError.isInstance(err)) return err;
    if (pulumi.ResourceError.isInstance(err)) return new ArgumentError(err.message, (err as pulumi.ResourceError).resource ?? resource);
    return new ArgumentError(err instanceof Error ? err.message : String(err), resource);
}

/** Runs a component's argument checks; whatever they throw is thrown as a ResourceError without a stack trace. */
export function checkArgs<T>(check: () => T, resource?: pulumi.Resource): T {
    try {
        return check();
    } catch (err) {
        throw argumentError(err, resource);
    }
}

/** True when no Output or Promise hides anywhere in the value, so it can be checked while the component is built. */
export function isKnown(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return false;
    if (Array.isArray(value)) return value.every(isKnown);
    if (value !== null && typeof value === "object" && !pulumi.Resource.isInstance(value)) return Object.values(value).every(isKnown);
    return true;
}

/**
 * Runs `check` on an input as early as its value is known and returns what it returns, as an Output: at once for a
 * plain value (so a bad argument fails at construction), when every nested Output has resolved otherwise (outputs
 * of other resources are unknown until then). A failure is a one-line `ResourceError` on `resource` when given.
 */
export function validated<T, R>(input: pulumi.Input<T>, check: (value: pulumi.Unwrap<T>) => R, resource?: pulumi.Resource): pulumi.Output<R> {
    const run = (value: pulumi.Unwrap<T>): R => {
        try {
            return check(value);
        } catch (err) {
            throw argumentError(err, resource);
        }
    };
    if (isKnown(input)) return pulumi.output(run(input as pulumi.Unwrap<T>)) as pulumi.Output<R>;
    return pulumi.output(input).apply((value) => run(value as pulumi.Unwrap<T>)) as pulumi.Output<R>;
}

/**
 * Validates an input as early as its value is known (see `validated`) and returns the input as an Output.
 */
export function whenKnown<T>(input: pulumi.Input<T>, check: (value: T) => void, resource?: pulumi.Resource): pulumi.Output<T> {
    return validated(
        input,
        (value) => {
            check(value as T);
            return value as T;
        },
        resource,
    ) as pulumi.Output<T>;
}
