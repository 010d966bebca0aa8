/**
 * The STS and Organizations stand-ins as the hub's silence watch meets them: its own code (organizationsPorts.ts,
 * membership.ts) assumes the governance stack's membership reader role and walks the workbench OUs, every page,
 * against the organisation the scenario's model has at the time of the call.
 */
import { expect } from "chai";
import { STSClient } from "@aws-sdk/client-sts";
import { ListAccountsForParentCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { LOCAL_CLIENT_CONFIG } from "../../sandbox/aws/awsJsonServer";
import { callerEndpoint } from "../../sandbox/aws/eventBridgeStandin";
import { OrganizationsStandin, startOrganizationsStandin } from "../../sandbox/aws/organizationsStandin";
import { StsStandin, startStsStandin } from "../../sandbox/aws/stsStandin";
import { assumeRoleDenial, organizationsDenial } from "../../sandbox/runtime/policies";
import { LocalDeployment, describeDeployment } from "../../sandbox/world/deployment";
import { OrganizationModel, organizationListing, organizationModel } from "../../sandbox/world/organization";
import { scenarioSeconds } from "../../sandbox/world/scenario";
import { deployStacks } from "../../sandbox/world/stackConfiguration";
import { INVENTORY_WATCH_ENVIRONMENT } from "../../functions/hub-shared/environment";
import { workbenchMembers } from "../../functions/hub-inventory-watch/membership";
import { membershipReaderClient, organizationsPort } from "../../functions/hub-inventory-watch/organizationsPorts";
import { organisationScenario } from "../support/organizationScenario";

describe("sandbox STS and Organizations stand-ins: the silence watch reads the workbench OUs' membership", () => {
    const scenario = organisationScenario();
    const id = (key: string) => scenario.accounts[key].accountId;
    let deployment: LocalDeployment;
    let sts: StsStandin;
    let organizations: OrganizationsStandin;
    let now = 0;
    const previousEndpoint = process.env.AWS_ENDPOINT_URL_ORGANIZATIONS;

    before(async () => {
        deployment = describeDeployment(await deployStacks(scenario, "/opt/vendor/bin/license-admin"));
        sts = await startStsStandin();
        organizations = await startOrganizationsStandin(sts);
        sts.authorize = (caller, roleArn) => assumeRoleDenial(deployment, caller, roleArn);
        organizations.authorize = (roleArn, action, resourceArn) => organizationsDenial(deployment, roleArn, action, resourceArn);
        organizations.listing = organizationListing(organizationModel(scenario, scenarioSeconds) as OrganizationModel, scenario.accounts, id("governance"), () => now);
        // The Organizations client the watch makes reads its endpoint from the SDK's standard variable, as in a Lambda.
        process.env.AWS_ENDPOINT_URL_ORGANIZATIONS = organizations.endpoint;
    });
    after(async () => {
        if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_ORGANIZATIONS;
        else process.env.AWS_ENDPOINT_URL_ORGANIZATIONS = previousEndpoint;
        await organizations?.close();
        await sts?.close();
    });

    const hubFunction = (handler: string) => deployment.functions.find((f) => f.stack === "license-server" && f.handler === handler)!;
    const readerArn = () => hubFunction("hub-inventory-watch").environment[INVENTORY_WATCH_ENVIRONMENT.membershipReaderRoleArn];
    const members = (callerRoleArn: string) => {
        const stsClient = new STSClient({ ...LOCAL_CLIENT_CONFIG, endpoint: callerEndpoint(sts.endpoint, callerRoleArn) });
        const client = membershipReaderClient(readerArn(), stsClient, "us-east-1");
        return workbenchMembers(["ou-ab12-workbenches"], organizationsPort(client));
    };

    it("lets the hub's watch role assume the reader and list the workbench OUs' accounts, nested OUs included, as they are at the time", async () => {
        expect(readerArn()).to.equal(`arn:aws:iam::${id("governance")}:role/license-ops-workbench-membership-reader`);
        const watchRole = hubFunction("hub-inventory-watch").roleArn;
        now = 0;
        expect([...(await members(watchRole))].sort()).to.deep.equal([id("engineering"), id("research")].sort());
        now = 90; // the partner moved into the workbench OU at 1:00
        expect([...(await members(watchRole))].sort()).to.deep.equal([id("engineering"), id("research"), id("partner")].sort());
        now = 200; // and out to quarantine at 3:00
        expect([...(await members(watchRole))].sort()).to.deep.equal([id("engineering"), id("research")].sort());
        expect(sts.calls.every((c) => c.caller === watchRole && c.allowed)).to.equal(true);
    });

    it("refuses the reader to any other role of the hub account (the trust policy names the watch role only)", async () => {
        const syncRole = hubFunction("hub-sync").roleArn;
        let error: Error | undefined;
        await members(syncRole).catch((err: Error) => (error = err));
        expect(error?.name).to.equal("AccessDenied");
        expect(error?.message).to.contain(`${syncRole} is not authorized to perform: sts:AssumeRole`);
    });

    it("pages the listings as Organizations does, refuses unknown keys and parents, and lets the reader list only this organisation's OUs", async () => {
        const many = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`a${i}`, { accountId: String(100000000000 + i) }]));
        const model = new OrganizationModel(scenario.organization!, new Map(Object.values(many).map((a) => [a.accountId, "workbenches"])), []);
        organizations.listing = organizationListing(model, many, id("governance"), () => 0);
        const watchRole = hubFunction("hub-inventory-watch").roleArn;
        expect((await members(watchRole)).size).to.equal(45);
        const listCalls = organizations.service.calls.filter((c) => c.operation === "ListAccountsForParent" && c.input.ParentId === "ou-ab12-workbenches");
        expect(listCalls.slice(-3).map((c) => c.input.NextToken)).to.deep.equal([undefined, "20", "40"]);
        const reader = readerArn();
        expect(await organizationsDenial(deployment, reader, "organizations:ListAccountsForParent", `arn:aws:organizations::${id("governance")}:ou/o-a1b2c3d4e5/ou-ab12-workbenches`)).to.equal(undefined);
        expect(await organizationsDenial(deployment, reader, "organizations:ListAccountsForParent", `arn:aws:organizations::${id("governance")}:ou/o-otherorg000/ou-ab12-workbenches`)).to.match(/ImplicitlyDenied/);
        expect(await organizationsDenial(deployment, reader, "organizations:ListAccountsForParent", `arn:aws:organizations::${id("governance")}:root/o-a1b2c3d4e5/r-ab12`)).to.match(/ImplicitlyDenied/);
        let error: Error | undefined;
        await workbenchMembers(["ou-ab12-nosuchunit"], organizationsPort(membershipReaderClient(reader, new STSClient({ ...LOCAL_CLIENT_CONFIG, endpoint: callerEndpoint(sts.endpoint, watchRole) }), "us-east-1"))).catch((err: Error) => (error = err));
        expect(error?.name).to.equal("ParentNotFoundException");
        // Credentials no AssumeRole issued: Organizations does not know the caller.
        const stranger = new OrganizationsClient({ ...LOCAL_CLIENT_CONFIG, region: "us-east-1", endpoint: organizations.endpoint });
        await stranger.send(new ListAccountsForParentCommand({ ParentId: "ou-ab12-workbenches" })).catch((err: Error) => (error = err));
        expect(error?.name).to.equal("UnrecognizedClientException");
    });
});
