import { createHash } from "node:crypto";
import { expect } from "chai";
import { assertReportPrefix, parseTrackerSettings } from "../../functions/license-usage-report/config";
import {
    LICENSE_CONFIGURATIONS_KEY,
    licenseConfigurationsDocument,
    parseLicenseConfigurationsDocument,
} from "../../functions/license-usage-report/configurationObject";
import { parseLicenseConfigurationArn } from "../../functions/license-usage-report/licenseConfigurationArn";
import { configurationArn } from "./support/fixtures";

const EU = configurationArn("eu-central-1", 1);
const US = configurationArn("us-east-1", 2);
const SHA = "a".repeat(64);
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("report function configuration", () => {
    it("parses license configuration ARNs of any partition and region", () => {
        for (const [region, partition] of [["eu-central-1", "aws"], ["us-gov-west-1", "aws-us-gov"], ["cn-northwest-1", "aws-cn"], ["ap-southeast-7", "aws"]]) {
            const arn = configurationArn(region, 5, partition, "123456789012");
            expect(parseLicenseConfigurationArn(arn)).to.deep.equal({
                arn,
                partition,
                region,
                accountId: "123456789012",
                configurationId: "lic-00000000000000000000000000000005",
            });
        }
        for (const bad of [
            "arn:aws:license-manager:eu-central-1:111111111111:license:l-0123",
            "arn:aws:license-manager:eu-central-1:11111111111:license-configuration:lic-00000000000000000000000000000005",
            "arn:aws:license-manager:eu-central-1:111111111111:license-configuration:lic-*",
            `${EU}\n`,
        ]) {
            expect(parseLicenseConfigurationArn(bad), bad).to.equal(undefined);
        }
    });

    it("reads the environment, with defaults, and points at the ARN list object", () => {
        expect(parseTrackerSettings({ REPORT_BUCKET: "reports-bucket", LICENSE_CONFIGURATIONS_SHA256: SHA })).to.deep.equal({
            bucket: "reports-bucket",
            prefix: "license-usage/",
            concurrency: 8,
            layout: "dated",
            licenseConfigurations: { bucket: "reports-bucket", key: LICENSE_CONFIGURATIONS_KEY, sha256: SHA },
            receivedLicenses: { regions: [], expiryWarningDays: 30 },
        });
        const custom = parseTrackerSettings({
            REPORT_BUCKET: "reports-bucket",
            LICENSE_CONFIGURATIONS_KEY: "local/arns.json",
            LICENSE_CONFIGURATIONS_SHA256: SHA,
            REPORT_PREFIX: "",
            CONCURRENCY: "3",
            REPORT_LAYOUT: "hive",
        });
        expect(custom).to.deep.include({ prefix: "", concurrency: 3, layout: "hive" });
        expect(custom.licenseConfigurations.key).to.equal("local/arns.json");
    });

    it("names the variable at fault", () => {
        const base = { REPORT_BUCKET: "reports-bucket", LICENSE_CONFIGURATIONS_SHA256: SHA };
        expect(() => parseTrackerSettings({ ...base, LICENSE_CONFIGURATIONS_SHA256: undefined })).to.throw(/LICENSE_CONFIGURATIONS_SHA256 must be the hex SHA-256/);
        expect(() => parseTrackerSettings({ ...base, LICENSE_CONFIGURATIONS_SHA256: SHA.toUpperCase() })).to.throw(/LICENSE_CONFIGURATIONS_SHA256/);
        for (const key of ["/abs.json", "a/../b.json", "dir/", "a b.json"]) {
            expect(() => parseTrackerSettings({ ...base, LICENSE_CONFIGURATIONS_KEY: key }), key).to.throw(/LICENSE_CONFIGURATIONS_KEY .* must be an object key/);
        }
        expect(() => parseTrackerSettings({ ...base, REPORT_BUCKET: "Bad_Bucket" })).to.throw(/REPORT_BUCKET "Bad_Bucket" is not an S3 bucket name/);
        expect(() => parseTrackerSettings({ ...base, REPORT_PREFIX: "no-slash" })).to.throw(/REPORT_PREFIX/);
        expect(() => parseTrackerSettings({ ...base, CONCURRENCY: "lots" })).to.throw(/CONCURRENCY.*concurrency must be an integer/);
        expect(() => parseTrackerSettings({ ...base, REPORT_LAYOUT: "flat" })).to.throw(/REPORT_LAYOUT.*"flat"/);
    });

    it("keeps reports out of the folder that holds the ARN list", () => {
        expect(() => assertReportPrefix("_config/", "t")).to.throw(/^t: reportPrefix "_config\/" must not start with "_config\/"/);
        expect(() => assertReportPrefix("_config/reports/", "t")).to.throw(/must not start with "_config\/"/);
        expect(() => assertReportPrefix("_configs/", "t")).not.to.throw();
    });
});

describe("license configuration list object", () => {
    const location = (sha256: string) => ({ bucket: "reports-bucket", key: LICENSE_CONFIGURATIONS_KEY, sha256 });

    it("round-trips the ARNs through the document, pinned by its SHA-256", () => {
        const document = licenseConfigurationsDocument([EU, US]);
        expect(JSON.parse(document.body)).to.deep.equal({ schemaVersion: 1, licenseConfigurationArns: [EU, US] });
        expect(document.sha256).to.match(/^[0-9a-f]{64}$/);
        const parsed = parseLicenseConfigurationsDocument(Buffer.from(document.body), location(document.sha256));
        expect(parsed.map((c) => [c.arn, c.region])).to.deep.equal([[EU, "eu-central-1"], [US, "us-east-1"]]);
        expect(licenseConfigurationsDocument([EU, US]).sha256, "deterministic").to.equal(document.sha256);
    });

    it("refuses an object that is not the deployed one, naming it", () => {
        const document = licenseConfigurationsDocument([EU]);
        const altered = document.body.replace(EU, US);
        expect(() => parseLicenseConfigurationsDocument(Buffer.from(altered), location(document.sha256))).to.throw(
            /^license-usage-report \(s3:\/\/reports-bucket\/_config\/license-configurations\.json\): the object's SHA-256 is [0-9a-f]{64}, but the function was deployed for/,
        );
    });

    it("refuses malformed documents even when their SHA-256 matches", () => {
        const pinned = (body: string) => () => parseLicenseConfigurationsDocument(Buffer.from(body), location(sha256(body)));
        expect(pinned("not json")).to.throw(/is not JSON/);
        expect(pinned(JSON.stringify([EU]))).to.throw(/schemaVersion must be 1 \(got undefined\)/);
        expect(pinned(JSON.stringify({ schemaVersion: 2, licenseConfigurationArns: [EU] }))).to.throw(/schemaVersion must be 1 \(got 2\)/);
        expect(pinned(JSON.stringify({ schemaVersion: 1, licenseConfigurationArns: [EU, EU] }))).to.throw(/listed twice/);
        expect(pinned(JSON.stringify({ schemaVersion: 1, licenseConfigurationArns: [] }))).to.throw(/non-empty list/);
    });

    it("takes thousands of ARNs but not more than 10,000", () => {
        const arns = (n: number) => Array.from({ length: n }, (_, i) => configurationArn("eu-central-1", i));
        expect(licenseConfigurationsDocument(arns(10_000)).body.length).to.be.lessThan(2 * 1024 * 1024);
        expect(() => licenseConfigurationsDocument(arns(10_001), "big")).to.throw(/^big: 10001 license configuration ARNs is more than one tracker reads \(10000\); split them/);
    });
});
