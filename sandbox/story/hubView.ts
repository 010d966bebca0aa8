/**
 * What the hub holds, read from outside for the sandbox's output: the seat rows in its table and its change marks.
 * Names come from the deployed sync function's environment, read with the sync's own parser.
 */
import { syncConfig, SyncConfig } from "../../functions/hub-shared/config";
import { deployedHubConfiguration } from "../world/deployedHubConfiguration";
import { parseSeatRowKey } from "../../functions/hub-shared/tableKeys";
import { dynamoSyncTablePorts } from "../../functions/hub-sync/tablePorts";
import { tableSnapshot } from "../aws/dynamoStreams";
import type { LocalDeployment, LocalFunction, LocalTable } from "../world/deployment";
import type { SeatRow } from "../runtime/events";
import type { SandboxServices } from "../runtime/services";

export class HubView {
    readonly sync: LocalFunction;
    readonly config: SyncConfig;
    private readonly table: LocalTable;

    constructor(
        deployment: LocalDeployment,
        private readonly services: SandboxServices,
    ) {
        const syncs = deployment.functions.filter((f) => f.handler === "hub-sync");
        if (syncs.length !== 1) throw new Error(`the sandbox expects one hub sync function, found ${syncs.length}`);
        this.sync = syncs[0];
        this.config = syncConfig(this.sync.environment, deployedHubConfiguration(deployment, this.sync));
        const table = deployment.tables.find((t) => t.accountId === this.sync.accountId && t.name === this.config.tableName);
        if (!table) throw new Error(`the hub's table ${this.config.tableName} is not part of the deployment`);
        this.table = table;
    }

    /** The products marked as changed and not delivered yet, as the sync reads them. */
    async changeMarks(): Promise<string[]> {
        return (await this.ports().changeMarks()).map((m) => m.product).sort();
    }

    /** Deletes every change mark (as if the change marker's writes were lost); returns how many there were. */
    async deleteChangeMarks(): Promise<number> {
        const ports = this.ports();
        let deleted = 0;
        for (const mark of await ports.changeMarks()) if (await ports.clearChangeMark(mark)) deleted++;
        return deleted;
    }

    /** Users holding a seat row, per product, longest-held first. */
    async seatHolders(): Promise<Record<string, string[]>> {
        const snapshot = await tableSnapshot(this.services.dynamo.client, this.table.name, { hashKey: this.table.hashKey, rangeKey: this.table.rangeKey });
        const rows: Record<string, Array<{ userId: string; since: string }>> = {};
        for (const item of snapshot.values()) {
            const seat = parseSeatRowKey(item[this.table.hashKey]?.S, item[this.table.rangeKey ?? ""]?.S);
            if (seat) (rows[seat.product] ??= []).push({ userId: seat.userId, since: item.firstAssignedAt?.S ?? "" });
        }
        return Object.fromEntries(
            Object.entries(rows).map(([product, list]) => [product, list.sort((a, b) => a.since.localeCompare(b.since) || a.userId.localeCompare(b.userId)).map((r) => r.userId)]),
        );
    }

    /**
     * Seats per product: who the license server lists, the seats owned, who has a seat row the list leaves out
     * (denied: no seat left) and, for a product still marked as changed, rows the sync has not delivered yet (pending).
     */
    async seatRows(lists: Record<string, string[]>): Promise<SeatRow[]> {
        const holders = await this.seatHolders();
        const marked = new Set(await this.changeMarks());
        return Object.keys(this.config.products)
            .sort()
            .map((product) => {
                const holding = lists[product] ?? [];
                const unlisted = (holders[product] ?? []).filter((u) => !holding.includes(u));
                return { product, holding, seats: this.config.products[product].seats, denied: marked.has(product) ? [] : unlisted, pending: marked.has(product) ? unlisted : [] };
            });
    }

    private ports() {
        return dynamoSyncTablePorts(this.services.dynamo.documents, this.config.tableName);
    }
}
