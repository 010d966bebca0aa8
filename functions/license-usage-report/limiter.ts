/**
 * Runs `task` on every item with at most `limit` running at once and returns the results in item order.
 * When a task fails, no further items start; the ones running are awaited, then the first error is thrown.
 */
export async function mapWithConcurrency<T, R>(
    items: readonly T[],
    limit: number,
    task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
    if (!Number.isInteger(limit) || limit < 1) {
        throw new Error(`concurrency limit must be a positive integer (got ${limit}).`);
    }
    const results = new Array<R>(items.length);
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
        while (failure === undefined && next < items.length) {
            const index = next++;
            try {
                results[index] = await task(items[index], index);
            } catch (error) {
                failure ??= { error };
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    if (failure !== undefined) throw failure.error;
    return results;
}

/**
 * Reorders items so that consecutive ones belong to different groups where possible (round robin over groups, in
 * order of first appearance). Spreads concurrent calls over regional endpoints, each with its own quotas.
 */
export function interleaveBy<T>(items: readonly T[], groupOf: (item: T) => string): T[] {
    const groups = new Map<string, T[]>();
    for (const item of items) {
        const key = groupOf(item);
        const group = groups.get(key);
        if (group) group.push(item);
        else groups.set(key, [item]);
    }
    const queues = [...groups.values()];
    const ordered: T[] = [];
    for (let round = 0; ordered.length < items.length; round++) {
        for (const queue of queues) {
            if (round < queue.length) ordered.push(queue[round]);
        }
    }
    return ordered;
}
