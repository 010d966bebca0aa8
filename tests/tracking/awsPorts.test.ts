import { expect } from "chai";
import type { LicenseManagerClient } from "@aws-sdk/client-license-manager";
import { paginateListUsageForLicenseConfiguration, regionalLicenseManagers } from "../../functions/license-usage-report/awsPorts";
import { configurationArn } from "./support/fixtures";

/** A client whose ListUsage pages carry the given tokens, recording the tokens it was sent. */
function pagedClient(tokens: Array<string | undefined>) {
    const sent: Array<string | undefined> = [];
    const client = {
        async send(command: { input: { NextToken?: string } }) {
            sent.push(command.input.NextToken);
            return { LicenseConfigurationUsageList: [], NextToken: tokens[sent.length - 1] };
        },
    } as unknown as LicenseManagerClient;
    return { client, sent };
}

describe("License Manager plumbing", () => {
    it("follows NextToken until the service stops returning one (an empty token ends it too)", async () => {
        const { client, sent } = pagedClient(["t1", "t2", ""]);
        const pages = [];
        for await (const page of paginateListUsageForLicenseConfiguration(client, { LicenseConfigurationArn: configurationArn("eu-central-1", 1) })) pages.push(page);
        expect(pages).to.have.length(3);
        expect(sent).to.deep.equal([undefined, "t1", "t2"]);
    });

    it("refuses a token that repeats instead of looping forever", async () => {
        const { client } = pagedClient(["t1", "t2", "t1"]);
        const read = async () => {
            for await (const page of paginateListUsageForLicenseConfiguration(client, { LicenseConfigurationArn: configurationArn("eu-central-1", 1) })) void page;
        };
        await read().then(
            () => expect.fail("a repeating token must fail"),
            (err: Error) => expect(err.message).to.match(/token of an earlier page/),
        );
    });

    it("creates one client per region, reused, with adaptive retries and more attempts than the default", async () => {
        const managers = regionalLicenseManagers(() => ({ retryMode: "standard", maxAttempts: 1 }));
        try {
            const eu = managers.clientFor("eu-central-1");
            expect(managers.clientFor("eu-central-1")).to.equal(eu);
            const us = managers.clientFor("us-east-1");
            expect(us).not.to.equal(eu);
            expect(await us.config.region()).to.equal("us-east-1");
            const strategy = (await eu.config.retryStrategy()) as unknown as { mode: string; maxAttemptsProvider(): Promise<number> };
            expect(strategy.mode).to.equal("adaptive");
            expect(await strategy.maxAttemptsProvider()).to.equal(8);
        } finally {
            managers.destroy();
        }
    });
});
