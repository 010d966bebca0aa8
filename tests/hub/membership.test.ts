/**
 * #22: an account moved out of a workbench OU is cleaned up. In organisation mode the hub keeps no account list; its
 * silence watch reads the workbench OUs' members through the management account's reader role and releases the seats
 * of every account-region heard from whose account is no longer among them, and never on a read it cannot trust.
 */
import { expect } from "chai";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { OrganizationsPort, workbenchMembers } from "../../functions/hub-inventory-watch/membership";
import { organizationsPort, organizationsRegion } from "../../functions/hub-inventory-watch/organizationsPorts";
import { watchSettingsFromEnv } from "../../functions/hub-inventory-watch/settings";
import { WatchPorts, WatchSettings, watchInventories } from "../../functions/hub-inventory-watch/watch";
import type { InventoryRecord } from "../../functions/hub-shared/inventoryRecords";
import { LicenseServerHub } from "../../components/hub/licenseServerHub";
import { WorkbenchStackSet } from "../../components/stackset/workbenchStackSet";
import { RecordedResource, named, runUnderMocks } from "../support/pulumiMocks";
import { messageOf } from "../support/errors";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { CATALOG, NOW } from "./support/fixtures";

/** A workbench OU tree: ou-a holds two accounts and ou-b (one active, one suspended account). */
const TREE: Record<string, { accounts: Array<{ id: string; status: string }>; ous: string[] }> = {
    "ou-root-aaaaaaaa": { accounts: [{ id: "111111111111", status: "ACTIVE" }, { id: "222222222222", status: "ACTIVE" }], ous: ["ou-root-bbbbbbbb"] },
    "ou-root-bbbbbbbb": { accounts: [{ id: "333333333333", status: "ACTIVE" }, { id: "444444444444", status: "SUSPENDED" }], ous: [] },
};
const treePort: OrganizationsPort = {
    accountsFor: async (ou) => TREE[ou]?.accounts ?? [],
    childOusOf: async (ou) => TREE[ou]?.ous ?? [],
};

const SETTINGS: WatchSettings = { periodSeconds: 300, silentPeriods: 3, regions: [], admittedAccounts: [] };
const record = (account: string, region: string): InventoryRecord => {
    const at = new Date(NOW - 60_000).toISOString();
    return { account, region, snapshotId: `s-${account}-${region}`, asOf: at, reconciledAt: at };
};
const HEARD_FROM = [record("111111111111", "eu-central-1"), record("222222222222", "eu-west-1"), record("555555555555", "eu-central-1"), record("555555555555", "us-east-1")];

function watchPorts(members: () => Promise<ReadonlySet<string>>): WatchPorts & { released: string[] } {
    const released: string[] = [];
    return {
        released,
        lastSnapshots: async () => HEARD_FROM,
        async releaseDeparted(account, region) {
            released.push(`${account}/${region}`);
            return { account, region, instancesStopped: 1, seatsReleased: 2 };
        },
        workbenchMembers: members,
    };
}

describe("the workbench OUs' membership (organisation mode): accounts that leave lose their seats", () => {
    it("lists the active accounts of the OUs, nested OUs included, suspended ones out", async () => {
        expect([...(await workbenchMembers(["ou-root-aaaaaaaa"], treePort))].sort()).to.deep.equal(["111111111111", "222222222222", "333333333333"]);
        expect([...(await workbenchMembers(["ou-root-bbbbbbbb"], treePort))]).to.deep.equal(["333333333333"]);
        // An OU listed twice (or reached twice) is walked once.
        expect((await workbenchMembers(["ou-root-aaaaaaaa", "ou-root-bbbbbbbb"], treePort)).size).to.equal(3);
    });

    it("releases, at the next watch, the seats of every account-region whose account left the OUs, and does not expect it", async () => {
        const ports = watchPorts(async () => new Set(["111111111111", "222222222222", "333333333333"]));
        const telemetry = new RecordingTelemetry();
        const outcome = await watchInventories(ports, SETTINGS, telemetry, NOW);
        expect(ports.released).to.deep.equal(["555555555555/eu-central-1", "555555555555/us-east-1"]);
        expect(outcome.departed.map((d) => d.seatsReleased)).to.deep.equal([2, 2]);
        // Those still in the OUs are expected; the departed one is not (nor named silent later).
        expect(outcome.expected).to.equal(2);
    });

    it("releases nothing on a read it cannot trust: a failed read, or no member while accounts are heard from", async () => {
        for (const members of [
            async (): Promise<ReadonlySet<string>> => {
                throw new Error("AccessDeniedException: not authorized to perform sts:AssumeRole");
            },
            async () => new Set<string>(),
        ]) {
            const ports = watchPorts(members);
            const telemetry = new RecordingTelemetry();
            const outcome = await watchInventories(ports, SETTINGS, telemetry, NOW);
            expect(ports.released).to.deep.equal([]);
            expect(outcome.departed).to.deep.equal([]);
            expect(telemetry.metrics.filter((m) => m.name === "WorkbenchMembershipUnread").map((m) => m.value)).to.deep.equal([1]);
            // The silence watch itself goes on.
            expect(outcome.expected).to.equal(4);
        }
    });

    it("reads every page of Organizations' listings with the real SDK client (a wire stand-in on 127.0.0.1)", async () => {
        // Pages of one account each, and one child OU per page: NextToken must be followed on both listings.
        const calls: string[] = [];
        const server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                const target = String(req.headers["x-amz-target"]).replace("AWSOrganizationsV20161128.", "");
                const input = JSON.parse(body) as { ParentId: string; NextToken?: string };
                calls.push(`${target} ${input.ParentId} ${input.NextToken ?? "-"}`);
                const node = TREE[input.ParentId];
                const items = target === "ListAccountsForParent" ? node.accounts.map((a) => ({ Id: a.id, Status: a.status, Name: `acct-${a.id}` })) : node.ous.map((Id) => ({ Id }));
                const index = Number(input.NextToken ?? 0);
                const page = items.slice(index, index + 1);
                const next = index + 1 < items.length ? { NextToken: String(index + 1) } : {};
                res.setHeader("content-type", "application/x-amz-json-1.1");
                res.end(JSON.stringify(target === "ListAccountsForParent" ? { Accounts: page, ...next } : { OrganizationalUnits: page, ...next }));
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        try {
            const client = new OrganizationsClient({
                region: "us-east-1",
                endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
                credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
            });
            const members = await workbenchMembers(["ou-root-aaaaaaaa"], organizationsPort(client));
            expect([...members].sort()).to.deep.equal(["111111111111", "222222222222", "333333333333"]);
            expect(calls.filter((c) => c.startsWith("ListAccountsForParent ou-root-aaaaaaaa"))).to.have.length(2);
            expect(calls.filter((c) => c.startsWith("ListAccountsForParent ou-root-bbbbbbbb"))).to.have.length(2);
        } finally {
            server.close();
        }
        expect(organizationsRegion("arn:aws:iam::999999999999:role/r")).to.equal("us-east-1");
        expect(organizationsRegion("arn:aws-us-gov:iam::999999999999:role/r")).to.equal("us-gov-west-1");
    });

    it("takes the reader and the OUs from its environment, together or not at all", () => {
        const base = { HUB_INVENTORY_PERIOD_SECONDS: "300", HUB_SILENT_INVENTORY_PERIODS: "3", HUB_TOMBSTONE_RETENTION_SECONDS: "259200" };
        const role = "arn:aws:iam::999999999999:role/license-ops-workbench-membership-reader";
        expect(watchSettingsFromEnv({ ...base, HUB_MEMBERSHIP_READER_ROLE_ARN: role, HUB_WORKBENCH_OU_IDS: "ou-root-aaaaaaaa" }).membership).to.deep.equal({ roleArn: role, ouIds: ["ou-root-aaaaaaaa"] });
        expect(watchSettingsFromEnv(base).membership).to.equal(undefined);
        expect(() => watchSettingsFromEnv({ ...base, HUB_MEMBERSHIP_READER_ROLE_ARN: role })).to.throw(/together or not at all/);
        expect(() => watchSettingsFromEnv({ ...base, HUB_MEMBERSHIP_READER_ROLE_ARN: role, HUB_WORKBENCH_OU_IDS: "r-abcd" })).to.throw(/not an OU id/);
    });
});

describe("the membership reader, deployed (Pulumi mocks)", () => {
    const READER = "arn:aws:iam::999999999999:role/license-ops-workbench-membership-reader";
    const PATH = "o-abcdef1234/r-ab12/ou-ab12-workbench1/ou-ab12-engineers/";
    const policyOf = (resources: RecordedResource[], name: string) => JSON.parse(named(resources, "aws:iam/rolePolicy:RolePolicy", name).inputs.policy).Statement;

    it("hub: the watch may assume exactly the reader, and reads the innermost OU of each path", async () => {
        const { resources } = await runUnderMocks(() =>
            new LicenseServerHub("hub", { catalog: CATALOG, organizationId: "o-abcdef1234", workbenchOrganizationalUnitPaths: [PATH], membershipReaderRoleArn: READER }),
        );
        const fn = named(resources, "aws:lambda/function:Function", "hub-inventory-watch");
        expect(fn.inputs.environment.variables).to.include({ HUB_MEMBERSHIP_READER_ROLE_ARN: READER, HUB_WORKBENCH_OU_IDS: "ou-ab12-engineers" });
        const assume = policyOf(resources, "hub-inventory-watch-policy").find((s: { Sid: string }) => s.Sid === "AssumeMembershipReader");
        expect(assume).to.deep.include({ Effect: "Allow", Action: ["sts:AssumeRole"], Resource: [READER] });
        // Without a reader: no variables and no statement (the role can assume nothing).
        const { resources: plain } = await runUnderMocks(() => new LicenseServerHub("hub", { catalog: CATALOG, workbenchAccountIds: ["222222222222"] }));
        expect(named(plain, "aws:lambda/function:Function", "hub-inventory-watch").inputs.environment.variables).to.not.have.property("HUB_MEMBERSHIP_READER_ROLE_ARN");
        expect(policyOf(plain, "hub-inventory-watch-policy").map((s: { Sid: string }) => s.Sid)).to.not.include("AssumeMembershipReader");
    });

    it("hub: refuses a reader without OU paths, and one that is not a role ARN, in one line naming the field", () => {
        const noPaths = messageOf(() => new LicenseServerHub("hub", { catalog: CATALOG, workbenchAccountIds: ["222222222222"], membershipReaderRoleArn: READER }));
        expect(noPaths).to.contain("membershipReaderRoleArn needs workbenchOrganizationalUnitPaths").and.not.contain("\n");
        const wildcard = messageOf(
            () => new LicenseServerHub("hub", { catalog: CATALOG, organizationId: "o-abcdef1234", workbenchOrganizationalUnitPaths: [PATH], membershipReaderRoleArn: "arn:aws:iam::*:role/*" }),
        );
        expect(wildcard).to.contain("membershipReaderRoleArn").and.contain("is not an IAM role ARN");
    });

    it("StackSet: the reader trusts only the hub's watch role and may only list this organisation's OUs", async () => {
        const watchRole = "arn:aws:iam::222222222222:role/hub-inventory-watch-role-1234567";
        const { resources } = await runUnderMocks(
            () =>
                new WorkbenchStackSet("workbenches", {
                    hubEventBusArn: "arn:aws:events:eu-central-1:222222222222:event-bus/hub-workbench-events",
                    organizationId: "o-abcdef1234",
                    organizationalUnitIds: ["ou-ab12-workbench1"],
                    regions: ["eu-central-1"],
                    alarmTopicArns: { "eu-central-1": "arn:aws:sns:eu-central-1:999999999999:alerts" },
                    hubInventoryWatchRoleArn: watchRole,
                }),
            { account: { accountId: "999999999999" } },
        );
        const role = named(resources, "aws:iam/role:Role", "workbenches-membership-reader");
        expect(role.inputs.name).to.equal("license-ops-workbench-membership-reader");
        expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).to.deep.equal([{ Sid: "HubInventoryWatch", Effect: "Allow", Principal: { AWS: watchRole }, Action: "sts:AssumeRole" }]);
        expect(policyOf(resources, "workbenches-membership-reader")).to.deep.equal([
            {
                Sid: "ListWorkbenchOus",
                Effect: "Allow",
                Action: ["organizations:ListAccountsForParent", "organizations:ListOrganizationalUnitsForParent"],
                Resource: ["arn:aws:organizations::*:ou/o-abcdef1234/ou-*"],
            },
        ]);
    });
});
