/**
 * DynamoDB capacity as the hub's DynamoDB ports would consume it, counted by the bench's in-memory ports: request
 * counts per operation, read units (4 KB per strongly consistent read, the sum of the items a Query page returns)
 * and write units (1 KB per item written; a refused conditional write still costs one). Item sizes follow
 * DynamoDB's rule (attribute names plus values), estimated from the JSON of the attributes.
 */
export class CapacityMeter {
    readonly requests: Record<string, number> = {};
    readUnits = 0;
    writeUnits = 0;

    read(operation: string, bytes: number, consistent = true): void {
        this.count(operation);
        this.readUnits += Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
    }

    /** One Query or Scan: pages of at most 1 MB, each rounded up to 4 KB. */
    readPages(operation: string, itemBytes: readonly number[], consistent = true): void {
        let page = 0;
        const flush = () => {
            this.read(operation, page, consistent);
            page = 0;
        };
        for (const bytes of itemBytes) {
            if (page + bytes > 1_048_576) flush();
            page += bytes;
        }
        flush();
    }

    write(operation: string, bytes: number): void {
        this.count(operation);
        this.writeUnits += Math.max(1, Math.ceil(bytes / 1024));
    }

    reset(): void {
        for (const name of Object.keys(this.requests)) delete this.requests[name];
        this.readUnits = 0;
        this.writeUnits = 0;
    }

    totalRequests(): number {
        return Object.values(this.requests).reduce((a, b) => a + b, 0);
    }

    private count(operation: string): void {
        this.requests[operation] = (this.requests[operation] ?? 0) + 1;
    }
}

/** Bytes of an item by DynamoDB's rule, estimated: each attribute's name plus its value's JSON length. */
export function itemBytes(item: Record<string, unknown>): number {
    let bytes = 0;
    for (const [name, value] of Object.entries(item)) {
        if (value === undefined) continue;
        const json = JSON.stringify(value instanceof Set ? [...value] : value) ?? "";
        bytes += Buffer.byteLength(name) + Buffer.byteLength(json);
    }
    return bytes;
}
