import { expect } from "chai";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { s3ObjectReader } from "../../functions/license-usage-report/awsPorts";
import {
    LICENSE_CONFIGURATIONS_CONTENT_TYPE,
    LICENSE_CONFIGURATIONS_KEY,
    licenseConfigurationsDocument,
    loadLicenseConfigurations,
} from "../../functions/license-usage-report/configurationObject";
import { LocalS3, startS3rver } from "../../sandbox/aws/s3rver";
import { configurationArn } from "./support/fixtures";

const BUCKET = "tracker-config";

describe("license configuration list in S3 (s3rver, real S3 client)", () => {
    let s3: LocalS3;
    const arns = Array.from({ length: 500 }, (_, i) => configurationArn(["eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2", "sa-east-1"][i % 5], i));
    const document = licenseConfigurationsDocument(arns);
    const location = { bucket: BUCKET, key: LICENSE_CONFIGURATIONS_KEY, sha256: document.sha256 };
    const put = (body: string) =>
        s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: LICENSE_CONFIGURATIONS_KEY, Body: body, ContentType: LICENSE_CONFIGURATIONS_CONTENT_TYPE }));
    const loadError = () =>
        loadLicenseConfigurations(s3ObjectReader(s3.client, BUCKET), location).then(
            () => expect.fail("loading should fail"),
            (err: Error) => err.message,
        );

    before(async () => {
        s3 = await startS3rver();
        await s3.createBucket(BUCKET);
    });
    after(async () => {
        await s3.close();
    });

    it("reads all 500 ARNs of the deployed list, with their regions", async () => {
        await put(document.body);
        const configurations = await loadLicenseConfigurations(s3ObjectReader(s3.client, BUCKET), location);
        expect(configurations.map((c) => c.arn)).to.deep.equal(arns);
        expect(new Set(configurations.map((c) => c.region)).size).to.equal(5);
    });

    it("refuses a list someone changed in the bucket", async () => {
        await put(licenseConfigurationsDocument(arns.slice(1)).body);
        expect(await loadError()).to.match(/the object's SHA-256 is [0-9a-f]{64}, but the function was deployed for [0-9a-f]{64}/);
    });

    it("says which object is missing and that a deployment writes it", async () => {
        const missing = await loadLicenseConfigurations(s3ObjectReader(s3.client, BUCKET), { ...location, key: "_config/elsewhere.json" }).catch((err: Error) => err.message);
        expect(missing).to.match(/^license-usage-report: the license configuration list s3:\/\/tracker-config\/_config\/elsewhere\.json could not be read \(NoSuchKey: .*\)\. The component writes it/);
    });

    it("refuses an object over the size limit before reading its body", async () => {
        await put(document.body);
        const error = await s3ObjectReader(s3.client, BUCKET)(LICENSE_CONFIGURATIONS_KEY, 1000).catch((err: Error) => err.message);
        expect(error).to.equal(`s3://${BUCKET}/${LICENSE_CONFIGURATIONS_KEY} is ${Buffer.byteLength(document.body)} bytes, more than the 1000 allowed.`);
    });
});
