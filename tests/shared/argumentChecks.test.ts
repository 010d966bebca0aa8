import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { LicenseServerHub, LicenseServerHubArgs } from "../../components/hub/licenseServerHub";
import { WorkbenchAccountForwarder } from "../../components/workbench/workbenchAccountForwarder";
import { LicenseConfigSet } from "../../components/config/licenseConfigSet";
import { WorkbenchGuardrails } from "../../components/trust/workbenchGuardrails";
import { LicenseGrants } from "../../components/config/licenseGrants";
import { WorkbenchStackSet } from "../../components/stackset/workbenchStackSet";
import { EXTRA_REGIONS_VARIABLE } from "../../components/shared/argumentChecks";
import { ArgumentError } from "../../components/shared/validation";
import { RecordedResource, runUnderMocks } from "../support/pulumiMocks";
import { errorOf, rejectionOf } from "../support/errors";
import { CATALOG } from "../hub/support/fixtures";

const HUB: LicenseServerHubArgs = { catalog: CATALOG, workbenchAccountIds: ["222222222222"] };
const BUS = "arn:aws:events:eu-central-1:999999999999:event-bus/hub-workbench-events";
/** What a platform team's program would hand over: not a literal, so TypeScript's excess-property check does not run. */
const fromConfig = <T>(value: object) => value as T;

/** The one error a program under mocks fails with, and what it registered before. */
async function failure(program: () => unknown): Promise<{ error: Error; registered: RecordedResource[] }> {
    let registered: RecordedResource[] = [];
    const error = await rejectionOf(
        runUnderMocks(() => {
            const result = program();
            return result;
        }).then((r) => (registered = r.resources)),
    );
    return { error, registered };
}

describe("argument mistakes: one line naming the field, whether the value is plain or an Output", function () {
    this.timeout(120_000);

    it("refuses top-level typos in an args object that is not a literal, with a did-you-mean", () => {
        expect(errorOf(() => new LicenseServerHub("hub", fromConfig({ ...HUB, syncScheduel: "rate(5 minutes)" }))).message).to.equal(
            'hub: unknown argument "syncScheduel" (did you mean "syncSchedule"?)',
        );
        expect(errorOf(() => new WorkbenchAccountForwarder("wb", fromConfig({ hubEventBusArn: BUS, alarmAction: ["arn:aws:sns:eu-central-1:111111111111:ops"] }))).message).to.equal(
            'wb: unknown argument "alarmAction" (did you mean "alarmActions"?)',
        );
    });

    it("refuses alerts: false instead of creating every alert resource, and says how to turn alerts off", () => {
        const error = errorOf(() => new LicenseConfigSet("licenses", fromConfig({ licenses: { oracle: { countingType: "vCPU", licenseCount: 8 } }, alerts: false })));
        expect(error.message).to.equal("licenses: alerts: false is not an alerts setting; write { enabled: false } to turn the alerts off, or leave it out for the defaults");
    });

    it("refuses an Output where a value decides which resources exist (syncOnChange: pulumi.output(false) is not true)", () => {
        const error = errorOf(() => new LicenseServerHub("hub", fromConfig({ ...HUB, syncOnChange: pulumi.output(false) })));
        expect(error.message).to.equal("hub: syncOnChange must be a plain value, not an Output: it decides which resources exist (pass the value itself)");
        const guard = errorOf(
            () => new WorkbenchGuardrails("guard", fromConfig({ deploymentRoleArns: ["arn:aws:iam::*:role/deploy"], provisioningRoleArns: ["arn:aws:iam::*:role/provision"], targetIds: pulumi.output(["ou-ab12-workbench1"]) })),
        );
        expect(guard.message).to.equal("guard: targetIds must be a plain value, not an Output: it decides which resources exist (pass the value itself)");
        expect(guard.message).not.to.contain("toJSON");
    });

    it("checks cron fields and region names against what AWS accepts, with an escape hatch for regions newer than the package", async () => {
        expect(errorOf(() => new LicenseServerHub("hub", { ...HUB, syncSchedule: "cron(0 61 * * ? *)" })).message).to.match(/^hub: syncSchedule: "cron\(0 61 \* \* \? \*\)": hours "61" is outside 0-23\.?$/);
        const grants = errorOf(
            () => new LicenseGrants("grants", { distributions: { matlab: { licenseArn: "arn:aws:license-manager::111111111111:license:l-0123456789abcdef0123456789abcdef", principals: ["222222222222"], homeRegion: "us-middle-1" } } }),
        );
        expect(grants.message).to.contain('distributions.matlab.homeRegion "us-middle-1" is not an AWS region').and.to.contain(`set ${EXTRA_REGIONS_VARIABLE}=us-middle-1`);
        const stackSet = (regions: string[]) =>
            new WorkbenchStackSet("ws", { hubEventBusArn: BUS, organizationId: "o-abcdef1234", organizationalUnitIds: ["ou-ab12-workbench1"], regions, alarmTopicArns: Object.fromEntries(regions.map((r) => [r, `arn:aws:sns:${r}:111111111111:ops`])) });
        expect(errorOf(() => stackSet(["eu-central-7"])).message).to.equal('ws: regions: "eu-central-7" is not an AWS region (did you mean "eu-central-1"?); a region newer than this package: set LICENSE_OPS_EXTRA_REGIONS=eu-central-7');
        process.env[EXTRA_REGIONS_VARIABLE] = "eu-central-7";
        try {
            const { resources } = await runUnderMocks(() => stackSet(["eu-central-7"]));
            expect(resources.some((r) => r.type === "aws:cloudformation/stackSetInstance:StackSetInstance")).to.equal(true);
        } finally {
            delete process.env[EXTRA_REGIONS_VARIABLE];
        }
    });

    it("reports a mistake in a value that arrives as an Output once, as one line under 400 characters, with no serialization prefixes", async () => {
        const { error } = await failure(
            () =>
                new LicenseServerHub("hub", {
                    ...HUB,
                    catalog: { ...CATALOG, products: { ...CATALOG.products, matlab: { licenseServerInstanceId: pulumi.output("i-0123456789abcdef0"), seats: pulumi.output(0) } } },
                }),
        );
        expect(error).to.be.instanceOf(ArgumentError);
        expect(error.message).to.equal("hub: catalog.products.matlab: seats must be a positive integer, or left out for unlimited (got 0)");
        expect(error.message.length).to.be.lessThan(400);
        expect(error.message).not.to.contain("error serializing property");
        expect(String(error.stack).split("\n")).to.have.length(1);
        expect(require("node:util").inspect(error)).to.equal(`ArgumentError: ${error.message}`);
    });
});
