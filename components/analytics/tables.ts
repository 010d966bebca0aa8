/**
 * The analytics catalog as plain data: the tables the queries read (the Glue tables in AWS, DuckDB views over the
 * same files locally), the views both engines create from analytics/views/*.sql, and the query files. No Pulumi
 * import: the component and the local DuckDB runner both build from this.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LEDGER_COLUMNS } from "../../functions/hub-ledger/ledgerRecord";
import { SUMMARY_HEADER } from "../../functions/license-usage-report/reportFiles";

export const ANALYTICS_DIR = path.join(__dirname, "..", "..", "analytics");
export const QUERIES_DIR = path.join(ANALYTICS_DIR, "queries");
export const VIEWS_DIR = path.join(ANALYTICS_DIR, "views");

export type ColumnType = "string" | "int" | "double";
export interface Column {
    name: string;
    type: ColumnType;
}

/** The seat ledger (JSON lines, gzip), partitioned by `dt` (recorded day). */
export const SEAT_LEDGER_TABLE = { name: "seat_ledger", columns: LEDGER_COLUMNS as readonly Column[], partitionKeys: [{ name: "dt", type: "string" }] as Column[] };

/** The tracker's summary CSVs (hive layout): every column text, as written; queries cast. */
export const USAGE_SUMMARY_TABLE = {
    name: "license_usage_summary",
    columns: SUMMARY_HEADER.map((name) => ({ name, type: "string" as const })),
    partitionKeys: [
        { name: "year", type: "int" },
        { name: "month", type: "int" },
        { name: "day", type: "int" },
    ] as Column[],
};

/** Workbench account -> cost centre (CSV with a header: account,cost_centre), kept by the analytics component. */
export const COST_CENTRE_TABLE = {
    name: "account_cost_centres",
    columns: [
        { name: "account", type: "string" },
        { name: "cost_centre", type: "string" },
    ] as Column[],
    /** Key of the mapping in the ledger bucket. */
    key: "cost-centres/accounts.csv",
};

/** Views, in dependency order: seat_sessions reads seat_events. */
export const VIEW_NAMES = ["seat_events", "seat_sessions"] as const;

/** The views' output columns in Athena (Presto) types, which a Glue view must declare. */
export const VIEW_COLUMNS: Record<(typeof VIEW_NAMES)[number], Array<{ name: string; type: string }>> = {
    seat_events: [
        ...["record_id", "kind", "product", "user_id", "account", "region", "instance_ref", "workbench_type"].map((name) => ({ name, type: "varchar" })),
        { name: "event_at", type: "timestamp(3)" },
        { name: "recorded_at", type: "timestamp(3)" },
        { name: "reason", type: "varchar" },
        { name: "seats_owned", type: "integer" },
        { name: "annual_cost_per_seat", type: "double" },
    ],
    seat_sessions: [
        ...["product", "user_id", "account", "instance_ref", "workbench_type"].map((name) => ({ name, type: "varchar" })),
        { name: "start_at", type: "timestamp(3)" },
        { name: "end_at", type: "timestamp(3)" },
        { name: "still_held", type: "boolean" },
    ],
};

export interface SqlFile {
    /** File name without `.sql`, e.g. `concurrent_seats`. */
    name: string;
    /** First comment block: what the query answers. */
    description: string;
    sql: string;
}

function readSqlFiles(dir: string): SqlFile[] {
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".sql"))
        .sort()
        .map((file) => {
            const sql = fs.readFileSync(path.join(dir, file), "utf8").trim();
            const description = sql
                .split("\n")
                .filter((line) => line.startsWith("--"))
                .map((line) => line.replace(/^--\s?/, ""))
                .join(" ")
                .trim();
            return { name: file.replace(/\.sql$/, ""), description, sql };
        });
}

/** Every named query, from analytics/queries/*.sql (the same text runs on Athena and on DuckDB). */
export function analyticsQueries(): SqlFile[] {
    return readSqlFiles(QUERIES_DIR);
}

/** The views, in dependency order. */
export function analyticsViews(): SqlFile[] {
    const files = new Map(readSqlFiles(VIEWS_DIR).map((f) => [f.name, f]));
    return VIEW_NAMES.map((name) => {
        const file = files.get(name);
        if (!file) throw new Error(`analytics/views/${name}.sql is missing`);
        return file;
    });
}
