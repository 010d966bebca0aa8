import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LicenseAnalytics, LicenseAnalyticsArgs } from "../../components/analytics/licenseAnalytics";
import { LicenseAuditTrail } from "../../components/analytics/auditTrail";
import { SeatLedger } from "../../components/hub/seatLedger";
import { analyticsQueries, analyticsViews } from "../../components/analytics/tables";
import { governanceDashboardBody, hubDashboardBody } from "../../components/analytics/dashboards";
import { RecordedResource, allowStatements, named, ofType, runUnderMocks } from "../support/pulumiMocks";
import { runExampleStack } from "../stacks/exampleStacks";

const TABLE_ARN = "arn:aws:dynamodb:eu-central-1:111111111111:table/hub-seats";

async function analytics(args: Partial<LicenseAnalyticsArgs> = {}): Promise<RecordedResource[]> {
    return (await runUnderMocks(() => new LicenseAnalytics("license-usage", { ledgerBucketName: "ledger-bucket", usageReports: { bucketName: "reports-bucket" }, ...args }))).resources;
}

describe("LicenseAnalytics (Pulumi mocks)", () => {
    let resources: RecordedResource[];
    before(async () => {
        resources = await analytics({ accountCostCentres: { "222222222222": "CC-7", "111111111111": "CC-1" } });
    });

    it("describes the ledger with date partition projection (no crawler) over its dt= folders", () => {
        const ledger = named(resources, "aws:glue/catalogTable:CatalogTable", "license-usage-seat_ledger").inputs;
        expect(ledger.parameters).to.include({
            "projection.enabled": "true",
            "projection.dt.type": "date",
            "projection.dt.format": "yyyy-MM-dd",
            "projection.dt.range": "2026-01-01,NOW",
            "storage.location.template": "s3://ledger-bucket/seat-ledger/dt=${dt}/",
        });
        expect(ledger.storageDescriptor.serDeInfo.serializationLibrary).to.equal("org.openx.data.jsonserde.JsonSerDe");
        expect(ledger.partitionKeys).to.deep.equal([{ name: "dt", type: "string" }]);
        expect(ofType(resources, "aws:glue/crawler:Crawler")).to.have.length(0);
    });

    it("describes the tracker's hive summaries with projected year, month and day", () => {
        const summary = named(resources, "aws:glue/catalogTable:CatalogTable", "license-usage-license_usage_summary").inputs;
        expect(summary.parameters["storage.location.template"]).to.equal("s3://reports-bucket/license-usage/summary/year=${year}/month=${month}/day=${day}/");
        expect(summary.parameters).to.include({ "projection.month.type": "integer", "projection.month.digits": "2", "skip.header.line.count": "1" });
        expect(summary.storageDescriptor.serDeInfo.serializationLibrary).to.equal("org.apache.hadoop.hive.serde2.OpenCSVSerde");
    });

    it("keeps the views as Athena views holding the very SQL of analytics/views/*.sql", () => {
        for (const view of analyticsViews()) {
            const table = named(resources, "aws:glue/catalogTable:CatalogTable", `license-usage-${view.name}`).inputs;
            expect(table.tableType).to.equal("VIRTUAL_VIEW");
            const encoded = /^\/\* Presto View: (.+) \*\/$/.exec(table.viewOriginalText)![1];
            const decoded = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
            expect(decoded.originalSql).to.equal(view.sql.replace(/^--.*$/gm, "").trim());
            expect(decoded.schema).to.equal("license_usage");
            expect(decoded.columns.map((c: { name: string }) => c.name)).to.deep.equal(table.storageDescriptor.columns.map((c: { name: string }) => c.name));
        }
    });

    it("enforces encrypted results and a bytes-scanned limit in its Athena workgroup", () => {
        const workgroup = named(resources, "aws:athena/workgroup:Workgroup", "license-usage-queries").inputs;
        expect(workgroup.configuration.enforceWorkgroupConfiguration).to.equal(true);
        expect(workgroup.configuration.bytesScannedCutoffPerQuery).to.equal(10 * 1024 ** 3);
        expect(workgroup.configuration.resultConfiguration.encryptionConfiguration).to.deep.equal({ encryptionOption: "SSE_S3" });
        const lifecycle = named(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "license-usage-query-results-lifecycle").inputs;
        expect(lifecycle.rules[0].expiration).to.deep.equal({ days: 30 });
    });

    it("creates one named query per analytics/queries/*.sql file, with its text unchanged", () => {
        const queries = ofType(resources, "aws:athena/namedQuery:NamedQuery");
        expect(queries.map((q) => q.inputs.name).sort()).to.deep.equal(analyticsQueries().map((q) => q.name));
        for (const q of analyticsQueries()) {
            expect(queries.find((r) => r.inputs.name === q.name)!.inputs.query).to.equal(q.sql);
        }
    });

    it("keeps the cost centres as a CSV the account_cost_centres table reads", () => {
        const object = named(resources, "aws:s3/bucketObjectv2:BucketObjectv2", "license-usage-cost-centres").inputs;
        expect(object).to.include({ bucket: "ledger-bucket", key: "cost-centres/accounts.csv" });
        expect(object.content).to.equal("account,cost_centre\n111111111111,CC-1\n222222222222,CC-7\n");
    });

    it("refuses bad settings with the field's name", async () => {
        const attempt = (args: Partial<LicenseAnalyticsArgs>) => analytics(args).then(() => "accepted", (err: Error) => err.message);
        expect(await attempt({ bytesScannedCutoffPerQuery: 1000 })).to.match(/license-usage: bytesScannedCutoffPerQuery: must be a whole number of bytes, at least 10485760/);
        expect(await attempt({ accountCostCentres: { "12": "x" } })).to.match(/accountCostCentres: key "12" is not a 12-digit account id/);
        expect(await attempt({ accountCostCentres: { "111111111111": "a,b" } })).to.match(/accountCostCentres.111111111111: must be 1-128 characters/);
        expect(await attempt({ queryResultRetentionDays: pulumi.output(0) })).to.match(/queryResultRetentionDays: must be a positive integer \(got 0\)/);
        expect(await attempt({ firstLedgerDay: "1.1.2026" })).to.match(/firstLedgerDay: must be a date YYYY-MM-DD/);
        expect(await attempt({ usageReports: { bucketName: "b", reportPrefix: "no-slash" } })).to.match(/usageReports.reportPrefix/);
    });
});

describe("SeatLedger (Pulumi mocks)", () => {
    let resources: RecordedResource[];
    before(async () => {
        resources = (
            await runUnderMocks(() => {
                const table = new aws.dynamodb.Table("seats", { hashKey: "pk", rangeKey: "sk", attributes: [{ name: "pk", type: "S" }, { name: "sk", type: "S" }], streamEnabled: true, streamViewType: "NEW_AND_OLD_IMAGES" });
                return new SeatLedger("seat-ledger", {
                    table,
                    configurationBucketName: "hub-user-lists",
                    configurationObjectKey: `configuration/hub-${"0".repeat(64)}.json`,
                    alarmActions: ["arn:aws:sns:eu-central-1:111111111111:ops"],
                });
            })
        ).resources;
    });

    it("keeps the records in an encrypted, versioned, private bucket with a retention rule on the ledger prefix", () => {
        expect(named(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "seat-ledger-records-encryption")).to.exist;
        expect(named(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "seat-ledger-records-public-access").inputs).to.include({ blockPublicPolicy: true, restrictPublicBuckets: true });
        const rule = named(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "seat-ledger-records-lifecycle").inputs.rules[0];
        expect(rule.filter).to.deep.equal({ prefix: "seat-ledger/" });
        expect(rule.expiration).to.deep.equal({ days: 2557 });
    });

    it("lets the writer append to the ledger only, and read only seat and instance items", () => {
        const statements = allowStatements(resources.filter((r) => r.name.startsWith("seat-ledger")));
        const append = statements.find((s) => s.Sid === "AppendLedger")!;
        expect(append.Action).to.deep.equal(["s3:PutObject"]);
        expect(append.Resource[0]).to.match(/\/seat-ledger\/\*$/);
        // The seat limits come from the hub's configuration object: that object only, read-only.
        const configuration = statements.find((s) => s.Sid === "ReadHubConfiguration")!;
        expect(configuration.Action).to.deep.equal(["s3:GetObject"]);
        expect(configuration.Resource).to.deep.equal([`arn:aws:s3:::hub-user-lists/configuration/hub-${"0".repeat(64)}.json`]);
        const read = statements.find((s) => s.Sid === "ReadSeatsAndWorkbenches")!;
        expect(read.Action).to.deep.equal(["dynamodb:GetItem", "dynamodb:Query"]);
        expect(read.Condition).to.deep.equal({ "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["INSTANCE#*", "SEAT#*"] } });
    });

    it("consumes seat changes from the stream with failures kept and alarmed to the given actions", () => {
        const mapping = named(resources, "aws:lambda/eventSourceMapping:EventSourceMapping", "seat-ledger-seat-changes").inputs;
        expect(mapping.bisectBatchOnFunctionError).to.equal(true);
        expect(mapping.destinationConfig.onFailure.destinationArn).to.be.a("string");
        for (const alarm of ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm")) {
            expect(alarm.inputs.alarmActions, alarm.name).to.deep.equal(["arn:aws:sns:eu-central-1:111111111111:ops"]);
        }
    });
});

describe("LicenseAuditTrail (Pulumi mocks)", () => {
    let resources: RecordedResource[];
    before(async () => {
        resources = (await runUnderMocks(() => new LicenseAuditTrail("audit", { seatTableArn: TABLE_ARN, retentionDays: 400 }))).resources;
    });

    it("records the seat table's data events and the write management events, with log file validation", () => {
        const trail = named(resources, "aws:cloudtrail/trail:Trail", "audit-trail").inputs;
        expect(trail.enableLogFileValidation).to.equal(true);
        expect(trail.advancedEventSelectors[0].fieldSelectors).to.deep.include({ field: "resources.ARN", equals: [TABLE_ARN] });
        expect(trail.advancedEventSelectors[1].fieldSelectors).to.deep.equal([
            { field: "eventCategory", equals: ["Management"] },
            { field: "readOnly", equals: ["false"] },
        ]);
    });

    it("records IAM and STS changes (to the hub's roles among them) from the stack's Region: multi-Region with global service events", () => {
        // Global service events are delivered in us-east-1 only; a single-Region trail in eu-central-1 would get none.
        const trail = named(resources, "aws:cloudtrail/trail:Trail", "audit-trail").inputs;
        expect({ includeGlobalServiceEvents: trail.includeGlobalServiceEvents, isMultiRegionTrail: trail.isMultiRegionTrail }).to.deep.equal({
            includeGlobalServiceEvents: true,
            isMultiRegionTrail: true,
        });
    });

    it("keeps a deleted or overwritten log file (a noncurrent version) as long as the retention says", () => {
        const rule = named(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "audit-logs").inputs.rules[0];
        expect(rule.noncurrentVersionExpiration).to.deep.equal({ noncurrentDays: 400 });
        expect(rule.expiration).to.deep.equal({ days: 400 });
    });

    it("writes to an encrypted, versioned, private bucket that only this trail may write to, kept for the retention", () => {
        expect(named(resources, "aws:s3/bucketVersioning:BucketVersioning", "audit-logs").inputs.versioningConfiguration).to.deep.equal({ status: "Enabled" });
        expect(named(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "audit-logs")).to.exist;
        expect(named(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "audit-logs").inputs.rules[0].expiration).to.deep.equal({ days: 400 });
        const policy = JSON.parse(named(resources, "aws:s3/bucketPolicy:BucketPolicy", "audit-logs").inputs.policy);
        const write = policy.Statement.find((s: { Sid: string }) => s.Sid === "CloudTrailWrite");
        expect(write.Condition.StringEquals["aws:SourceArn"]).to.equal("arn:aws:cloudtrail:eu-central-1:111111111111:trail/audit-license-server");
        expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).to.include("DenyInsecureTransport");
    });
});

describe("license-server stack: the audit trail setting", () => {
    it("creates no trail of its own while the organisation's trail records the account (the default), one when told otherwise", async () => {
        const withOrgTrail = await runExampleStack("license-server", { "license-ops:organizationTrail": "true" });
        expect(ofType(withOrgTrail.resources, "aws:cloudtrail/trail:Trail")).to.have.length(0);
        const own = await runExampleStack("license-server", { "license-ops:organizationTrail": "false" });
        expect(ofType(own.resources, "aws:cloudtrail/trail:Trail")).to.have.length(1);
    });
});

describe("license-server and governance stacks: analytics settings", () => {
    it("names every bad analytics or audit setting as written, all at once, before anything is declared", async () => {
        const error = await runExampleStack("license-server", {
            "license-ops:usageReportBucketName": "Reports_Bucket",
            "license-ops:usageReportPrefix": "usage",
            "license-ops:accountCostCentres": JSON.stringify({ "1234": "CC-1", "111111111111": "a,b" }),
            "license-ops:athenaBytesScannedCutoff": "1000",
            "license-ops:auditRetentionDays": "0",
        }).catch((e) => e);
        expect(String(error)).to.contain("Stack settings have 6 problems:");
        for (const line of [
            'usageReportBucketName: "Reports_Bucket" is not an S3 bucket name',
            'usageReportPrefix: must be empty or folders ending in "/" (got "usage")',
            'accountCostCentres: key "1234" is not a 12-digit account id',
            'accountCostCentres.111111111111: must be 1-128 characters without commas, quotes or line breaks (got "a,b")',
            "athenaBytesScannedCutoff: must be a whole number of bytes, at least 10485760 (10 MiB, Athena's minimum); got 1000",
            "auditRetentionDays: must be a positive whole number of days (got 0)",
        ]) {
            expect(String(error)).to.contain(`\n  - ${line}`);
        }
    });

    it("refuses a usage report layout the tracker does not write, naming the setting", async () => {
        const error = await runExampleStack("governance", { "license-ops:usageReportLayout": "hivee" }).catch((e) => e);
        expect(String(error)).to.contain('Stack setting usageReportLayout: "hivee" is not one of dated, hive');
    });
});

describe("dashboards", () => {
    it("hub: a seats widget per product with its seat limit, latency, sync outcomes, refusals and every queue", () => {
        const body = JSON.parse(
            hubDashboardBody({ region: "eu-central-1", hubName: "hub", products: [{ name: "matlab", seats: 50 }, { name: "ansys" }], queues: [{ name: "hub-undelivered", holds: "undelivered" }] }),
        );
        const titles = body.widgets.map((w: any) => w.properties.title).filter(Boolean);
        expect(titles).to.deep.equal([
            "Seats: matlab (50 owned)",
            "Seats: ansys (no seat limit)",
            "Event -> license server latency (s)",
            "Sync outcomes",
            "Workbench events: applied, refused, rejected",
            "Inventory snapshots (lost events repaired)",
            "Silent workbench account-regions",
            "Refused by the sync and the license servers",
            "Change marker",
            "Seat events for people",
            "Dead-letter and failure queues (messages waiting)",
        ]);
        const refusedBySync = body.widgets.find((w: any) => w.properties.title === "Refused by the sync and the license servers").properties.metrics;
        expect(refusedBySync.filter((m: any[]) => m[4] === "Product").map((m: any[]) => `${m[1]}/${m[5]}`)).to.deep.equal([
            "InvalidSeatRows/matlab",
            "GenerationsSuperseded/matlab",
            "InvalidSeatRows/ansys",
            "GenerationsSuperseded/ansys",
        ]);
        const matlab = body.widgets.find((w: any) => w.properties.title === "Seats: matlab (50 owned)");
        expect(matlab.properties.annotations.horizontal[0].value).to.equal(50);
        expect(matlab.properties.metrics[0].slice(0, 6)).to.deep.equal(["LicenseOps", "UsersAssigned", "service", "hub-sync", "Product", "matlab"]);
        expect(body.widgets.find((w: any) => w.properties.title === "Seats: ansys (no seat limit)").properties.annotations).to.equal(undefined);
        expect(body.widgets.at(-1).properties.metrics[0].slice(0, 4)).to.deep.equal(["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "hub-undelivered"]);
    });

    it("hub: the seat ledger's records from its writer's service, when the hub has a ledger", () => {
        const spec = { region: "eu-central-1", hubName: "hub", products: [{ name: "matlab" }], queues: [] };
        const widget = (body: string) => JSON.parse(body).widgets.find((w: any) => w.properties.title === "Seat ledger records");
        expect(widget(hubDashboardBody(spec))).to.equal(undefined);
        const ledger = widget(hubDashboardBody({ ...spec, ledgerService: "seat-ledger-writer" }));
        expect(ledger.properties.metrics.map((m: any[]) => `${m[1]}/${m[3]}`)).to.deep.equal([
            "LedgerGrants/seat-ledger-writer",
            "LedgerReleases/seat-ledger-writer",
            "LedgerDenials/seat-ledger-writer",
            "LedgerRecordsSkipped/seat-ledger-writer",
        ]);
    });

    it("governance: utilisation per configuration against the alert threshold, and the tracker's runs", () => {
        const arn = "arn:aws:license-manager:eu-central-1:111111111111:license-configuration:lic-0123456789abcdef0123456789abcdef";
        const body = JSON.parse(governanceDashboardBody({ region: "eu-central-1", configurations: { matlab: arn }, thresholdPercent: 80, trackerFunctionName: "usage-report", trackerService: "license-usage-report", queues: [{ name: "usage-undelivered", holds: "undelivered runs" }] }));
        const utilisation = body.widgets.find((w: any) => w.properties.title === "Utilisation: matlab (%)");
        expect(utilisation.properties.annotations.horizontal[0].value).to.equal(80);
        expect(utilisation.properties.metrics[0][0].expression).to.include(`LicenseConfigurationArn = '${arn}'`);
        expect(body.widgets.at(-1).properties.metrics.map((m: any[]) => m[3])).to.deep.equal(["usage-undelivered"]);
        const runs = body.widgets.find((w: any) => w.properties.title === "Usage tracker runs");
        expect(runs.properties.metrics.map((m: any[]) => m[1])).to.deep.equal(["Invocations", "Errors", "LicenseConfigurationsReported", "LicenseConfigurationsFailed"]);
    });
});
