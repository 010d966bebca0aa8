import { expect } from "chai";
import { LicenseServerHub } from "../../components/hub/licenseServerHub";
import { RecordedResource, ofType, runUnderMocks, valueOf } from "../support/pulumiMocks";
import { TARGET_ESTATE, targetCatalog, workbenchAccountIds } from "../support/targetEstate";
import { AWS_QUOTAS, lambdaEnvironmentBytes, reportSize } from "./quotas";

/**
 * The hub rendered at the target estate (400 products, 60 types, 30 servers, 1,500 listed accounts), every quota it
 * touches checked against the rendered resources, the measured sizes printed.
 */
describe("quotas: the hub at the target estate", function () {
    this.timeout(120_000);
    let resources: RecordedResource[];
    let configurationBytes: number;

    before(async () => {
        const { result, resources: registered } = await runUnderMocks(
            () =>
                new LicenseServerHub("hub", {
                    catalog: targetCatalog(),
                    organizationId: "o-abcdef1234",
                    workbenchAccountIds: workbenchAccountIds(TARGET_ESTATE.listedAccounts),
                }),
        );
        resources = registered;
        configurationBytes = await valueOf(result.configurationBytes);
    });

    it("keeps every function's environment within Lambda's 4 KB, whatever the catalog and the admission list", () => {
        for (const fn of ofType(resources, "aws:lambda/function:Function")) {
            const bytes = lambdaEnvironmentBytes(fn.inputs.environment?.variables ?? {});
            reportSize(`Lambda environment of ${fn.name}`, bytes, AWS_QUOTAS.lambdaEnvironmentBytes);
            expect(bytes, fn.name).to.be.at.most(AWS_QUOTAS.lambdaEnvironmentBytes);
        }
    });

    it("puts the catalog and the admission list in one configuration object, well within S3's single PUT", () => {
        reportSize("hub configuration object (S3, content-addressed)", configurationBytes, AWS_QUOTAS.s3SinglePutBytes);
        // 400 products with vendor commands and 1,500 accounts: hundreds of KB at most, read once per cold start.
        expect(configurationBytes).to.be.greaterThan(50_000).and.at.most(AWS_QUOTAS.s3SinglePutBytes);
    });
});
