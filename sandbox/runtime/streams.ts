/**
 * DynamoDB Streams and Lambda's stream event source mappings, as the sandbox plays them. dynalite has no Streams, so
 * after every invocation of a function that may write a streamed table (its environment names the table), the table
 * is compared with its previous snapshot and the differences become stream records (sandbox/aws/dynamoStreams.ts).
 * Taps are serialised, so every change is seen once; changes that cancel out between two taps are not seen (see
 * there). Each mapping then does what Lambda's poller does: drops records its filter criteria do not match, batches
 * the rest (batch size, batching window in scenario time), invokes the function synchronously, retries from the
 * first reported item failure (or the whole batch on an error) up to maximumRetryAttempts, and then hands the batch
 * to the on-failure destination. Bisecting a failing batch is not emulated: a failed batch is retried whole.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { matchesPattern } from "../aws/eventPattern";
import { TableSnapshot, streamRecordsBetween, tableSnapshot } from "../aws/dynamoStreams";
import type { LocalDeployment, LocalEventSourceMapping, LocalFunction, LocalTable } from "../world/deployment";
import { functionByArn } from "../world/deployment";
import type { LocalLambdaRuntime } from "./lambdaRuntime";
import type { ScaledClock, WorkTracker } from "./clock";
import type { Emit } from "./events";

export interface StreamDeps {
    deployment: LocalDeployment;
    dynamo: DynamoDBClient;
    runtime: LocalLambdaRuntime;
    clock: ScaledClock;
    work: WorkTracker;
    emit: Emit;
    region: string;
}

/** Scenario time Lambda's poller waits before retrying a failed batch. */
const STREAM_RETRY_DELAY_MS = 1000;

export class TableStreams {
    private readonly tables: Array<{ table: LocalTable; snapshot: TableSnapshot; pollers: StreamPoller[] }>;
    private chain: Promise<void> = Promise.resolve();

    constructor(private readonly deps: StreamDeps) {
        this.tables = deps.deployment.tables
            .filter((t) => t.streamArn !== undefined)
            .map((table) => ({
                table,
                snapshot: new Map(),
                pollers: deps.deployment.mappings.filter((m) => m.eventSourceArn === table.streamArn).map((m) => new StreamPoller(m, deps)),
            }));
    }

    /** Taps every streamed table of the function's account that its environment names. */
    tapAfter(fn: LocalFunction): Promise<void> {
        const names = new Set(Object.values(fn.environment));
        const tables = this.tables.filter((t) => t.table.accountId === fn.accountId && names.has(t.table.name));
        if (tables.length === 0) return Promise.resolve();
        const tap = this.chain.then(async () => {
            for (const entry of tables) {
                const { table } = entry;
                const after = await tableSnapshot(this.deps.dynamo, table.name, { hashKey: table.hashKey, rangeKey: table.rangeKey });
                const records = streamRecordsBetween(entry.snapshot, after, {
                    keys: { hashKey: table.hashKey, rangeKey: table.rangeKey },
                    streamArn: table.streamArn!,
                    region: this.deps.region,
                    viewType: table.streamViewType as "NEW_AND_OLD_IMAGES" | undefined,
                    // Scenario time, like the EC2 event times the records are compared with (the seat ledger).
                    now: () => this.deps.clock.timeAt(this.deps.clock.scenarioNow()).getTime(),
                });
                entry.snapshot = after;
                if (records.length > 0) for (const poller of entry.pollers) poller.push(records);
            }
        });
        this.chain = tap.catch(() => undefined);
        return tap;
    }
}

class StreamPoller {
    private pending: DynamoDBRecord[] = [];
    private filteredOut = 0;
    private timer?: { handle: NodeJS.Timeout; done: () => void };
    private flushing: Promise<void> = Promise.resolve();
    private readonly fn: LocalFunction;

    constructor(
        private readonly mapping: LocalEventSourceMapping,
        private readonly deps: StreamDeps,
    ) {
        const fn = functionByArn(deps.deployment, mapping.functionArn);
        if (!fn) throw new Error(`event source mapping ${mapping.name} names unknown function ${mapping.functionArn}`);
        this.fn = fn;
    }

    push(records: DynamoDBRecord[]): void {
        const { filters } = this.mapping;
        const kept = filters.length === 0 ? records : records.filter((r) => filters.some((f) => matchesPattern(f, r)));
        this.filteredOut += records.length - kept.length;
        if (kept.length === 0) return;
        this.pending.push(...kept);
        if (this.pending.length >= this.mapping.batchSize) {
            this.flushNow();
        } else if (!this.timer) {
            const done = this.deps.work.begin();
            const handle = setTimeout(() => this.flushNow(), this.deps.clock.scaled(this.mapping.maximumBatchingWindowSeconds * 1000));
            this.timer = { handle, done };
        }
    }

    private flushNow(): void {
        if (this.timer) {
            clearTimeout(this.timer.handle);
            this.timer.done();
            this.timer = undefined;
        }
        while (this.pending.length > 0) {
            const batch = this.pending.splice(0, this.mapping.batchSize);
            const filteredOut = this.filteredOut;
            this.filteredOut = 0;
            // One batch at a time per shard, in order, as Lambda processes a stream.
            this.flushing = this.deps.work.track(
                this.flushing
                    .then(() => this.process(batch, filteredOut))
                    .catch((err: Error) => {
                        if (!this.deps.runtime.closed) this.deps.emit({ at: this.deps.clock.scenarioNow(), kind: "harness-error", message: `sandbox error in stream poller ${this.mapping.name}: ${err.message}` });
                    }),
            );
        }
    }

    private async process(batch: DynamoDBRecord[], filteredOut: number): Promise<void> {
        const { runtime, clock, emit } = this.deps;
        let records = batch;
        let lastError = "";
        const maxRetries = this.mapping.maximumRetryAttempts < 0 ? Number.POSITIVE_INFINITY : this.mapping.maximumRetryAttempts;
        for (let attempt = 0; attempt <= maxRetries; attempt++) {
            if (attempt > 0) await clock.sleep(STREAM_RETRY_DELAY_MS);
            if (runtime.closed) return;
            const result = await runtime.invoke(this.fn.arn, { Records: records });
            emit({ at: clock.scenarioNow(), kind: "invocation", fn: this.fn, event: { Records: records }, result, attempt, trigger: "stream" });
            if (!result.ok) {
                lastError = `${result.error?.type}: ${result.error?.message}`;
                continue;
            }
            const failures = this.mapping.reportBatchItemFailures ? ((result.result as DynamoDBBatchResponse | null)?.batchItemFailures ?? []) : [];
            if (failures.length === 0) {
                emit({ at: clock.scenarioNow(), kind: "stream-batch", mapping: this.mapping, fn: this.fn, records, filteredOut });
                return;
            }
            // Retry from the first failed record, as Lambda does with ReportBatchItemFailures.
            const first = records.findIndex((r) => failures.some((f) => f.itemIdentifier === r.dynamodb?.SequenceNumber));
            records = first < 0 ? records : records.slice(first);
            lastError = `batch item failures from sequence number ${failures[0].itemIdentifier}`;
        }
        emit({ at: clock.scenarioNow(), kind: "stream-failure", mapping: this.mapping, records, error: lastError, destination: this.mapping.onFailure });
    }
}
