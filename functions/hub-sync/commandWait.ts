import type { CommandOutcome, SyncPorts } from "./ports";

export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

/** The first poll when the server's round trip is not known yet, and the step the polls grow from. */
export const FIRST_POLL_MS = 250;

/**
 * Waits for a command by polling Run Command, with backoff: the first look comes at 90% of the server's last round
 * trip (when Run Command said that command ended, not when a poll saw it; or soon, when it is not known), then 1/8, 1/4, 1/2 of `pollIntervalMs` after each other, then every
 * `pollIntervalMs`, so a command of a known server costs two or three polls and one of a new server is seen within
 * moments of finishing. Polling rather than Run Command's status events: the sync needs the outcome within the same
 * invocation to send the server's next bundle, and one GetCommandInvocation per poll per server costs less than a
 * rule, a queue and a state machine to carry an event back to a waiting invocation.
 */
export async function waitForCommand(
    ports: Pick<SyncPorts, "commandOutcome">,
    commandId: string,
    instanceId: string,
    expectedMs: number | undefined,
    deadline: number,
    pollIntervalMs: number,
    clock: Clock,
): Promise<CommandOutcome> {
    let step = Math.max(1, Math.round(pollIntervalMs / 8));
    let wait = expectedMs === undefined ? Math.min(FIRST_POLL_MS, step) : Math.max(FIRST_POLL_MS, Math.round(expectedMs * 0.9));
    for (;;) {
        const remaining = deadline - clock.now();
        if (remaining <= 0) return { status: "WaitTimedOut", commandId, detail: "the command did not finish before the sync's deadline" };
        await clock.sleep(Math.min(wait, remaining));
        const outcome = await ports.commandOutcome(commandId, instanceId);
        if (outcome) return outcome;
        wait = step;
        step = Math.min(step * 2, pollIntervalMs);
    }
}
