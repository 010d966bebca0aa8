/**
 * Generations number the user lists the sync sends; a license server keeps the highest it installed and refuses
 * anything older (components/hub/licenseServerDocument.ts). They must therefore never go backwards, whatever happens
 * to the hub: a recreated change-marker parameter (its versions restart at 1), a redeploy, even a recreated table.
 *
 * A generation is a hybrid of the clock and a counter: `max(now in ms, last + 1)`, claimed in the hub table with a
 * conditional write (one per sync tick). The counter makes it strictly increasing while the table lives; the clock
 * keeps it ahead of anything handed out before the table was recreated, and ahead of the marker versions that earlier
 * releases sent (so servers holding those migrate without a manual reset). A plain counter would restart at 1 with a
 * new table; the marker version restarts with a new parameter; the clock alone could repeat or step back.
 */
export function nextGeneration(last: number, nowMs: number): number {
    return Math.max(Math.floor(nowMs), Math.floor(last) + 1);
}

/** One sync tick's claim: the generation its commands carry, held exclusively until released or `leaseUntil`. */
export interface GenerationClaim {
    generation: number;
    holder: string;
    /** Epoch ms after which another sync may claim (the holder's deadline: it has stopped by then). */
    leaseUntil: number;
}
