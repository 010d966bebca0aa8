import { assertArguments } from "../shared/argumentChecks";
import { knownKeys } from "../shared/configKeys";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { componentType } from "../shared/componentType";
import { reportBucket } from "../tracking/reportBucket";
import { whenKnown } from "../shared/validation";
import { COST_CENTRE_TABLE, Column, SEAT_LEDGER_TABLE, USAGE_SUMMARY_TABLE, VIEW_COLUMNS, analyticsQueries, analyticsViews } from "./tables";
import { LEDGER_PARTITION_KEY, LEDGER_PREFIX } from "../../functions/hub-ledger/ledgerRecord";

/** Where a MultiRegionLicenseTracker writes its usage reports, for the analytics tables over them. */
export interface UsageReportLocation {
    /** Bucket of a MultiRegionLicenseTracker with `layout: "hive"` (its `bucketName`). Required. */
    bucketName: pulumi.Input<string>;
    /** The tracker's `reportPrefix`. Default `license-usage/` (the tracker's default). */
    reportPrefix?: pulumi.Input<string>;
}

export interface LicenseAnalyticsArgs {
    /** Bucket of the SeatLedger (`SeatLedger.bucketName`). Required. */
    ledgerBucketName: pulumi.Input<string>;
    /** The tracker's reports, for License Manager utilisation. Default: no usage table (its query then has nothing to read). */
    usageReports?: UsageReportLocation;
    /** Workbench account id -> cost centre, for seat-hours per cost centre. Default: none (every account `unassigned`). */
    accountCostCentres?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Most bytes one Athena query may scan before Athena cancels it. Default 10 GiB. */
    bytesScannedCutoffPerQuery?: pulumi.Input<number>;
    /** Days Athena query results are kept. Default 30. */
    queryResultRetentionDays?: pulumi.Input<number>;
    /** First day partition projection enumerates (YYYY-MM-DD). Default `2026-01-01`. */
    firstLedgerDay?: pulumi.Input<string>;
}

const DEFAULTS = { bytesScannedCutoffPerQuery: 10 * 1024 ** 3, queryResultRetentionDays: 30, firstLedgerDay: "2026-01-01", reportPrefix: "license-usage/" };
const MIN_BYTES_SCANNED_CUTOFF = 10 * 1024 ** 2; // Athena's minimum

/** Problems of a bytes-scanned limit, each naming `path`. */
export function bytesScannedCutoffProblems(bytes: unknown, path: string): string[] {
    return Number.isInteger(bytes) && (bytes as number) >= MIN_BYTES_SCANNED_CUTOFF
        ? []
        : [`${path}: must be a whole number of bytes, at least ${MIN_BYTES_SCANNED_CUTOFF} (10 MiB, Athena's minimum); got ${JSON.stringify(bytes)}`];
}

/** Problems of an account -> cost centre map (written as a CSV Athena reads), each naming `path` and the account. */
export function accountCostCentresProblems(map: unknown, path: string): string[] {
    if (typeof map !== "object" || map === null || Array.isArray(map)) return [`${path}: must map 12-digit account ids to cost centres`];
    return Object.entries(map).flatMap(([account, centre]) => [
        ...(/^\d{12}$/.test(account) ? [] : [`${path}: key ${JSON.stringify(account)} is not a 12-digit account id`]),
        ...(typeof centre === "string" && /^[^,"\r\n]{1,128}$/.test(centre) ? [] : [`${path}.${account}: must be 1-128 characters without commas, quotes or line breaks (got ${JSON.stringify(centre)})`]),
    ]);
}

/** Problems of a tracker report prefix as the Glue table locations need it. */
export function reportPrefixProblems(prefix: unknown, path: string): string[] {
    return typeof prefix === "string" && (prefix === "" || /^([A-Za-z0-9._-]+\/)+$/.test(prefix)) ? [] : [`${path}: must be empty or folders ending in "/" (got ${JSON.stringify(prefix)})`];
}

/** Every argument of LicenseAnalyticsArgs (checked both ways at compile time): anything else is refused by name. */
const LICENSE_ANALYTICS_ARGUMENTS = knownKeys<LicenseAnalyticsArgs>()("ledgerBucketName", "usageReports", "accountCostCentres", "bytesScannedCutoffPerQuery", "queryResultRetentionDays", "firstLedgerDay");

/**
 * Licence usage analytics at scale: a Glue database with tables over the seat ledger and the tracker's hive reports
 * (partition projection, so no crawler and no partition maintenance), the views the queries share, an Athena
 * workgroup that enforces encrypted results and a bytes-scanned limit, and one named query per analytics/queries/*.sql
 * file: the very text the local sandbox runs on DuckDB.
 */
export class LicenseAnalytics extends pulumi.ComponentResource {
    /** The Glue database of the tables and views. */
    public readonly database: aws.glue.CatalogDatabase;
    /** The Athena workgroup the named queries run in (encrypted results, bytes-scanned limit). */
    public readonly workgroup: aws.athena.Workgroup;
    /** Where the workgroup writes query results (expire after `queryResultRetentionDays`). */
    public readonly resultsBucket: aws.s3.Bucket;
    /** One named query per analytics/queries/*.sql file. */
    public readonly namedQueries: aws.athena.NamedQuery[];
    /** Name of the Glue database (the `database` of every query). */
    public readonly databaseName: pulumi.Output<string>;
    /** Name of the Athena workgroup. */
    public readonly workgroupName: pulumi.Output<string>;

    constructor(name: string, args: LicenseAnalyticsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("LicenseAnalytics"), name, {}, opts);
        assertArguments(name, args, LICENSE_ANALYTICS_ARGUMENTS, this);
        const fail = (problem: string) => {
            throw new pulumi.ResourceError(`${name}: ${problem}`, this);
        };
        const check = (problems: string[]) => problems.length > 0 && fail(problems.join("; "));
        if (!args.ledgerBucketName) fail("ledgerBucketName: is required (the SeatLedger's bucketName).");
        const retention = whenKnown(args.queryResultRetentionDays ?? DEFAULTS.queryResultRetentionDays, (days) => {
            if (!Number.isInteger(days) || days < 1) fail(`queryResultRetentionDays: must be a positive integer (got ${days}).`);
        });
        const cutoff = whenKnown(args.bytesScannedCutoffPerQuery ?? DEFAULTS.bytesScannedCutoffPerQuery, (bytes) => check(bytesScannedCutoffProblems(bytes, "bytesScannedCutoffPerQuery")));
        const firstDay = whenKnown(args.firstLedgerDay ?? DEFAULTS.firstLedgerDay, (day) => {
            if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) fail(`firstLedgerDay: must be a date YYYY-MM-DD (got ${JSON.stringify(day)}).`);
        });
        const costCentres = whenKnown(args.accountCostCentres ?? {}, (map) => check(accountCostCentresProblems(map, "accountCostCentres")));
        const usage = args.usageReports;
        const reportPrefix = usage ? whenKnown(usage.reportPrefix ?? DEFAULTS.reportPrefix, (prefix) => check(reportPrefixProblems(prefix, "usageReports.reportPrefix"))) : undefined;

        this.database = new aws.glue.CatalogDatabase(`${name}-catalog`, { name: name.replace(/[^a-z0-9_]/gi, "_").toLowerCase(), description: "Seat ledger and License Manager usage reports" }, { parent: this });
        const database = this.database.name;
        const table = (tableName: string, props: Omit<aws.glue.CatalogTableArgs, "databaseName" | "name">) =>
            new aws.glue.CatalogTable(`${name}-${tableName}`, { databaseName: database, name: tableName, tableType: "EXTERNAL_TABLE", ...props }, { parent: this });

        const ledgerLocation = pulumi.interpolate`s3://${args.ledgerBucketName}/${LEDGER_PREFIX}`;
        table(SEAT_LEDGER_TABLE.name, {
            description: "Seat grants, releases and denials (immutable; deduplicate by record_id, as the seat_events view does)",
            partitionKeys: glueColumns(SEAT_LEDGER_TABLE.partitionKeys),
            parameters: {
                classification: "json",
                compressionType: "gzip",
                "projection.enabled": "true",
                [`projection.${LEDGER_PARTITION_KEY}.type`]: "date",
                [`projection.${LEDGER_PARTITION_KEY}.format`]: "yyyy-MM-dd",
                [`projection.${LEDGER_PARTITION_KEY}.range`]: pulumi.interpolate`${firstDay},NOW`,
                [`projection.${LEDGER_PARTITION_KEY}.interval`]: "1",
                [`projection.${LEDGER_PARTITION_KEY}.interval.unit`]: "DAYS",
                "storage.location.template": pulumi.interpolate`${ledgerLocation}${LEDGER_PARTITION_KEY}=\${${LEDGER_PARTITION_KEY}}/`,
            },
            storageDescriptor: {
                location: ledgerLocation,
                inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
                outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                serDeInfo: { serializationLibrary: "org.openx.data.jsonserde.JsonSerDe", parameters: { "ignore.malformed.json": "false" } },
                columns: glueColumns(SEAT_LEDGER_TABLE.columns),
            },
        });

        new aws.s3.BucketObjectv2(
            `${name}-cost-centres`,
            {
                bucket: args.ledgerBucketName,
                key: COST_CENTRE_TABLE.key,
                contentType: "text/csv",
                content: costCentres.apply((map) => `account,cost_centre\n${Object.entries(map).sort(([a], [b]) => a.localeCompare(b)).map(([a, c]) => `${a},${c}`).join("\n")}\n`),
            },
            { parent: this },
        );
        table(COST_CENTRE_TABLE.name, {
            description: "Workbench account -> cost centre (kept by the LicenseAnalytics component)",
            parameters: { classification: "csv", "skip.header.line.count": "1" },
            storageDescriptor: csvStorage(pulumi.interpolate`s3://${args.ledgerBucketName}/${COST_CENTRE_TABLE.key.slice(0, COST_CENTRE_TABLE.key.lastIndexOf("/") + 1)}`, COST_CENTRE_TABLE.columns),
        });

        if (usage && reportPrefix) {
            const summaryLocation = pulumi.interpolate`s3://${usage.bucketName}/${reportPrefix}summary/`;
            const projected = (key: string, range: string) => ({
                [`projection.${key}.type`]: "integer",
                [`projection.${key}.range`]: range,
                [`projection.${key}.digits`]: key === "year" ? "4" : "2",
            });
            table(USAGE_SUMMARY_TABLE.name, {
                description: "MultiRegionLicenseTracker summary reports (hive layout), one row per configuration and run",
                partitionKeys: glueColumns(USAGE_SUMMARY_TABLE.partitionKeys),
                parameters: {
                    classification: "csv",
                    "skip.header.line.count": "1",
                    "projection.enabled": "true",
                    ...projected("year", "2020,2100"),
                    ...projected("month", "1,12"),
                    ...projected("day", "1,31"),
                    // Each day's run folders (run=<timestamp>/) sit below the projected location and are read with it.
                    "storage.location.template": pulumi.interpolate`${summaryLocation}year=\${year}/month=\${month}/day=\${day}/`,
                },
                storageDescriptor: csvStorage(summaryLocation, USAGE_SUMMARY_TABLE.columns),
            });
        }

        // Views: Athena stores a view as a Glue table holding its SQL (base64 "Presto View" JSON) and its columns.
        let previous: aws.glue.CatalogTable | undefined;
        for (const view of analyticsViews()) {
            const columns = VIEW_COLUMNS[view.name as keyof typeof VIEW_COLUMNS];
            const viewTable: aws.glue.CatalogTable = new aws.glue.CatalogTable(
                `${name}-${view.name}`,
                {
                    databaseName: database,
                    name: view.name,
                    tableType: "VIRTUAL_VIEW",
                    description: view.description,
                    parameters: { presto_view: "true", comment: "Presto View" },
                    viewExpandedText: "/* Presto View */",
                    viewOriginalText: database.apply((schema) => prestoViewText(view.sql, schema, columns)),
                    storageDescriptor: { columns: columns.map((c) => ({ name: c.name, type: hiveType(c.type) })) },
                },
                { parent: this, dependsOn: previous ? [previous] : [] },
            );
            previous = viewTable;
        }

        const results = reportBucket(`${name}-query-results`, { expireAfterDays: retention, noncurrentVersionExpireAfterDays: 1 }, [""], name, this, "the analytics workgroup's Athena queries and the readers granted by IAM");
        this.resultsBucket = results.bucket;
        this.workgroup = new aws.athena.Workgroup(
            `${name}-queries`,
            {
                description: "Licence usage queries (results encrypted, scan limit enforced)",
                state: "ENABLED",
                forceDestroy: false,
                configuration: {
                    enforceWorkgroupConfiguration: true,
                    publishCloudwatchMetricsEnabled: true,
                    bytesScannedCutoffPerQuery: cutoff,
                    engineVersion: { selectedEngineVersion: "Athena engine version 3" },
                    resultConfiguration: {
                        outputLocation: pulumi.interpolate`s3://${results.bucket.bucket}/results/`,
                        encryptionConfiguration: { encryptionOption: "SSE_S3" },
                    },
                },
            },
            { parent: this, dependsOn: results.protections },
        );

        this.namedQueries = analyticsQueries().map(
            (query) =>
                new aws.athena.NamedQuery(
                    `${name}-${query.name}`,
                    { name: query.name, description: query.description.slice(0, 1024), database, workgroup: this.workgroup.name, query: query.sql },
                    { parent: this },
                ),
        );

        this.databaseName = database;
        this.workgroupName = this.workgroup.name;
        this.registerOutputs({ databaseName: this.databaseName, workgroupName: this.workgroupName, resultsBucketName: this.resultsBucket.bucket });
    }
}

function glueColumns(columns: readonly Column[]): Array<{ name: string; type: string }> {
    return columns.map((c) => ({ name: c.name, type: c.type }));
}

function csvStorage(location: pulumi.Input<string>, columns: readonly Column[]): aws.types.input.glue.CatalogTableStorageDescriptor {
    return {
        location,
        inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
        outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        // OpenCSVSerde: quoted fields as the tracker writes them (RFC 4180); every column is read as text.
        serDeInfo: { serializationLibrary: "org.apache.hadoop.hive.serde2.OpenCSVSerde", parameters: { separatorChar: ",", quoteChar: '"', escapeChar: "\\" } },
        columns: glueColumns(columns),
    };
}

/** The Glue column type of a view column's Presto type. */
function hiveType(prestoType: string): string {
    if (prestoType === "varchar") return "string";
    if (prestoType === "integer") return "int";
    if (prestoType.startsWith("timestamp")) return "timestamp";
    return prestoType;
}

/** What Athena writes as a view's original text: the SQL and its columns, as base64 JSON in a comment. */
export function prestoViewText(sql: string, schema: string, columns: ReadonlyArray<{ name: string; type: string }>): string {
    const body = { originalSql: sql.replace(/^--.*$/gm, "").trim(), catalog: "awsdatacatalog", schema, columns: columns.map((c) => ({ name: c.name, type: c.type })), owner: "license-ops", runAsInvoker: false };
    return `/* Presto View: ${Buffer.from(JSON.stringify(body)).toString("base64")} */`;
}
