/** What the sandbox benchmarks share: runs one after the other, seconds for printing, the command-line entry. */
import * as fs from "node:fs";

export const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** Runs `run` for each item in turn (sandbox runs share the machine), under one run id; hands each result over as it comes. */
export async function runInTurn<T, R>(items: T[], outRoot: string, run: (item: T, runId: string) => Promise<R>, onResult?: (result: R) => void): Promise<R[]> {
    fs.mkdirSync(outRoot, { recursive: true });
    const runId = new Date().toISOString().replace(/[:.]/g, "-");
    const results: R[] = [];
    for (const item of items) {
        const result = await run(item, runId);
        onResult?.(result);
        results.push(result);
    }
    return results;
}

/** Runs a bench's main when its file is run directly; a failure prints its message and exits 1. */
export function runMain(fileModule: NodeModule, main: () => Promise<void>): void {
    if (require.main !== fileModule) return;
    main().then(
        () => process.exit(0),
        (err) => {
            console.error(err instanceof Error ? err.message : err);
            process.exit(1);
        },
    );
}
