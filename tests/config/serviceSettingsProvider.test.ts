import { expect } from "chai";
import Module from "node:module";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LicenseManagerClient } from "@aws-sdk/client-license-manager";
import {
    ServiceSettingsLogic,
    ServiceSettingsOutputs,
    diffServiceSettings,
    serviceSettingsCheckFailures,
    serviceSettingsProvider,
} from "../../components/config/serviceSettingsProvider";
import { licenseManagerServiceSettingsProvider } from "../../components/config/licenseManagerServiceSettings";
import { LOCAL_CLIENT_CONFIG } from "../../sandbox/aws/awsJsonServer";
import { LicenseManagerStandin, startLicenseManagerStandin } from "../../sandbox/aws/licenseManagerStandin";

const REGION = "eu-central-1";

describe("LicenseManagerServiceSettings provider (against the License Manager stand-in)", () => {
    let lm: LicenseManagerStandin;
    let logic: ServiceSettingsLogic;
    const writes = () => lm.calls.filter((c) => c.operation === "UpdateServiceSettings");
    const settings = (region = REGION) => lm.state.settings.get(region) ?? {};

    before(async () => {
        lm = await startLicenseManagerStandin();
        const clientFor = (region: string) => new LicenseManagerClient({ ...LOCAL_CLIENT_CONFIG, region, endpoint: lm.endpoint });
        logic = new ServiceSettingsLogic(clientFor);
    });
    after(() => lm.close());
    beforeEach(() => {
        lm.state.settings.clear();
        lm.calls.length = 0;
        lm.regions.length = 0;
    });

    it("create reads the current settings, remembers them, and turns on what is wanted", async () => {
        lm.state.settings.set(REGION, { S3BucketArn: "arn:aws:s3:::aws-license-manager-service-abc" });
        const { id, outs } = await logic.create({ region: REGION, organizationIntegration: true, crossAccountDiscovery: true });
        expect(id).to.equal("license-manager-service-settings:eu-central-1");
        expect(outs!.previous).to.deep.equal({ organizationIntegration: false, crossAccountDiscovery: false });
        expect(writes()).to.have.length(1);
        expect(writes()[0].input).to.deep.equal({ OrganizationConfiguration: { EnableIntegration: true }, EnableCrossAccountsDiscovery: true });
        expect(settings()).to.deep.equal({
            S3BucketArn: "arn:aws:s3:::aws-license-manager-service-abc",
            OrganizationConfiguration: { EnableIntegration: true },
            EnableCrossAccountsDiscovery: true,
        });
        // The client signed for the resource's Region, whatever the process default is.
        expect(lm.regions.every((r) => r === REGION)).to.equal(true);
    });

    it("create writes nothing when the settings are already as wanted (idempotent, safe to retry)", async () => {
        lm.state.settings.set(REGION, { OrganizationConfiguration: { EnableIntegration: true } });
        const { outs } = await logic.create({ region: REGION, organizationIntegration: true });
        expect(writes()).to.have.length(0);
        expect(outs!.previous).to.deep.equal({ organizationIntegration: true });
    });

    it("diff reports no changes for identical inputs (no API call), updates for a value, replaces for a Region", async () => {
        const { outs } = await logic.create({ region: REGION, organizationIntegration: true });
        const callsBefore = lm.calls.length;
        expect(diffServiceSettings(outs!, { region: REGION, organizationIntegration: true })).to.deep.include({ changes: false, replaces: [] });
        expect(diffServiceSettings(outs!, { region: REGION, organizationIntegration: true, keepSettingsOnDelete: false })).to.include({ changes: false });
        expect(diffServiceSettings(outs!, { region: REGION, organizationIntegration: false }).changes).to.equal(true);
        expect(diffServiceSettings(outs!, { region: REGION, organizationIntegration: true, keepSettingsOnDelete: true }).changes).to.equal(true);
        expect(diffServiceSettings(outs!, { region: "us-east-1", organizationIntegration: true })).to.deep.include({ changes: true, replaces: ["region"] });
        expect(lm.calls.length).to.equal(callsBefore);
    });

    it("update applies the new values, keeps the original baseline, and records it for newly managed fields", async () => {
        const { outs } = await logic.create({ region: REGION, organizationIntegration: true });
        const updated = (await logic.update(outs!, { region: REGION, organizationIntegration: true, crossAccountDiscovery: true })).outs!;
        expect(updated.previous).to.deep.equal({ organizationIntegration: false, crossAccountDiscovery: false });
        expect(writes().map((w) => w.input)).to.deep.equal([
            { OrganizationConfiguration: { EnableIntegration: true } },
            { EnableCrossAccountsDiscovery: true },
        ]);
        // An update to the same values writes nothing.
        await logic.update(updated, { region: REGION, organizationIntegration: true, crossAccountDiscovery: true });
        expect(writes()).to.have.length(2);
    });

    it("update that stops managing a field turns back what this resource changed on it", async () => {
        const { outs } = await logic.create({ region: REGION, organizationIntegration: true, crossAccountDiscovery: true });
        const updated = (await logic.update(outs!, { region: REGION, organizationIntegration: true })).outs!;
        expect(settings().EnableCrossAccountsDiscovery).to.equal(false);
        expect(updated.previous).to.deep.equal({ organizationIntegration: false });
    });

    it("delete restores the previous settings (turns off what it turned on) and is idempotent", async () => {
        const { outs } = await logic.create({ region: REGION, organizationIntegration: true, crossAccountDiscovery: true });
        expect(await logic.delete(outs!)).to.have.members(["organizationIntegration", "crossAccountDiscovery"]);
        expect(settings()).to.deep.include({ OrganizationConfiguration: { EnableIntegration: false }, EnableCrossAccountsDiscovery: false });
        expect(await logic.delete(outs!)).to.deep.equal([]);
        expect(writes()).to.have.length(2);
    });

    it("delete leaves alone what was already on before, what someone changed since, and everything when kept", async () => {
        lm.state.settings.set(REGION, { OrganizationConfiguration: { EnableIntegration: true } });
        const { outs } = await logic.create({ region: REGION, organizationIntegration: true, crossAccountDiscovery: true });
        // Already on before create: not ours to turn off. Cross-account discovery: someone turned it off already.
        lm.state.settings.set(REGION, { OrganizationConfiguration: { EnableIntegration: true }, EnableCrossAccountsDiscovery: false });
        expect(await logic.delete(outs!)).to.deep.equal([]);
        expect(settings()).to.deep.equal({ OrganizationConfiguration: { EnableIntegration: true }, EnableCrossAccountsDiscovery: false });

        lm.state.settings.clear();
        const kept = (await logic.create({ region: REGION, organizationIntegration: true, keepSettingsOnDelete: true })).outs!;
        const callsBefore = lm.calls.length;
        expect(await logic.delete(kept)).to.deep.equal([]);
        expect(lm.calls.length).to.equal(callsBefore);
        expect(settings()).to.deep.include({ OrganizationConfiguration: { EnableIntegration: true } });
    });

    it("read reports live values of the managed fields (drift), and adopts both on import", async () => {
        const { id, outs } = await logic.create({ region: REGION, organizationIntegration: true });
        lm.state.settings.set(REGION, { OrganizationConfiguration: { EnableIntegration: false }, EnableCrossAccountsDiscovery: true });
        const read = await logic.read(id, outs!);
        expect(read.props).to.deep.include({ organizationIntegration: false });
        expect(read.props).not.to.have.property("crossAccountDiscovery");
        expect(diffServiceSettings(read.props!, { region: REGION, organizationIntegration: true }).changes).to.equal(true);

        const imported = await logic.read("license-manager-service-settings:eu-central-1", undefined);
        expect(imported.props).to.deep.equal({
            region: REGION,
            organizationIntegration: false,
            crossAccountDiscovery: true,
            previous: { organizationIntegration: false, crossAccountDiscovery: true },
        });
    });

    it("check refuses a bad Region, non-boolean values and an empty resource", () => {
        expect(serviceSettingsCheckFailures({ region: REGION, organizationIntegration: true })).to.deep.equal([]);
        const failures = serviceSettingsCheckFailures({ region: "Frankfurt", crossAccountDiscovery: "yes" as any });
        expect(failures.map((f) => f.property)).to.deep.equal(["region", "crossAccountDiscovery"]);
        expect(serviceSettingsCheckFailures({ region: REGION })[0].reason).to.match(/at least one/);
    });

    it("the provider object drives the same logic through Pulumi's dynamic-provider interface", async () => {
        const provider = serviceSettingsProvider((region) => new LicenseManagerClient({ ...LOCAL_CLIENT_CONFIG, region, endpoint: lm.endpoint }));
        expect(await provider.check!({} as any, { region: "nowhere" } as any)).to.have.property("failures");
        const created = await provider.create({ region: REGION, crossAccountDiscovery: true });
        expect(settings().EnableCrossAccountsDiscovery).to.equal(true);
        await provider.delete!(created.id, created.outs as ServiceSettingsOutputs);
        expect(settings().EnableCrossAccountsDiscovery).to.equal(false);
    });

    it("still works once Pulumi has serialized it (what runs during pulumi up), with a small closure", async () => {
        const serialized = await pulumi.runtime.serializeFunction(() => licenseManagerServiceSettingsProvider, { allowSecrets: true });
        expect(serialized.text.length).to.be.lessThan(40_000);
        expect(serialized.text).not.to.contain("@pulumi/aws");
        expect(serialized.text).not.to.contain("@pulumi/pulumi");

        // Load the serialized module the way the dynamic provider host does: plain JS in its own module scope.
        const file = path.join(__dirname, "serialized-provider.js");
        const mod = new Module(file, module);
        mod.filename = file;
        mod.paths = (Module as any)._nodeModulePaths(__dirname);
        (mod as any)._compile(serialized.text, file);
        const revived = (mod.exports as any)[serialized.exportName]();

        // The production client factory: default credential chain, endpoint from the SDK's standard variable.
        const env = { AWS_ENDPOINT_URL_LICENSE_MANAGER: lm.endpoint, AWS_ACCESS_KEY_ID: "AKIDLOCAL", AWS_SECRET_ACCESS_KEY: "local-secret" };
        const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
        Object.assign(process.env, env);
        try {
            const created = await revived.create({ region: REGION, organizationIntegration: true });
            expect(created.outs.previous).to.deep.equal({ organizationIntegration: false });
            expect(settings().OrganizationConfiguration).to.deep.equal({ EnableIntegration: true });
            await revived.delete(created.id, created.outs);
            expect(settings().OrganizationConfiguration).to.deep.equal({ EnableIntegration: false });
        } finally {
            for (const [k, v] of Object.entries(saved)) {
                if (v === undefined) delete process.env[k];
                else process.env[k] = v;
            }
        }
    });
});
