import type { ProductTarget } from "../hub-shared/config";
import type { RenderedBundle } from "../hub-shared/bundle";
import type { GenerationClaim } from "./generation";
import type { SeatHolder } from "./seatSelection";

/** A product whose seat rows changed since its list was last delivered, and how many changes its mark has counted. */
export interface ChangeMark {
    product: string;
    changes: number;
}

/** What a license server last confirmed for one product. */
export interface DeliveredList {
    sha256: string;
    instanceId: string;
    /** The product's target fingerprint (server, seats, vendor command, document) the list was delivered under. */
    target: string;
    generation: number;
    users: number;
    denied: number;
    deliveredAt: string;
}

/** One license server as the sync remembers it between invocations. */
export interface ServerState {
    /** Epoch ms the last command to it was sent (the per-server debounce). */
    lastCommandAt?: number;
    /** How long its last completed command took, ms (when the first poll comes). */
    roundTripMs?: number;
    /** Commands in a row that did not complete; reset by one that did. */
    failures: number;
    /** Epoch ms before which no command is sent to it (its backoff after failures). */
    retryAfter?: number;
}

/** The deployment every delivery was last compared with, and where the safety net continues. */
export interface SyncChecks {
    fingerprint?: string;
    cursor: number;
}

/** How one command ended, as Run Command reports it once it stopped changing. */
export interface CommandOutcome {
    /** Run Command invocation status: Success, Failed, TimedOut, Cancelled, DeliveryTimedOut, Undeliverable, ... */
    status: string;
    commandId: string;
    /** The script step's exit code, when Run Command reported one. */
    responseCode?: number;
    /** The script step's output (stdout, then stderr), at most what Run Command returns (24,000 characters). */
    output?: string;
    detail?: string;
    /** Epoch ms Run Command says the command ended on the server, when it says. */
    endedAt?: number;
}

/** AWS calls of the sync; each throws on AWS errors. */
export interface SyncPorts {
    /**
     * Claims a generation (strictly above every generation claimed or reported before) and holds it exclusively
     * until released or `leaseUntil`; undefined when another sync holds an unexpired claim or claimed at the same moment.
     */
    claimGeneration(holder: string, leaseUntil: number): Promise<GenerationClaim | undefined>;
    /** Ends the claim; the next claim will be above `floor` too (the highest generation used or reported). */
    releaseGeneration(claim: GenerationClaim, floor: number): Promise<void>;
    /** Every product's change mark (strongly consistent). */
    changeMarks(): Promise<ChangeMark[]>;
    /** Adds a change to each product's mark (a list the sync must deliver again: a failure, a correction, a new target). */
    markChanged(products: readonly string[]): Promise<void>;
    /** Deletes the mark unless it counted more changes than `mark.changes` meanwhile; false when it did. */
    clearChangeMark(mark: ChangeMark): Promise<boolean>;
    /** What every product's server last confirmed (products never delivered are absent): one item per product. */
    readDeliveries(): Promise<Map<string, DeliveredList>>;
    /** Records a delivery unless a newer generation is recorded for the product already. */
    recordDelivery(product: string, delivered: DeliveredList): Promise<void>;
    readServers(): Promise<Map<string, ServerState>>;
    writeServer(instanceId: string, state: ServerState): Promise<void>;
    readChecks(): Promise<SyncChecks>;
    writeChecks(checks: SyncChecks): Promise<void>;
    /** Every seat row of a product (all pages); strongly consistent unless `eventual`. */
    seatHolders(product: string, eventual?: boolean): Promise<SeatHolder[]>;
    publishBundle(bundle: RenderedBundle): Promise<void>;
    /** Sends the document for the bundle to one license server; resolves to the command id. */
    sendBundle(instanceId: string, bundle: RenderedBundle, comment: string): Promise<string>;
    /** One look at the command on the server: undefined while Run Command may still change its mind. */
    commandOutcome(commandId: string, instanceId: string): Promise<CommandOutcome | undefined>;
}

export type { ProductTarget };
