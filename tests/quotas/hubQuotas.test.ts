import { expect } from "chai";
import { LicenseServerHub } from "../../components/hub/licenseServerHub";
import { SeatLedger } from "../../components/hub/seatLedger";
import { RecordedResource, named, ofType, runUnderMocks, valueOf } from "../support/pulumiMocks";
import { messageOf } from "../support/errors";
import { LISTED_ACCOUNTS, TARGET_ESTATE, generateEstate, workbenchAccountIds } from "../../bench/orgScale/estate";
import { AWS_QUOTAS, iamPolicyChars, lambdaEnvironmentBytes, reportSize } from "./quotas";

const ORGANIZATION = "o-abcdef1234";
const OU_PATHS = ["o-abcdef1234/r-ab12/ou-ab12-workbench1/", "o-abcdef1234/r-ab12/ou-ab12-workbench2/"];

/**
 * The hub rendered at the target estate (400 products, 60 types, 30 servers; organisation mode with 1,500 accounts
 * also listed for the functions), every quota it touches checked against the rendered resources, the measured sizes
 * printed. The bus policy's growth in listed mode and its exact limit: tests/hub/busPolicy.test.ts; the sync's
 * items at 400 products: tests/quotas/itemQuotas.test.ts.
 */
describe("quotas: the hub at the target estate", function () {
    this.timeout(120_000);
    let resources: RecordedResource[];
    let configurationBytes: number;
    /** The two policies a license server's instance role carries inline (the example's license-server-host). */
    let licenseServerPolicies: { lists: string; agent: string };

    before(async () => {
        // As the license-server stack composes them: the hub, and the seat ledger reading its configuration object.
        const { result, resources: registered } = await runUnderMocks(() => {
            const hub = new LicenseServerHub("hub", {
                catalog: generateEstate(TARGET_ESTATE).catalog,
                organizationId: ORGANIZATION,
                workbenchOrganizationalUnitPaths: OU_PATHS,
                workbenchAccountIds: workbenchAccountIds(LISTED_ACCOUNTS),
            });
            new SeatLedger("seat-ledger", { table: hub.table, configurationBucketName: hub.userListBucketName, configurationObjectKey: hub.configurationObjectKey });
            return hub;
        });
        resources = registered;
        configurationBytes = await valueOf(result.configurationBytes);
        licenseServerPolicies = { lists: await valueOf(result.licenseServerPolicy), agent: await valueOf(result.licenseServerAgentPolicy) };
    });

    it("keeps every function's environment within Lambda's 4 KB, whatever the catalog and the admission list", () => {
        const functions = ofType(resources, "aws:lambda/function:Function");
        expect(functions.map((fn) => fn.name).sort()).to.deep.equal(["hub-assignment", "hub-change-marker", "hub-inventory-watch", "hub-seat-events", "hub-sync", "seat-ledger-writer"]);
        for (const fn of functions) {
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

    it("admits 1,500 accounts in organisation mode with a bus policy of constant size", () => {
        const policy: string = named(resources, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", "hub-workbench-events").inputs.policy;
        reportSize("hub bus policy, organisation mode with OU paths, 1,500 accounts", policy.length, AWS_QUOTAS.eventBusPolicyChars);
        expect(policy).to.contain(ORGANIZATION).and.not.to.contain(workbenchAccountIds(1)[0]);
        expect(policy.length).to.be.at.most(AWS_QUOTAS.eventBusPolicyChars);
    });

    it("refuses 1,500 listed accounts without an organisation at preview, one line naming the field, its size and the fix", () => {
        const refusal = messageOf(() => new LicenseServerHub("listed", { catalog: generateEstate(TARGET_ESTATE).catalog, workbenchAccountIds: workbenchAccountIds(LISTED_ACCOUNTS) }));
        const size = Number(/would take (\d+) characters/.exec(refusal)?.[1]);
        reportSize("hub bus policy, listed mode, 1,500 accounts (refused)", size, AWS_QUOTAS.eventBusPolicyChars);
        expect(refusal.split("\n")).to.have.length(1);
        expect(refusal).to.match(/^listed: workbenchAccountIds: the hub bus policy would take \d+ characters; EventBridge allows 10240\. Use organisation mode/);
        expect(size).to.be.greaterThan(AWS_QUOTAS.eventBusPolicyChars);
    });

    it("renders an SSM document within 64 KB for 400 products, its Linux and Windows steps measured apart", () => {
        const content: string = named(resources, "aws:ssm/document:Document", "hub-install-user-list").inputs.content;
        const steps: Array<{ action: string; inputs: { runCommand?: string[] } }> = JSON.parse(content).mainSteps;
        const script = (action: string) => steps.find((s) => s.action === action)!.inputs.runCommand!.join("\n");
        reportSize("SSM document, 400 products (whole)", Buffer.byteLength(content), AWS_QUOTAS.ssmDocumentBytes);
        reportSize("SSM document, Linux shell step", Buffer.byteLength(script("aws:runShellScript")), AWS_QUOTAS.ssmDocumentBytes);
        reportSize("SSM document, Windows PowerShell step", Buffer.byteLength(script("aws:runPowerShellScript")), AWS_QUOTAS.ssmDocumentBytes);
        expect(Buffer.byteLength(content)).to.be.at.most(AWS_QUOTAS.ssmDocumentBytes);
        // Constant in the number of products (tests/hub/licenseServerHub.test.ts compares 1 and 400): no product in it.
        expect(content).not.to.contain("feature-399");
    });

    it("keeps a license server role's inline policies (user lists, SSM Agent) within IAM's 10,240 characters with 30 servers", () => {
        const { lists, agent } = licenseServerPolicies;
        // The agent policy names each server once, whatever the number of products it serves.
        expect(agent.match(/:instance\//g)).to.have.length(TARGET_ESTATE.licenseServers);
        const total = iamPolicyChars(lists) + iamPolicyChars(agent);
        reportSize(`license server role inline policies, ${TARGET_ESTATE.licenseServers} servers, 400 products`, total, AWS_QUOTAS.iamRoleInlinePolicyChars);
        expect(total).to.be.at.most(AWS_QUOTAS.iamRoleInlinePolicyChars);
    });
});
