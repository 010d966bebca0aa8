/**
 * The hub bus policy against EventBridge's 10,240-character quota, rendered by the component (decision 0001, #20
 * item 2): organisation mode has the same size at any account count; listed mode grows and is refused at preview
 * before it would pass the quota. Sizes are printed.
 */
import { expect } from "chai";
import { LicenseServerHub, LicenseServerHubArgs } from "../../components/hub/licenseServerHub";
import { MAX_BUS_POLICY_CHARS, hubBusPolicy } from "../../components/hub/busPolicy";
import { named, runUnderMocks } from "../support/pulumiMocks";
import { messageOf } from "../support/errors";
import { CATALOG } from "./support/fixtures";

const ORG = "o-abcdef1234";
const OU_PATHS = ["o-abcdef1234/r-ab12/ou-ab12-workbench1/", "o-abcdef1234/r-ab12/ou-ab12-workbench2/"];
const accounts = (count: number) => Array.from({ length: count }, (_, i) => String(100_000_000_000 + i));

async function renderedBusPolicy(args: Omit<LicenseServerHubArgs, "catalog">): Promise<string> {
    const { resources } = await runUnderMocks(() => new LicenseServerHub("hub", { catalog: CATALOG, ...args }));
    return named(resources, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", "hub-workbench-events").inputs.policy;
}

describe("hub bus policy size (EventBridge allows 10,240 characters)", function () {
    this.timeout(60_000);

    it("is the same size at 10 and at 1,500 accounts in organisation mode", async () => {
        const sizes: Record<string, number> = {};
        for (const count of [10, 1500]) {
            sizes[`accounts + organisation + OU paths, ${count} accounts`] = (await renderedBusPolicy({ workbenchAccountIds: accounts(count), organizationId: ORG, workbenchOrganizationalUnitPaths: OU_PATHS })).length;
            sizes[`accounts + organisation, ${count} accounts`] = (await renderedBusPolicy({ workbenchAccountIds: accounts(count), organizationId: ORG })).length;
        }
        sizes["organisation + OU paths, no list"] = (await renderedBusPolicy({ organizationId: ORG, workbenchOrganizationalUnitPaths: OU_PATHS })).length;
        for (const [what, size] of Object.entries(sizes)) console.log(`      bus policy, ${what}: ${size} characters`);
        expect(sizes["accounts + organisation + OU paths, 10 accounts"]).to.equal(sizes["accounts + organisation + OU paths, 1500 accounts"]);
        expect(sizes["accounts + organisation, 10 accounts"]).to.equal(sizes["accounts + organisation, 1500 accounts"]);
        for (const size of Object.values(sizes)) expect(size).to.be.below(1000);
    });

    it("grows with the list in listed mode, and is refused at preview, naming the fix, before it passes the quota", async () => {
        const fits = (count: number) => JSON.stringify(hubBusPolicy(`arn:aws-iso-b:events:us-isof-south-1:000000000000:event-bus/hub-workbench-events-0000000`, "aws-iso-b", {
            accountIds: accounts(count),
            organizationalUnitPaths: [],
            admitWholeOrganization: false,
            forwardRolePattern: "license-ops-workbench-to-hub*",
        })).length <= MAX_BUS_POLICY_CHARS;
        let most = 1;
        while (fits(most + 1)) most++;
        const atMost = (await renderedBusPolicy({ workbenchAccountIds: accounts(most) })).length;
        console.log(`      bus policy, listed mode: ${(await renderedBusPolicy({ workbenchAccountIds: accounts(10) })).length} characters at 10 accounts, ${atMost} at ${most} (the most accepted)`);
        expect(atMost).to.be.at.most(MAX_BUS_POLICY_CHARS);
        expect(most).to.be.within(120, 200);
        const refusal = messageOf(() => new LicenseServerHub("big", { catalog: CATALOG, workbenchAccountIds: accounts(most + 1) }));
        expect(refusal).to.match(/^big: workbenchAccountIds: the hub bus policy would take \d+ characters; EventBridge allows 10240\. Use organisation mode \(organizationId with workbenchOrganizationalUnitPaths\)/);
        expect(refusal.split("\n")).to.have.length(1);
    });
});
