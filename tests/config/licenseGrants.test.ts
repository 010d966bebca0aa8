import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { LicenseGrantAcceptances, LicenseGrants } from "../../components/config/licenseGrants";
import { named, ofType, runUnderMocks, valueOf } from "../support/pulumiMocks";
import { rejectionOf } from "../support/errors";

const LICENSE = "arn:aws:license-manager::294406891311:license:l-0123456789abcdef0123456789abcdef";
const OU = "arn:aws:organizations::555555555555:ou/o-ab12cd34ef/ou-ab12-workbench1";
const GRANT = "arn:aws:license-manager::555555555555:grant:g-0123456789abcdef0123456789abcdef";
const GRANT_TYPE = "aws:licensemanager/licenseGrant:LicenseGrant";

describe("LicenseGrants", () => {
    it("grants a received license to each principal (account ids as their root ARN), in the license's home Region", async () => {
        const { result, resources } = await runUnderMocks(
            () => new LicenseGrants("share", { distributions: { cad: { licenseArn: LICENSE, principals: ["111111111111", OU], homeRegion: "us-east-1" } } }),
            { account: { accountId: "555555555555" } },
        );
        const grants = ofType(resources, GRANT_TYPE);
        expect(grants.map((g) => g.inputs.principal).sort()).to.deep.equal(["arn:aws:iam::111111111111:root", OU]);
        const account = named(resources, GRANT_TYPE, "share-cad-111111111111").inputs;
        expect(account).to.deep.include({ name: "share-cad", licenseArn: LICENSE, region: "us-east-1" });
        // The default: use the license, never re-grant it or mint tokens.
        expect(account.allowedOperations).to.deep.equal(["CheckInLicense", "CheckoutLicense", "ExtendConsumptionLicense", "ListPurchasedLicenses"]);
        expect(grants.find((g) => g.inputs.principal === OU)!.name).to.match(/^share-cad-[0-9a-f]{10}$/);
        const arns = await valueOf(result.grantArns);
        expect(Object.keys(arns.cad)).to.deep.equal(["111111111111", OU]);
    });

    it("refuses a license configuration ARN, bad principals and operations, every problem at once", () => {
        expect(
            () =>
                new LicenseGrants("share", {
                    distributions: {
                        cad: {
                            licenseArn: "arn:aws:license-manager:eu-central-1:555555555555:license-configuration:lic-0123456789abcdef0123456789abcdef",
                            principals: ["11111111111", "arn:aws:iam::111111111111:role/admin", "222222222222", "222222222222"],
                            allowedOperations: ["CheckoutLicense", "Checkout"],
                            homeRegion: "Frankfurt",
                        },
                        empty: { licenseArn: LICENSE, principals: [], principal: "x" } as never,
                    },
                }),
        ).to.throw(
            [
                "share: 8 problems:",
                '  - distributions.cad.licenseArn "arn:aws:license-manager:eu-central-1:555555555555:license-configuration:lic-0123456789abcdef0123456789abcdef" is not a license ARN (arn:aws:license-manager::<issuer account>:license:l-<32 hex>; a license configuration is not a license)',
                '  - distributions.cad.principals[0]: "11111111111" is not an account id (12 digits), account root ARN (arn:aws:iam::<id>:root), organization ARN or organizational unit ARN',
                '  - distributions.cad.principals[1]: "arn:aws:iam::111111111111:role/admin" is not an account id (12 digits), account root ARN (arn:aws:iam::<id>:root), organization ARN or organizational unit ARN',
                "  - distributions.cad.principals lists 222222222222 more than once",
                '  - distributions.cad.allowedOperations: "Checkout" is not a grant operation (CreateGrant, CheckoutLicense, CheckoutBorrowLicense, CheckInLicense, ExtendConsumptionLicense, ListPurchasedLicenses, CreateToken)',
                '  - distributions.cad.homeRegion "Frankfurt" is not a Region name such as us-east-1',
                '  - distributions.empty: unknown key "principal" (did you mean "principals"?)',
                "  - distributions.empty.principals must list at least one account id or organization/OU ARN",
            ].join("\n"),
        );
    });

    it("checks a license ARN given as an output once it is known", async () => {
        const error = await rejectionOf(runUnderMocks(() => new LicenseGrants("share", { distributions: { cad: { licenseArn: pulumi.output("l-123"), principals: ["111111111111"] } } })));
        expect(String(error)).to.contain('share: distributions.cad.licenseArn "l-123" is not a license ARN');
    });
});

describe("LicenseGrantAcceptances", () => {
    it("accepts each grant made to this account, named by the grant id", async () => {
        const { resources } = await runUnderMocks(() => new LicenseGrantAcceptances("granted", { grantArns: [GRANT] }));
        const accepters = ofType(resources, "aws:licensemanager/licenseGrantAccepter:LicenseGrantAccepter");
        expect(accepters.map((a) => [a.name, a.inputs.grantArn])).to.deep.equal([["granted-g-0123456789abcdef0123456789abcdef", GRANT]]);
    });

    it("refuses what is not a grant ARN (a license ARN, say) and duplicates", () => {
        expect(() => new LicenseGrantAcceptances("granted", { grantArns: [LICENSE, GRANT, GRANT] })).to.throw(
            [
                "granted: 2 problems:",
                `  - grantArns[0]: "${LICENSE}" is not a License Manager grant ARN (arn:aws:license-manager::<account>:grant:g-<32 hex>)`,
                `  - grantArns lists ${GRANT} more than once`,
            ].join("\n"),
        );
    });
});
