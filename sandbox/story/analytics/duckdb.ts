/**
 * The analytics queries on DuckDB, over ledger and report files on disk: the same analytics/*.sql text Athena runs.
 * The one place the two dialects meet is TRINO_COMPATIBILITY below: DuckDB macros named after the Trino functions
 * the queries use. Tables are views over the files, with the Glue tables' names and columns.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { COST_CENTRE_TABLE, Column, SEAT_LEDGER_TABLE, USAGE_SUMMARY_TABLE, analyticsQueries, analyticsViews } from "../../../components/analytics/tables";
import { LEDGER_PREFIX } from "../../../functions/hub-ledger/ledgerRecord";

/**
 * Trino (Athena engine 3) functions the queries use that DuckDB lacks or names differently. Session in UTC, as
 * Athena. `approx_percentile` becomes the exact nearest-rank percentile (Athena's is approximate, within about 1%).
 */
export const TRINO_COMPATIBILITY = [
    "SET TimeZone = 'UTC'",
    "CREATE MACRO from_iso8601_timestamp(text) AS CAST(text AS TIMESTAMPTZ)",
    "CREATE MACRO approx_percentile(value, fraction) AS quantile_disc(value, fraction)",
    "CREATE MACRO sequence(first, last, step) AS generate_series(first, last, step)",
];

export interface LocalAnalyticsFiles {
    /** Folder holding the ledger bucket's objects by key (`seat-ledger/dt=.../*.json.gz`, `cost-centres/accounts.csv`). */
    ledgerRoot: string;
    /** Folder holding the tracker's hive-layout reports (`summary/year=.../*.csv`); absent: an empty table. */
    reportRoot?: string;
}

export type Row = Record<string, string | number | boolean | null>;

export class LocalAnalytics {
    private constructor(private readonly connection: DuckDBConnection) {}

    static async open(files: LocalAnalyticsFiles): Promise<LocalAnalytics> {
        const instance = await DuckDBInstance.create(":memory:");
        const analytics = new LocalAnalytics(await instance.connect());
        for (const statement of TRINO_COMPATIBILITY) await analytics.connection.run(statement);
        await analytics.defineTables(files);
        for (const view of analyticsViews()) await analytics.connection.run(`CREATE VIEW ${view.name} AS ${view.sql}`);
        return analytics;
    }

    /** Runs one SQL text; values as JSON-friendly scalars (see `normalise`). */
    async query(sql: string): Promise<Row[]> {
        const reader = await this.connection.runAndReadAll(sql);
        return reader.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, normalise(v)])));
    }

    /** Runs every analytics/queries/*.sql file, by name. */
    async runAll(): Promise<Record<string, Row[]>> {
        const results: Record<string, Row[]> = {};
        for (const query of analyticsQueries()) results[query.name] = await this.query(query.sql);
        return results;
    }

    close(): void {
        this.connection.closeSync();
    }

    private async defineTables(files: LocalAnalyticsFiles): Promise<void> {
        const ledgerGlob = path.join(files.ledgerRoot, LEDGER_PREFIX, "dt=*", "*.json.gz");
        await this.fileView(SEAT_LEDGER_TABLE.name, [...SEAT_LEDGER_TABLE.columns, ...SEAT_LEDGER_TABLE.partitionKeys], ledgerGlob, (glob) =>
            `SELECT ${[...SEAT_LEDGER_TABLE.columns, ...SEAT_LEDGER_TABLE.partitionKeys].map((c) => c.name).join(", ")} FROM read_json(${literal(glob)}, format = 'newline_delimited', hive_partitioning = true, hive_types_autocast = false, columns = ${columnStruct(SEAT_LEDGER_TABLE.columns)})`,
        );
        const summaryGlob = files.reportRoot ? path.join(files.reportRoot, "summary", "**", "*.csv") : undefined;
        await this.fileView(USAGE_SUMMARY_TABLE.name, [...USAGE_SUMMARY_TABLE.columns, ...USAGE_SUMMARY_TABLE.partitionKeys], summaryGlob, (glob) =>
            `SELECT ${USAGE_SUMMARY_TABLE.columns.map((c) => c.name).join(", ")}, CAST(year AS INTEGER) AS year, CAST(month AS INTEGER) AS month, CAST(day AS INTEGER) AS day FROM read_csv(${literal(glob)}, header = true, all_varchar = true, hive_partitioning = true)`,
        );
        const costCentres = path.join(files.ledgerRoot, COST_CENTRE_TABLE.key);
        await this.fileView(COST_CENTRE_TABLE.name, COST_CENTRE_TABLE.columns, fs.existsSync(costCentres) ? costCentres : undefined, (file) =>
            `SELECT account, cost_centre FROM read_csv(${literal(file)}, header = true, all_varchar = true)`,
        );
    }

    /** A view over the files a glob matches, or an empty one with the same columns when none exist (yet). */
    private async fileView(name: string, columns: readonly Column[], glob: string | undefined, select: (glob: string) => string): Promise<void> {
        const matches = glob !== undefined && (await this.query(`SELECT count(*) AS files FROM glob(${literal(glob)})`))[0].files !== 0;
        const body = matches ? select(glob!) : `SELECT ${columns.map((c) => `CAST(NULL AS ${sqlType(c.type)}) AS ${c.name}`).join(", ")} WHERE false`;
        await this.connection.run(`CREATE VIEW ${name} AS ${body}`);
    }
}

function sqlType(type: Column["type"]): string {
    return type === "int" ? "INTEGER" : type === "double" ? "DOUBLE" : "VARCHAR";
}

function columnStruct(columns: readonly Column[]): string {
    return `{${columns.map((c) => `${c.name}: '${sqlType(c.type)}'`).join(", ")}}`;
}

function literal(text: string): string {
    return `'${text.replace(/'/g, "''")}'`;
}

/** JS values made JSON-friendly: BIGINT and DECIMAL as numbers, timestamps as ISO 8601 UTC strings. */
function normalise(value: unknown): string | number | boolean | null {
    if (value === null || value === undefined) return null;
    if (typeof value === "bigint") return Number(value);
    if (value instanceof Date) return value.toISOString();
    if (typeof value === "number" || typeof value === "boolean" || typeof value === "string") return value;
    return String(value);
}
