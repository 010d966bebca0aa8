import { expect } from "chai";
import { projectRoot } from "../../components/lambda/bundle";
import { getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import * as library from "../../components";
import { PROVIDED_COMPONENTS } from "../../components/provided";
import { buildOnce } from "./build";
import { readSchema } from "./schemaSupport";
import { ProviderHarness } from "./support/providerHarness";

const TOPIC = "arn:aws:sns:eu-central-1:111111111111:license-alerts";
const HUB_BUS = "arn:aws:events:eu-central-1:222222222222:event-bus/hub-workbench-events";

/** Arguments each component is constructed with from "another language": plain values, one resource reference. */
function argumentsOf(harness: ProviderHarness): Record<string, Record<string, unknown>> {
    const table = harness.existing("aws:dynamodb/table:Table", "seats", {
        name: "seats",
        arn: "arn:aws:dynamodb:eu-central-1:111111111111:table/seats",
        streamArn: "arn:aws:dynamodb:eu-central-1:111111111111:table/seats/stream/2026-12-07T00:00:00.000",
    });
    return {
        WorkbenchAccountForwarder: { hubEventBusArn: HUB_BUS },
        LicenseServerHub: {
            workbenchAccountIds: ["333333333333"],
            catalog: { workbenchTypes: { cae: ["matlab"] }, products: { matlab: { licenseServerInstanceId: "i-0123456789abcdef0", seats: 5 } } },
        },
        MultiRegionLicenseTracker: {
            licenseConfigurationArns: ["arn:aws:license-manager:eu-central-1:111111111111:license-configuration:lic-0123456789abcdef0123456789abcdef"],
        },
        LicenseConfigSet: { licenses: { matlab: { countingType: "Instance", licenseCount: 10 } } },
        SeatLedger: {
            table,
            configurationBucketName: "hub-user-lists",
            configurationObjectKey: `configuration/hub-${"0".repeat(64)}.json`,
        },
        LicenseAnalytics: { ledgerBucketName: "hub-seat-ledger" },
        LicenseAuditTrail: { seatTableArn: "arn:aws:dynamodb:eu-central-1:111111111111:table/seats" },
        OnPremisesServers: {},
        WorkbenchGuardrails: {
            deploymentRoleArns: ["arn:aws:iam::111111111111:role/deploy"],
            provisioningRoleArns: ["arn:aws:iam::111111111111:role/provision"],
            targetIds: ["ou-ab12-workbench1"],
        },
        AlertTopic: { emailAddresses: ["ops@example.com"] },
        LicenseGrants: { distributions: { cad: { licenseArn: "arn:aws:license-manager::294406891311:license:l-0123456789abcdef0123456789abcdef", principals: ["333333333333"] } } },
        LicenseGrantAcceptances: { grantArns: ["arn:aws:license-manager::555555555555:grant:g-0123456789abcdef0123456789abcdef"] },
        LicenseBudgets: { alertTopicArn: TOPIC, budgets: { marketplace: { limitAmount: 100, costFilters: { BillingEntity: ["AWS Marketplace"] } } } },
        WorkbenchStackSet: {
            hubEventBusArn: HUB_BUS,
            organizationId: "o-abcdef1234",
            organizationalUnitIds: ["ou-ab12-workbench1"],
            regions: ["eu-central-1", "eu-west-1"],
            alarmTopicArns: { "eu-central-1": TOPIC, "eu-west-1": "arn:aws:sns:eu-west-1:111111111111:license-alerts" },
            callAs: "SELF",
        },
    };
}

/** Exported components other languages do not get, and why. */
const TYPESCRIPT_ONLY_COMPONENTS: Record<string, string> = {
    BundledFunction: "the building block of every component's Lambdas: its handler names and IAM statements are this package's internals",
};

describe("the component provider over gRPC (every component from every language; fake engine and monitor, no CLI)", function () {
    // The build bundles every handler once; each construction then takes a second or two.
    this.timeout(600_000);
    const harness = new ProviderHarness();
    let args: Record<string, Record<string, unknown>>;

    before(async () => {
        buildOnce();
        await harness.start(projectRoot);
        args = argumentsOf(harness);
    });
    after(() => harness.stop());

    it("hosts every component the package exports", () => {
        const exported = getPulumiComponents(library).map((c) => c.name).sort();
        expect(PROVIDED_COMPONENTS.map((c) => c.name).sort()).to.deep.equal(exported.filter((name) => !(name in TYPESCRIPT_ONLY_COMPONENTS)));
        expect(PROVIDED_COMPONENTS).to.have.length.of.at.least(13);
    });

    it("serves the committed schema, which lists every hosted component", async () => {
        const served = await harness.getSchema();
        expect(served).to.deep.equal(readSchema());
        expect(Object.keys(served.resources).map((t) => t.split(":")[2]).sort()).to.deep.equal(PROVIDED_COMPONENTS.map((c) => c.name).sort());
    });

    for (const component of PROVIDED_COMPONENTS.map((c) => c.name)) {
        it(`constructs ${component}: its children under it, every schema output in its state`, async () => {
            const type = `licensing:index:${component}`;
            const inputs = args[component];
            const built = await harness.construct(type, `c-${component.toLowerCase()}`, inputs);
            expect(built.urn).to.match(new RegExp(`::${type}::c-${component.toLowerCase()}$`));
            const children = built.registered.filter((r) => r.parent === built.urn);
            expect(children.length, `${component}'s children`).to.be.greaterThan(0);
            const { properties, required } = readSchema().resources[type];
            expect(required, `${component} has required outputs`).to.not.be.empty;
            expect(Object.keys(built.state), `${component}'s outputs`).to.include.members(required!);
            for (const key of Object.keys(built.state)) expect(properties, `${component}'s state names outputs of the schema`).to.have.property(key);
        });
    }

    it("answers a mistake with one line naming the field, as the engine shows it", async () => {
        const hub = args.LicenseServerHub as { catalog: { products: { matlab: object } } };
        const mistaken = { ...hub, catalog: { ...hub.catalog, products: { matlab: { ...hub.catalog.products.matlab, seats: 0 } } } };
        const error = await harness.construct("licensing:index:LicenseServerHub", "mistaken", mistaken).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(error, "construct succeeded").to.be.instanceOf(Error);
        const message = error!.message.replace(/^\d+ [A-Z_]+: /, "");
        console.log(`      (the engine is told: ${JSON.stringify(message)})`);
        expect(message).to.contain("catalog.products.matlab").and.contain("seats");
        expect(message.split("\n").filter((l) => l.trim() !== "").length, message).to.be.at.most(2);
    });

    it("refuses a type it does not host, naming it", async () => {
        const error = await harness.construct("licensing:index:LicenseServerHubb", "typo", {}).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(String(error)).to.contain("LicenseServerHubb");
    });
});
