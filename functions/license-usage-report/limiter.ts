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
