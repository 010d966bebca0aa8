/**
 * Waits for every promise, then fails with the first rejection's own error. `Promise.all` rejects on the first
 * failure while the others still run, so a table could be read or deleted under them and a later, misleading error
 * would replace the real one.
 */
export async function allSettledOrThrow<T>(promises: Iterable<Promise<T>>): Promise<T[]> {
    const results = await Promise.allSettled(promises);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failures.length === 1) throw failures[0].reason;
    if (failures.length > 1) {
        const first = failures[0].reason as { message?: string };
        throw new AggregateError(failures.map((f) => f.reason), `${failures.length} of ${results.length} deliveries failed; first: ${first?.message ?? String(first)}`);
    }
    return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * Runs `body`, then `cleanup`, and reports the body's error when both fail: a failing clean-up in a `finally`
 * would otherwise hide the error that matters.
 */
export async function withCleanup<T>(body: () => Promise<T>, cleanup: () => Promise<void>): Promise<T> {
    let result: T;
    try {
        result = await body();
    } catch (err) {
        await cleanup().catch((cleanupError) => console.error(`clean-up after a failure also failed: ${String(cleanupError)}`));
        throw err;
    }
    await cleanup();
    return result;
}
