import { expect } from "chai";
import { parseLicenseConfigurationArns } from "../../components/tracking/definitions";
import { LICENSE_MANAGER_RESOURCES_BUDGET_CHARS, licenseManagerReadScope } from "../../components/tracking/licenseManagerAccess";
import { configurationArn } from "./support/fixtures";

const parse = (arns: string[]) => parseLicenseConfigurationArns(arns, "t");
const range = (count: number, region: string, from = 0, partition = "aws", account = "111111111111") =>
    Array.from({ length: count }, (_, i) => configurationArn(region, from + i, partition, account));
const wildcard = (region: string, partition = "aws", account = "111111111111") => `arn:${partition}:license-manager:${region}:${account}:license-configuration:*`;

describe("License Manager read scope (IAM resources for the report function)", () => {
    it("grants exactly the ARNs, in order, while they fit", () => {
        const arns = [...range(30, "eu-central-1"), ...range(30, "us-east-1", 100)];
        expect(licenseManagerReadScope(parse(arns), "t")).to.deep.equal({ resources: arns, widened: [] });
    });

    it("widens the region/account pairs that save the most first, and no more than needed", () => {
        const big = range(10, "eu-central-1");
        const medium = range(4, "us-east-1", 100);
        const single = range(1, "ap-southeast-2", 200);
        const arns = [...single, ...big, ...medium];
        const exactSize = JSON.stringify(arns).length;
        // Room for everything but about seven ARNs: widening the 10-ARN group is enough.
        const scope = licenseManagerReadScope(parse(arns), "t", exactSize - 7 * 110);
        expect(scope).to.deep.equal({ resources: [...single, wildcard("eu-central-1"), ...medium], widened: ["eu-central-1/111111111111"] });
        // Tighter: the 4-ARN group goes next; the lone ARN, which saves least, stays exact.
        const tighter = licenseManagerReadScope(parse(arns), "t", JSON.stringify([...single, wildcard("eu-central-1"), wildcard("us-east-1")]).length);
        expect(tighter.resources).to.deep.equal([...single, wildcard("eu-central-1"), wildcard("us-east-1")]);
    });

    it("keeps accounts and partitions apart", () => {
        const arns = [...range(80, "cn-north-1", 0, "aws-cn", "111111111111"), ...range(80, "cn-north-1", 100, "aws-cn", "222222222222")];
        const scope = licenseManagerReadScope(parse(arns), "t");
        expect(scope.resources).to.deep.equal([wildcard("cn-north-1", "aws-cn", "111111111111"), wildcard("cn-north-1", "aws-cn", "222222222222")]);
        expect(scope.widened).to.deep.equal(["cn-north-1/111111111111", "cn-north-1/222222222222"]);
    });

    it("always fits the budget, for any spread up to 10,000 ARNs over a few dozen region/account pairs", () => {
        const regions = ["eu-central-1", "eu-west-1", "us-east-1", "us-east-2", "us-west-2", "ap-southeast-2", "ap-northeast-1", "sa-east-1"];
        for (const [count, accounts] of [[500, 1], [500, 3], [10_000, 4], [70, 1]] as const) {
            const arns = Array.from({ length: count }, (_, i) => configurationArn(regions[i % regions.length], i, "aws", String(111111111111 * (1 + (i % accounts))).slice(0, 12)));
            const { resources } = licenseManagerReadScope(parse(arns), "t");
            expect(JSON.stringify(resources).length, `${count} ARNs over ${accounts} accounts`).to.be.at.most(LICENSE_MANAGER_RESOURCES_BUDGET_CHARS);
        }
    });

    it("says to split the tracker when even one wildcard per region and account does not fit", () => {
        const accounts = Array.from({ length: 100 }, (_, i) => String(100000000000 + i));
        const arns = accounts.flatMap((account, i) => [configurationArn("eu-central-1", 2 * i, "aws", account), configurationArn("eu-central-1", 2 * i + 1, "aws", account)]);
        expect(() => licenseManagerReadScope(parse(arns), "lt")).to.throw(
            /^lt: 200 license configurations in 100 region\/account pairs do not fit the report function's IAM policy even with one wildcard per region and account \(\d+ of 7500 characters\); split them over several trackers\.$/,
        );
    });
});
