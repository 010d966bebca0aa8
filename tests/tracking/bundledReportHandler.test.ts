import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { bundleHandler } from "../../components/lambda/bundle";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
    LICENSE_CONFIGURATIONS_CONTENT_TYPE,
    LICENSE_CONFIGURATIONS_KEY,
    TRACKER_ENV,
    TRACKER_HANDLER,
    licenseConfigurationsDocument,
} from "../../components/tracking/definitions";
import { S3RVER_CREDENTIALS } from "../../sandbox/aws/s3rver";
import { parseCsvObjects } from "./support/csvParse";
import { REPORT_BUCKET, TrackerWorld, addConfiguration, startTrackerWorld } from "./support/trackerWorld";
import { configurationArn } from "./support/fixtures";

describe("the deployed report artifact, run as Lambda would run it", () => {
    let world: TrackerWorld;
    let dir: string;
    const saved = { ...process.env };

    before(async () => {
        world = await startTrackerWorld();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "license-usage-report-"));
        fs.writeFileSync(path.join(dir, "index.js"), bundleHandler(TRACKER_HANDLER));
    });
    afterEach(() => {
        process.env = { ...saved };
    });
    after(async () => {
        await world.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    // The SDK's own endpoint variables (service id "License Manager" -> LICENSE_MANAGER, "S3" -> S3) point the
    // unchanged bundle at the local services; S3_FORCE_PATH_STYLE is the handler's switch for S3 emulators. The ARN
    // list goes to the bucket as the component writes it, and the environment pins its SHA-256.
    const deployList = async (arns: string[]) => {
        const document = licenseConfigurationsDocument(arns);
        await world.s3.client.send(
            new PutObjectCommand({ Bucket: REPORT_BUCKET, Key: LICENSE_CONFIGURATIONS_KEY, Body: document.body, ContentType: LICENSE_CONFIGURATIONS_CONTENT_TYPE }),
        );
        return document.sha256;
    };
    const environment = (sha256: string) => ({
        AWS_REGION: "eu-central-1",
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_LICENSE_MANAGER: world.licenseManager.endpoint,
        AWS_ENDPOINT_URL_S3: world.s3.endpoint,
        [TRACKER_ENV.s3ForcePathStyle]: "true",
        POWERTOOLS_METRICS_DISABLED: "true",
        POWERTOOLS_LOG_LEVEL: "SILENT",
        [TRACKER_ENV.bucket]: REPORT_BUCKET,
        [TRACKER_ENV.configurationsKey]: LICENSE_CONFIGURATIONS_KEY,
        [TRACKER_ENV.configurationsSha256]: sha256,
        [TRACKER_ENV.prefix]: "bundled/",
        [TRACKER_ENV.concurrency]: "2",
    });

    it("reads the ARN list from S3, License Manager in each ARN's region, and writes the report through the SDK's endpoint variables", async () => {
        const eu = addConfiguration(world.licenseManager, "eu-central-1", 1, 3, { Name: "=cmd|' /C calc'!A0" });
        const us = addConfiguration(world.licenseManager, "us-east-2", 2, 5);
        const missing = configurationArn("eu-west-1", 99);
        Object.assign(process.env, environment(await deployList([eu, us, missing])));
        const { handler } = require(path.join(dir, "index.js"));

        const scheduled = { id: "evt-1", source: "aws.events", "detail-type": "Scheduled Event", time: "2026-03-05T06:00:00Z", resources: [] };
        const attempt = (requestId: string): Promise<Error> =>
            handler(scheduled, { awsRequestId: requestId }).then(
                () => expect.fail("a missing configuration must fail the invocation"),
                (err: Error) => err,
            );
        const error = await attempt("req-bundled");
        expect(error.name).to.equal("ReportIncompleteError");
        expect(error.message).to.contain(missing);

        expect(new Set(world.licenseManager.regions)).to.deep.equal(new Set(["eu-central-1", "us-east-2", "eu-west-1"]));
        const manifestKey = / and (\S+manifest\.json)\.$/.exec(error.message)![1];
        expect(manifestKey).to.equal("bundled/2026/03/05/20260305T060000.000Z/manifest.json");
        const manifest = JSON.parse((await world.s3.getText(REPORT_BUCKET, manifestKey)).body);
        expect(manifest).to.deep.include({
            runId: "evt-1",
            runTime: "2026-03-05T06:00:00.000Z",
            licenseConfigurations: { key: LICENSE_CONFIGURATIONS_KEY, sha256: process.env[TRACKER_ENV.configurationsSha256] },
            trigger: { source: "aws.events", detailType: "Scheduled Event", eventId: "evt-1", time: "2026-03-05T06:00:00Z" },
        });
        expect(manifest.attempt.requestId).to.equal("req-bundled");
        expect(manifest.configurations).to.deep.equal({ total: 3, succeeded: 2, failed: 1, usageRows: 8 });
        const summaryKey = manifest.files.find((f: { kind: string }) => f.kind === "summary").key;
        const summary = parseCsvObjects((await world.s3.getText(REPORT_BUCKET, summaryKey)).body);
        expect(summary.map((r) => [r.license_configuration_name, r.status])).to.deep.equal([
            ["'=cmd|' /C calc'!A0", "AVAILABLE"],
            ["configuration 2", "AVAILABLE"],
            ["", "FAILED"],
        ]);

        // Lambda's retry of the same event rewrites the same run folder, in the same warm container.
        const retry = await attempt("req-bundled-retry");
        expect(/ and (\S+manifest\.json)\.$/.exec(retry.message)![1]).to.equal(manifestKey);
        expect(JSON.parse((await world.s3.getText(REPORT_BUCKET, manifestKey)).body).attempt.requestId).to.equal("req-bundled-retry");

        // A list changed behind the deployment's back is refused by the next invocation of the warm container.
        await deployList([eu]);
        const refused = await attempt("req-bundled-tampered");
        expect(refused.message).to.match(/_config\/license-configurations\.json\): the object's SHA-256 is .* but the function was deployed for/);
    });
});
