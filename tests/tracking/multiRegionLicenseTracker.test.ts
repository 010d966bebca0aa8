import { createHash } from "node:crypto";
import { expect } from "chai";
import { errorOf } from "../support/errors";
import * as pulumi from "@pulumi/pulumi";
import { MultiRegionLicenseTracker, MultiRegionLicenseTrackerArgs, assertDeployedPartition } from "../../components/tracking/multiRegionLicenseTracker";
import { LICENSE_CONFIGURATIONS_KEY, parseLicenseConfigurationArns } from "../../components/tracking/definitions";
import { RecordedResource, allowStatements, named, ofType, runUnderMocks } from "../support/pulumiMocks";
import { configurationArn } from "./support/fixtures";

const EU = configurationArn("eu-central-1", 1);
const US = configurationArn("us-east-1", 2);
const AP = configurationArn("ap-southeast-2", 3, "aws", "222222222222");
const TRACKER = "licensing:index:MultiRegionLicenseTracker";

async function deploy(args: MultiRegionLicenseTrackerArgs, account?: { partition?: string; region?: string }): Promise<RecordedResource[]> {
    const { resources } = await runUnderMocks(() => new MultiRegionLicenseTracker("lt", args), { account });
    return resources;
}

function functionPolicy(resources: RecordedResource[], name = "lt"): Record<string, { Action: string[]; Resource: string[]; Condition?: any }> {
    const policy = JSON.parse(named(resources, "aws:iam/rolePolicy:RolePolicy", `${name}-report-policy`).inputs.policy);
    return Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
}

/** IAM's size measure: characters without whitespace, summed over every inline policy of each role (10,240 at most). */
function inlinePolicyCharacters(resources: RecordedResource[]): number[] {
    const byRole = new Map<string, number>();
    for (const policy of ofType(resources, "aws:iam/rolePolicy:RolePolicy")) {
        byRole.set(policy.inputs.role, (byRole.get(policy.inputs.role) ?? 0) + String(policy.inputs.policy).replace(/\s/g, "").length);
    }
    return [...byRole.values()];
}

const REGIONS = ["eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2", "sa-east-1"];
/** `count` ARNs spread over five regions (and `accounts` accounts). */
const manyArns = (count: number, accounts = 1) =>
    Array.from({ length: count }, (_, i) => configurationArn(REGIONS[i % REGIONS.length], i, "aws", String(111111111111 * (1 + (i % accounts))).slice(0, 12)));

describe("MultiRegionLicenseTracker (Pulumi mocks)", () => {
    let resources: RecordedResource[];

    before(async () => {
        resources = await deploy({ licenseConfigurationArns: [EU, US, AP] });
    });

    it("registers with the licensing type token and names every child after the component", () => {
        expect(named(resources, TRACKER, "lt")).to.exist;
        const children = resources.filter((r) => r.type.startsWith("aws:"));
        expect(children.length).to.be.greaterThan(12);
        for (const child of children) expect(child.name.startsWith("lt-"), child.name).to.equal(true);
    });

    it("creates a versioned, encrypted (SSE-S3), private bucket with ACLs disabled and forceDestroy off", () => {
        const bucket = named(resources, "aws:s3/bucket:Bucket", "lt-reports");
        expect(bucket.inputs.forceDestroy).to.equal(false);
        const encryption = named(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "lt-reports-encryption");
        expect(encryption.inputs.bucket).to.equal("lt-reports-id");
        expect(encryption.inputs.rules).to.deep.equal([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
        const versioning = named(resources, "aws:s3/bucketVersioning:BucketVersioning", "lt-reports-versioning");
        expect(versioning.inputs.versioningConfiguration).to.deep.equal({ status: "Enabled" });
        const block = named(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "lt-reports-public-access");
        expect(block.inputs).to.deep.include({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
        const ownership = named(resources, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "lt-reports-ownership");
        expect(ownership.inputs.rule).to.deep.equal({ objectOwnership: "BucketOwnerEnforced" });
        expect(ofType(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")).to.have.length(0);
    });

    it("denies every request to the bucket and its objects that is not TLS 1.2+", () => {
        const policy = JSON.parse(named(resources, "aws:s3/bucketPolicy:BucketPolicy", "lt-reports-policy").inputs.policy);
        const resourcesCovered = ["arn:aws:s3:::lt-reports", "arn:aws:s3:::lt-reports/*"];
        expect(policy.Statement.every((s: any) => s.Effect === "Deny" && s.Principal === "*" && s.Action === "s3:*")).to.equal(true);
        const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
        expect(bySid.DenyInsecureTransport.Resource).to.deep.equal(resourcesCovered);
        expect(bySid.DenyInsecureTransport.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": "false" } });
        expect(bySid.DenyOutdatedTls.Condition).to.deep.equal({ NumericLessThan: { "s3:TlsVersion": "1.2" } });
    });

    it("lets the function read exactly the configured ARNs and its list object, and write only under the report prefix", () => {
        const bySid = functionPolicy(resources);
        expect(bySid.ReadLicenseConfigurations).to.deep.include({
            Action: ["license-manager:GetLicenseConfiguration", "license-manager:ListUsageForLicenseConfiguration"],
            Resource: [EU, US, AP],
        });
        expect(bySid.WriteReports).to.deep.include({ Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::lt-reports/license-usage/*"] });
        expect(bySid.ReadLicenseConfigurationList).to.deep.include({
            Action: ["s3:GetObject"],
            Resource: ["arn:aws:s3:::lt-reports/_config/license-configurations.json"],
        });
        expect(Object.keys(bySid).sort()).to.deep.equal([
            "ListReceivedLicenses",
            "ReadLicenseConfigurationList",
            "ReadLicenseConfigurations",
            "ReadReceivedLicenseUsage",
            "SendFailedInvocations",
            "WriteOwnLogs",
            "WriteReports",
        ]);
        for (const statement of allowStatements(resources)) {
            for (const action of statement.Action) expect(action).not.to.contain("*");
            // Resource "*" only for the one action AWS authorises on "*" alone.
            if (statement.Resource.includes("*")) expect(statement.Action).to.deep.equal(["license-manager:ListReceivedLicenses"]);
        }
    });

    describe("received licenses (Marketplace, vendor grants)", () => {
        const environment = (deployed: RecordedResource[]) => named(deployed, "aws:lambda/function:Function", "lt-report").inputs.environment.variables;

        it("lists them in the tracked configurations' regions and the stack's own, reading usage of licenses only", () => {
            expect(environment(resources)).to.deep.include({ RECEIVED_LICENSE_REGIONS: "ap-southeast-2,eu-central-1,us-east-1", EXPIRY_WARNING_DAYS: "30" });
            expect(functionPolicy(resources).ReadReceivedLicenseUsage).to.deep.include({
                Action: ["license-manager:GetLicenseUsage"],
                Resource: ["arn:aws:license-manager::*:license:*"],
            });
        });

        it("alarms, through the component's alarm actions, when a run finds a license expiring within the window", async () => {
            const deployed = await deploy({ licenseConfigurationArns: [EU], alarmActions: ["arn:aws:sns:eu-central-1:111111111111:ops"], expiryWarningDays: 14, receivedLicenseRegions: ["us-east-1"] });
            const alarm = named(deployed, "aws:cloudwatch/metricAlarm:MetricAlarm", "lt-received-license-expiry");
            expect(alarm.inputs).to.deep.include({
                namespace: "LicenseOps",
                metricName: "ReceivedLicensesExpiringSoon",
                dimensions: { service: "license-usage-report" },
                threshold: 0,
                comparisonOperator: "GreaterThanThreshold",
                alarmActions: ["arn:aws:sns:eu-central-1:111111111111:ops"],
            });
            expect(alarm.inputs.alarmDescription).to.match(/within 14 days/);
            expect(environment(deployed)).to.deep.include({ RECEIVED_LICENSE_REGIONS: "us-east-1", EXPIRY_WARNING_DAYS: "14" });
        });

        it("can be turned off: no grant, no alarm, no regions", async () => {
            const deployed = await deploy({ licenseConfigurationArns: [EU], reportReceivedLicenses: false });
            expect(Object.keys(functionPolicy(deployed))).not.to.include.members(["ListReceivedLicenses", "ReadReceivedLicenseUsage"]);
            expect(deployed.some((r) => r.name === "lt-received-license-expiry")).to.equal(false);
            expect(environment(deployed).RECEIVED_LICENSE_REGIONS).to.equal("");
        });

        it("refuses a bad warning window at once and a bad region once it is known, naming the argument", async () => {
            expect(() => new MultiRegionLicenseTracker("lt", { licenseConfigurationArns: [EU], expiryWarningDays: 0 })).to.throw(/expiryWarningDays must be an integer from 1 to 365/);
            const failure = await deploy({ licenseConfigurationArns: [EU], receivedLicenseRegions: ["Frankfurt"] }).then(
                () => undefined,
                (err: Error) => err,
            );
            expect(String(failure)).to.match(/receivedLicenseRegions.*"Frankfurt" is not an AWS region/);
        });
    });

    it("writes the ARN list as an encrypted JSON object outside the report prefix, and pins it in the environment", () => {
        const object = named(resources, "aws:s3/bucketObjectv2:BucketObjectv2", "lt-license-configurations");
        expect(object.inputs).to.deep.include({
            bucket: "lt-reports-id",
            key: LICENSE_CONFIGURATIONS_KEY,
            contentType: "application/json",
            serverSideEncryption: "AES256",
            checksumAlgorithm: "SHA256",
        });
        expect(object.inputs.kmsKeyId).to.equal(undefined);
        expect(JSON.parse(object.inputs.content)).to.deep.equal({ schemaVersion: 1, licenseConfigurationArns: [EU, US, AP] });

        const fn = named(resources, "aws:lambda/function:Function", "lt-report");
        const variables = fn.inputs.environment.variables;
        expect(variables).to.deep.equal({
            POWERTOOLS_SERVICE_NAME: "license-usage-report",
            REPORT_BUCKET: "lt-reports",
            LICENSE_CONFIGURATIONS_KEY: LICENSE_CONFIGURATIONS_KEY,
            LICENSE_CONFIGURATIONS_SHA256: createHash("sha256").update(object.inputs.content).digest("hex"),
            REPORT_PREFIX: "license-usage/",
            CONCURRENCY: "8",
            REPORT_LAYOUT: "dated",
            RECEIVED_LICENSE_REGIONS: "ap-southeast-2,eu-central-1,us-east-1",
            EXPIRY_WARNING_DAYS: "30",
        });
        expect(fn.inputs.timeout).to.equal(300);
        expect(fn.inputs.runtime).to.equal("nodejs22.x");
    });

    it("runs daily by default through a rule that may invoke only this function, with retries and a dead-letter queue", () => {
        const rule = named(resources, "aws:cloudwatch/eventRule:EventRule", "lt-schedule");
        expect(rule.inputs.scheduleExpression).to.equal("rate(1 day)");
        const target = named(resources, "aws:cloudwatch/eventTarget:EventTarget", "lt-schedule-target");
        expect(target.inputs.arn).to.match(/:function:lt-report$/);
        expect(target.inputs.deadLetterConfig.arn).to.match(/:lt-undelivered$/);
        const permission = named(resources, "aws:lambda/permission:Permission", "lt-schedule-invoke");
        expect(permission.inputs).to.deep.include({ principal: "events.amazonaws.com", sourceArn: "arn:aws:events:eu-central-1:111111111111:rule/lt-schedule" });
        const queuePolicy = JSON.parse(named(resources, "aws:sqs/queuePolicy:QueuePolicy", "lt-undelivered").inputs.policy);
        expect(queuePolicy.Statement[0].Condition.ArnEquals["aws:SourceArn"]).to.deep.equal(["arn:aws:events:eu-central-1:111111111111:rule/lt-schedule"]);
    });

    it("fails loudly: an on-failure destination for the invocation and an errors alarm", () => {
        const invokeConfig = named(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "lt-report-async");
        expect(invokeConfig.inputs.destinationConfig.onFailure.destination).to.match(/:lt-report-failures$/);
        const alarm = named(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "lt-report-errors");
        expect(alarm.inputs).to.deep.include({ metricName: "Errors", threshold: 0, comparisonOperator: "GreaterThanThreshold" });
    });

    it("uses a custom schedule, prefix, layout, concurrency and alarm actions", async () => {
        const topic = "arn:aws:sns:eu-central-1:111111111111:license-alerts";
        const custom = await deploy({
            licenseConfigurationArns: [EU],
            scheduleExpression: "cron(0 5 ? * MON-FRI *)",
            reportPrefix: "audit/licenses/",
            layout: "hive",
            concurrency: 16,
            alarmActions: [topic],
        });
        expect(named(custom, "aws:cloudwatch/eventRule:EventRule", "lt-schedule").inputs.scheduleExpression).to.equal("cron(0 5 ? * MON-FRI *)");
        expect(functionPolicy(custom).WriteReports.Resource).to.deep.equal(["arn:aws:s3:::lt-reports/audit/licenses/*"]);
        expect(named(custom, "aws:lambda/function:Function", "lt-report").inputs.environment.variables).to.include({
            REPORT_PREFIX: "audit/licenses/",
            REPORT_LAYOUT: "hive",
            CONCURRENCY: "16",
        });
        expect(named(custom, "aws:cloudwatch/metricAlarm:MetricAlarm", "lt-report-errors").inputs.alarmActions).to.deep.equal([topic]);
    });

    it("encrypts reports and the ARN list with a customer managed KMS key, usable by the function for this bucket only", async () => {
        const key = "arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const withKms = await deploy({ licenseConfigurationArns: [EU], bucket: { kmsKeyArn: key } });
        const encryption = named(withKms, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "lt-reports-encryption");
        expect(encryption.inputs.rules).to.deep.equal([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key }, bucketKeyEnabled: true }]);
        expect(named(withKms, "aws:s3/bucketObjectv2:BucketObjectv2", "lt-license-configurations").inputs).to.deep.include({
            serverSideEncryption: "aws:kms",
            kmsKeyId: key,
            bucketKeyEnabled: true,
        });
        const thisBucket = { StringEquals: { "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::lt-reports" } };
        const bySid = functionPolicy(withKms);
        expect(bySid.EncryptReports).to.deep.equal({ Sid: "EncryptReports", Effect: "Allow", Action: ["kms:GenerateDataKey"], Resource: [key], Condition: thisBucket });
        expect(bySid.DecryptLicenseConfigurationList).to.deep.equal({
            Sid: "DecryptLicenseConfigurationList",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: [key],
            Condition: thisBucket,
        });
    });

    it("adds lifecycle rules on the report prefix when asked, and honours forceDestroy and a name prefix", async () => {
        const withLifecycle = await deploy({
            licenseConfigurationArns: [EU],
            bucket: {
                namePrefix: "license-reports-",
                forceDestroy: true,
                transition: { afterDays: 30, storageClass: "STANDARD_IA" },
                expireAfterDays: 400,
                noncurrentVersionExpireAfterDays: 90,
            },
        });
        const bucket = named(withLifecycle, "aws:s3/bucket:Bucket", "lt-reports");
        expect(bucket.inputs).to.deep.include({ bucketPrefix: "license-reports-", forceDestroy: true });
        const lifecycle = named(withLifecycle, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lt-reports-lifecycle");
        expect(lifecycle.inputs.rules).to.deep.equal([
            {
                id: "report-retention",
                status: "Enabled",
                filter: { prefix: "license-usage/" },
                transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
                expiration: { days: 400 },
                noncurrentVersionExpiration: { noncurrentDays: 90 },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            },
        ]);
    });

    for (const partition of ["aws-cn", "aws-us-gov"]) {
        it(`builds every ARN in the ${partition} partition it deploys to`, async () => {
            const region = partition === "aws-cn" ? "cn-north-1" : "us-gov-west-1";
            const arns = [configurationArn(region, 7, partition), configurationArn(partition === "aws-cn" ? "cn-northwest-1" : "us-gov-east-1", 8, partition)];
            const deployed = await deploy({ licenseConfigurationArns: arns }, { partition, region });
            const bySid = functionPolicy(deployed);
            expect(bySid.ReadLicenseConfigurations.Resource).to.deep.equal(arns);
            expect(bySid.WriteReports.Resource).to.deep.equal([`arn:${partition}:s3:::lt-reports/license-usage/*`]);
            const bucketPolicy = JSON.parse(named(deployed, "aws:s3/bucketPolicy:BucketPolicy", "lt-reports-policy").inputs.policy);
            expect(bucketPolicy.Statement[0].Resource).to.deep.equal([`arn:${partition}:s3:::lt-reports`, `arn:${partition}:s3:::lt-reports/*`]);
            expect(bySid.ReadReceivedLicenseUsage.Resource).to.deep.equal([`arn:${partition}:license-manager::*:license:*`]);
            for (const statement of allowStatements(deployed)) {
                // "*" is ListReceivedLicenses alone (checked above); every ARN is in the deployed partition.
                for (const resource of statement.Resource) expect(resource === "*" || resource.startsWith(`arn:${partition}:`), resource).to.equal(true);
            }
        });
    }

    it("accepts ARNs that are outputs of other resources", async () => {
        const deployed = await deploy({ licenseConfigurationArns: [pulumi.output(EU), US] });
        expect(functionPolicy(deployed).ReadLicenseConfigurations.Resource).to.deep.equal([EU, US]);
    });

    describe("hundreds of license configurations", () => {
        // Pulumi without an engine prints warnings with console.warn: captured, so they can be asserted.
        let warnings: string[];
        const consoleWarn = console.warn;
        beforeEach(() => {
            warnings = [];
            console.warn = (message: unknown) => void warnings.push(String(message));
        });
        afterEach(() => {
            console.warn = consoleWarn;
        });

        it("tracks 500 ARNs: all in the list object, a small environment, and License Manager reads scoped to their regions", async () => {
            const arns = manyArns(500);
            const deployed = await deploy({ licenseConfigurationArns: arns });
            const object = named(deployed, "aws:s3/bucketObjectv2:BucketObjectv2", "lt-license-configurations");
            expect(JSON.parse(object.inputs.content).licenseConfigurationArns).to.deep.equal(arns);
            const variables = named(deployed, "aws:lambda/function:Function", "lt-report").inputs.environment.variables;
            expect(Buffer.byteLength(JSON.stringify(variables))).to.be.lessThan(1024);

            // 100 ARNs per region do not fit one by one; each region of the account is granted as a whole instead.
            expect(functionPolicy(deployed).ReadLicenseConfigurations.Resource).to.deep.equal(
                REGIONS.map((region) => `arn:aws:license-manager:${region}:111111111111:license-configuration:*`),
            );
            for (const characters of inlinePolicyCharacters(deployed)) expect(characters).to.be.at.most(10_240);
            expect(warnings).to.have.length(1);
            expect(warnings[0]).to.match(/500 license configuration ARNs do not fit .* it may read every license configuration of these region\/account pairs: .*eu-central-1\/111111111111/);
        });

        it("keeps exact ARNs for the regions that fit and widens only the largest", async () => {
            const crowded = Array.from({ length: 80 }, (_, i) => configurationArn("eu-central-1", i));
            const few = [configurationArn("us-east-1", 1000), configurationArn("ap-southeast-2", 1001)];
            const deployed = await deploy({ licenseConfigurationArns: [few[0], ...crowded, few[1]] });
            expect(functionPolicy(deployed).ReadLicenseConfigurations.Resource).to.deep.equal([
                few[0],
                "arn:aws:license-manager:eu-central-1:111111111111:license-configuration:*",
                few[1],
            ]);
            expect(warnings.join("\n")).to.match(/pairs: eu-central-1\/111111111111\.$/);
        });

        it("warns about nothing while the exact ARNs fit", async () => {
            const deployed = await deploy({ licenseConfigurationArns: manyArns(60) });
            expect(functionPolicy(deployed).ReadLicenseConfigurations.Resource).to.deep.equal(manyArns(60));
            expect(warnings).to.deep.equal([]);
        });

        it("stays under IAM's 10,240 characters at the worst: longest prefix and bucket name, a KMS key, any ARN count", async () => {
            // A 55-character component name makes the mocked bucket name 63 characters, the longest S3 allows.
            const name = "t".repeat(55);
            const reportPrefix = `${"p".repeat(63)}/`.repeat(4);
            const kmsKeyArn = "arn:aws-us-gov:kms:us-gov-west-1:111111111111:key/mrk-1234abcd12ab34cd56ef1234567890ab";
            for (const count of [1, 60, 67, 68, 120, 500, 3000]) {
                const arns = Array.from({ length: count }, (_, i) =>
                    configurationArn(i % 2 ? "us-gov-west-1" : "us-gov-east-1", i, "aws-us-gov", String(100000000000 + (i % 3))),
                );
                const { resources } = await runUnderMocks(() => new MultiRegionLicenseTracker(name, { licenseConfigurationArns: arns, reportPrefix, bucket: { kmsKeyArn } }), {
                    account: { partition: "aws-us-gov", region: "us-gov-west-1" },
                });
                const [characters] = inlinePolicyCharacters(resources);
                expect(characters, `${count} ARNs`).to.be.at.most(10_240);
                // Every grant is one of the ARNs or a wildcard for a region/account pair that has some.
                const pairs = new Set(arns.map((arn) => arn.replace(/license-configuration:lic-[0-9a-f]+$/, "license-configuration:*")));
                for (const resource of functionPolicy(resources, name).ReadLicenseConfigurations.Resource) {
                    expect(arns.includes(resource) || pairs.has(resource), resource).to.equal(true);
                }
            }
        });
    });

    describe("validation", () => {
        const make = (args: Partial<MultiRegionLicenseTrackerArgs>) => () =>
            new MultiRegionLicenseTracker("bad", { licenseConfigurationArns: [EU], ...args } as MultiRegionLicenseTrackerArgs);

        it("refuses missing, malformed or duplicated configuration ARNs, naming the component", () => {
            expect(make({ licenseConfigurationArns: [] })).to.throw(/^bad: licenseConfigurationArns must be a non-empty list/);
            expect(make({ licenseConfigurationArns: ["arn:aws:ec2:eu-central-1:111111111111:instance/i-0123456789abcdef0"] })).to.throw(
                /^bad: licenseConfigurationArns\[0\] .* is not a license configuration ARN/,
            );
            expect(make({ licenseConfigurationArns: [`${EU}/*`] })).to.throw(/is not a license configuration ARN/);
            expect(make({ licenseConfigurationArns: [EU, US, EU] })).to.throw(/^bad: license configuration .* is listed twice/);
            expect(make({ licenseConfigurationArns: [EU, configurationArn("cn-north-1", 4, "aws-cn")] })).to.throw(/span partitions aws, aws-cn/);
        });

        it("refuses ARNs of another partition than the stack's", () => {
            const arns = parseLicenseConfigurationArns([EU], "bad");
            expect(() => assertDeployedPartition("bad", arns, "aws-us-gov")).to.throw(/^bad: license configuration .* is in partition aws, but this stack deploys to aws-us-gov/);
            expect(() => assertDeployedPartition("ok", arns, "aws")).not.to.throw();
        });

        it("refuses more than 10,000 ARNs and report prefixes inside the configuration folder", () => {
            expect(make({ licenseConfigurationArns: manyArns(10_001) })).to.throw(/^bad: 10001 license configuration ARNs is more than one tracker reads \(10000\); split them/);
            expect(make({ reportPrefix: "_config/" })).to.throw(/^bad: reportPrefix "_config\/" must not start with "_config\/"/);
        });

        it("refuses bad schedules, prefixes, layouts, concurrency and timeouts", () => {
            expect(make({ scheduleExpression: "every day" })).to.throw(/^bad: scheduleExpression: "every day" is not an EventBridge/);
            expect(make({ scheduleExpression: "rate(1 days)" })).to.throw(/matching unit/);
            for (const prefix of ["license-usage", "/license-usage/", "reports/*/", "a//", "../x/", "reports?/"]) {
                expect(make({ reportPrefix: prefix }), prefix).to.throw(/^bad: reportPrefix/);
            }
            expect(make({ layout: "flat" as never })).to.throw(/^bad: layout "flat" must be one of dated, hive/);
            expect(make({ concurrency: 0 })).to.throw(/^bad: concurrency must be an integer from 1 to 32/);
            expect(make({ concurrency: 2.5 })).to.throw(/concurrency/);
            expect(make({ timeoutSeconds: 901 })).to.throw(/^bad: timeoutSeconds/);
        });

        it("refuses a five-field cron with one line naming scheduleExpression, as a ResourceError without a stack trace", () => {
            const error = errorOf(make({ scheduleExpression: "cron(0 * * * *)" }));
            expect(error.message).to.equal(
                'bad: scheduleExpression: "cron(0 * * * *)" has 5 fields; EventBridge cron needs 6 (minutes hours day-of-month month day-of-week year), e.g. "cron(0 * * * ? *)".',
            );
            expect(pulumi.ResourceError.isInstance(error) && error.hideStack).to.equal(true);
        });

        it("accepts an empty prefix, scoping writes and retention to the layout's folders so the ARN list is never archived", async () => {
            const bucket = { transition: { afterDays: 0, storageClass: "GLACIER" as const }, expireAfterDays: 1 };
            const dated = await deploy({ licenseConfigurationArns: [EU], reportPrefix: "", bucket });
            const digits = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];
            expect(functionPolicy(dated).WriteReports.Resource).to.deep.equal(digits.map((d) => `arn:aws:s3:::lt-reports/${d}*`));
            const datedRules = named(dated, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lt-reports-lifecycle").inputs.rules;
            expect(datedRules.map((r: any) => [r.id, r.filter.prefix])).to.deep.equal(digits.map((d) => [`report-retention-${d}`, d]));
            expect(datedRules.every((r: any) => r.transitions[0].storageClass === "GLACIER" && r.expiration.days === 1)).to.equal(true);

            const hive = await deploy({ licenseConfigurationArns: [EU], reportPrefix: "", layout: "hive", bucket });
            expect(functionPolicy(hive).WriteReports.Resource).to.deep.equal(["summary", "usage", "received", "manifest"].map((k) => `arn:aws:s3:::lt-reports/${k}/*`));
            const hiveRules = named(hive, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lt-reports-lifecycle").inputs.rules;
            expect(hiveRules.map((r: any) => r.filter.prefix)).to.deep.equal(["summary/", "usage/", "received/", "manifest/"]);

            for (const deployed of [dated, hive]) {
                const rules = named(deployed, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lt-reports-lifecycle").inputs.rules;
                expect(rules.some((r: any) => LICENSE_CONFIGURATIONS_KEY.startsWith(r.filter.prefix))).to.equal(false);
                for (const resource of functionPolicy(deployed).WriteReports.Resource) {
                    expect(LICENSE_CONFIGURATIONS_KEY.startsWith(resource.replace("arn:aws:s3:::lt-reports/", "").replace(/\*$/, ""))).to.equal(false);
                }
            }
        });

        it("refuses bad bucket options", () => {
            expect(make({ bucket: { namePrefix: "Reports" } })).to.throw(/^bad: bucket.namePrefix/);
            expect(make({ bucket: { kmsKeyArn: "alias/reports" } })).to.throw(/^bad: bucket.kmsKeyArn "alias\/reports" is not a KMS key ARN/);
            expect(make({ bucket: { transition: { afterDays: 10, storageClass: "STANDARD_IA" } } })).to.throw(/transition.afterDays \(STANDARD_IA\) must be an integer of at least 30/);
            expect(make({ bucket: { transition: { afterDays: 90, storageClass: "GLACIER" }, expireAfterDays: 60 } })).to.throw(/expireAfterDays \(60\) must be later/);
            expect(make({ bucket: { transition: { afterDays: 90, storageClass: "TAPE" as never } } })).to.throw(/storageClass "TAPE"/);
            expect(make({ bucket: { expireAfterDays: 0 } })).to.throw(/expireAfterDays must be an integer of at least 1/);
        });
    });
});
