/**
 * What the hub holds, read from outside for the sandbox's output: the seat rows in its table and its change-marker
 * version. Names come from the deployed sync function's environment, read with the sync's own parser.
 */
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { syncConfig, SyncConfig } from "../../functions/hub-shared/config";
import { deployedHubConfiguration } from "../world/deployedHubConfiguration";
import type { DynamoDBRecord } from "aws-lambda";
import { parseSeatRowKey } from "../../functions/hub-shared/tableKeys";
import { tableSnapshot } from "../aws/dynamoStreams";
import { LOCAL_CLIENT_CONFIG } from "../aws/awsJsonServer";
import type { LocalDeployment, LocalFunction, LocalParameter, LocalTable } from "../world/deployment";
import type { SeatRow } from "../runtime/events";
import type { SandboxServices } from "../runtime/services";

export class HubView {
    readonly sync: LocalFunction;
    readonly config: SyncConfig;
    private readonly table: LocalTable;
    private readonly markerParameter: LocalParameter;
    /** product/user -> the change-marker version written for the seat row's creation. */
    private readonly insertedAt = new Map<string, number>();

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
        const marker = deployment.parameters.find((p) => p.accountId === this.sync.accountId && p.name === this.config.markerParameterName);
        if (!marker) throw new Error(`the hub's change-marker parameter ${this.config.markerParameterName} is not part of the deployment`);
        this.markerParameter = marker;
    }

    /**
     * Deletes the change-marker parameter and creates it again as the stack declares it, through the SSM API, as a
     * rename or a redeploy does: its versions restart at 1. Returns the new version.
     */
    async recreateMarkerParameter(): Promise<number> {
        const ssm = new SSMClient({ ...LOCAL_CLIENT_CONFIG, endpoint: this.services.accounts.get(this.sync.accountId)!.ssm.endpoint });
        try {
            const { name, value, type } = this.markerParameter;
            await ssm.send(new DeleteParameterCommand({ Name: name }));
            try {
                const { Version } = await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: type as "String" }));
                return Version ?? 0;
            } catch (err) {
                // The change marker wrote it first (it overwrites): recreated all the same, its versions restarted.
                if ((err as { name?: string }).name !== "ParameterAlreadyExists") throw err;
                const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
                return Parameter?.Version ?? 0;
            }
        } finally {
            ssm.destroy();
        }
    }

    /** Version of the change-marker parameter in the hub account's SSM. */
    markerVersion(): number | undefined {
        return this.services.accounts.get(this.sync.accountId)?.ssm.parameters.get(this.config.markerParameterName)?.version;
    }

    /**
     * Notes the marker version a batch of seat-row changes was marked with. A sync that read version V saw every row
     * created at or before V, so rows created later are not "denied" yet, only not synced yet.
     */
    recordMarkedChanges(records: DynamoDBRecord[], version: number | undefined): void {
        for (const record of records) {
            const seat = parseSeatRowKey(record.dynamodb?.Keys?.pk?.S, record.dynamodb?.Keys?.sk?.S);
            if (!seat) continue;
            const key = `${seat.product}/${seat.userId}`;
            if (record.eventName === "INSERT" && version !== undefined) this.insertedAt.set(key, version);
            if (record.eventName === "REMOVE") this.insertedAt.delete(key);
        }
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
     * Seats per product after a sync that read marker version `syncedVersion`: who the license server lists, the seats
     * owned, who has a seat row the sync saw but did not list (denied: no seat left), and rows newer than the sync.
     */
    async seatRows(lists: Record<string, string[]>, syncedVersion = Number.POSITIVE_INFINITY): Promise<SeatRow[]> {
        const holders = await this.seatHolders();
        return Object.keys(this.config.products)
            .sort()
            .map((product) => {
                const holding = lists[product] ?? [];
                const unlisted = (holders[product] ?? []).filter((u) => !holding.includes(u));
                const seen = (user: string) => (this.insertedAt.get(`${product}/${user}`) ?? Number.POSITIVE_INFINITY) <= syncedVersion;
                return {
                    product,
                    holding,
                    seats: this.config.products[product].seats,
                    denied: unlisted.filter(seen),
                    pending: unlisted.filter((u) => !seen(u)),
                };
            });
    }
}
