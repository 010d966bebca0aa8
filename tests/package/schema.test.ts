import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../components/lambda/bundle";
import { FRACTIONAL_NUMBERS, generatePackageSchema } from "../../tools/schema/packageSchema";
import { PROVIDED_COMPONENTS } from "../../components/provided";
import { PackageSchema, SCHEMA_FILE, SchemaProperty, readSchema } from "./schemaSupport";

type DescribedObject = { description?: string; inputProperties?: Record<string, { description?: string }>; properties?: Record<string, { description?: string }> };

/** What the schema must hold: per component, its required inputs, some optional ones, and its outputs. */
const EXPECTED: Record<string, { required: string[]; inputs: string[]; outputs: string[] }> = {
    WorkbenchAccountForwarder: {
        required: ["hubEventBusArn"],
        inputs: ["ownerTagKey", "workbenchTypeTagKey", "logRetentionDays", "alarmActions"],
        outputs: ["forwarderFunctionName", "stateChangeRuleArn", "forwardRuleArn", "deadLetterQueueUrl"],
    },
    LicenseServerHub: {
        required: ["catalog"],
        inputs: ["workbenchAccountIds", "organizationId", "syncSchedule", "syncOnChange", "licenseServerRoleNames", "tableDeletionProtection"],
        outputs: ["busArn", "busName", "tableName", "syncFunctionName", "documentName", "userListBucketName", "licenseServerPolicy"],
    },
    MultiRegionLicenseTracker: {
        required: ["licenseConfigurationArns"],
        inputs: ["scheduleExpression", "reportPrefix", "layout", "concurrency", "bucket", "timeoutSeconds"],
        outputs: ["bucketName", "bucketArn", "functionName", "scheduleRuleArn", "reportPrefix"],
    },
    LicenseConfigSet: {
        required: ["licenses"],
        inputs: ["alerts", "organizationSettings", "tags"],
        outputs: ["configurationArns", "alertTopicArn"],
    },
};

describe("the Pulumi package schema (schema.json, for `pulumi package add`)", function () {
    // Pulumi's analyzer type-checks the whole project once (about 20 s).
    this.timeout(300_000);
    let generated: PackageSchema;

    before(() => {
        generated = generatePackageSchema(projectRoot) as unknown as PackageSchema;
        if (process.env.UPDATE_SCHEMA) fs.writeFileSync(path.join(projectRoot, SCHEMA_FILE), `${JSON.stringify(generated, null, 2)}\n`);
    });

    it("is current: the committed schema (what the provider serves) is what Pulumi's analyzer makes of the sources, described", () => {
        expect(readSchema(), `${SCHEMA_FILE} is stale: run \`npm run schema:update\` and commit it`).to.deep.equal(generated);
    });

    it("holds every component under the licensing:index module, with their inputs and outputs", () => {
        const schema = readSchema();
        expect(schema.name).to.equal("licensing");
        expect(Object.keys(schema.resources).sort()).to.deep.equal(PROVIDED_COMPONENTS.map((c) => `licensing:index:${c.name}`).sort());
        for (const [component, expected] of Object.entries(EXPECTED)) {
            const resource = schema.resources[`licensing:index:${component}`];
            expect(resource.isComponent, component).to.equal(true);
            expect([...(resource.requiredInputs ?? [])].sort(), component).to.deep.equal([...expected.required].sort());
            expect(Object.keys(resource.inputProperties), component).to.include.members([...expected.required, ...expected.inputs]);
            expect(Object.keys(resource.properties), component).to.include.members(expected.outputs);
        }
    });

    it("offers the string unions TypeScript users write as enums other languages can use", () => {
        const { types } = readSchema();
        const values = (type: string) => (types[`licensing:index:${type}`].enum ?? []).map((e) => e.value);
        expect(values("CountingType")).to.deep.equal(["vCPU", "Instance", "Core", "Socket"]);
        expect(values("ReportLayout")).to.deep.equal(["dated", "hive"]);
        expect(values("Tenancy")).to.deep.equal(["EC2-Default", "EC2-DedicatedHost", "EC2-DedicatedInstance"]);
    });

    it("lets every value a user may take from another resource arrive as an output (not plain)", () => {
        const { resources, types } = readSchema();
        const hub = resources["licensing:index:LicenseServerHub"].inputProperties;
        for (const field of ["organizationId", "workbenchAccountIds", "syncSchedule", "syncTimeoutSeconds"]) expect(hub[field].plain, field).to.not.equal(true);
        const product = types["licensing:index:LicensedProduct"].properties!;
        expect(product.licenseServerInstanceId.plain).to.not.equal(true);
        expect(product.seats.plain).to.not.equal(true);
        expect(types["licensing:index:LicenseDefinition"].properties!.licenseCount.plain).to.not.equal(true);
        expect(resources["licensing:index:WorkbenchAccountForwarder"].inputProperties.hubEventBusArn.plain).to.not.equal(true);
        expect(resources["licensing:index:MultiRegionLicenseTracker"].inputProperties.scheduleExpression.plain).to.not.equal(true);
    });

    it("describes every component, type and property, for the other languages' SDK docs", () => {
        const { resources, types } = readSchema() as unknown as { resources: Record<string, DescribedObject>; types: Record<string, DescribedObject> };
        const undescribed = [...Object.entries(resources), ...Object.entries(types)].flatMap(([token, object]) => [
            ...(object.description ? [] : [token]),
            ...Object.entries({ ...object.inputProperties, ...object.properties }).flatMap(([name, p]) => (p.description ? [] : [`${token}.${name}`])),
        ]);
        expect(undescribed).to.deep.equal([]);
        expect(Object.keys(types).length).to.be.greaterThan(15);
    });

    it("types counts, days, seconds and percentages as integers; only the listed fractional numbers stay number", () => {
        const { resources, types } = readSchema();
        const numbers: string[] = [];
        const integers: string[] = [];
        const visit = (owner: string, properties: Record<string, SchemaProperty> = {}) => {
            for (const [name, p] of Object.entries(properties)) {
                const leaf = p.items ?? p.additionalProperties ?? p;
                if (leaf.type === "number") numbers.push(`${owner}.${name}`);
                if (leaf.type === "integer") integers.push(`${owner}.${name}`);
            }
        };
        for (const [token, r] of Object.entries(resources)) visit(token.split(":")[2], { ...r.inputProperties, ...r.properties });
        for (const [token, t] of Object.entries(types)) visit(token.split(":")[2], t.properties);
        expect(numbers).to.deep.equal([...FRACTIONAL_NUMBERS]);
        expect(integers).to.include.members([
            "LicensedProduct.seats",
            "LicenseDefinition.licenseCount",
            "LicenseServerHub.syncTimeoutSeconds",
            "MultiRegionLicenseTracker.concurrency",
            "AlertSettings.thresholdPercent",
            "WorkbenchStackSet.maxConcurrentPercentage",
        ]);
    });

    it("names the package in each language (what a Python, Go, .NET or Java program imports)", () => {
        const { language } = readSchema() as unknown as { language: Record<string, Record<string, string>> };
        expect(language.python.packageName).to.equal("pulumi_licensing");
        expect(language.nodejs.packageName).to.equal("pulumi-license-ops");
        expect(language.go.importBasePath).to.match(/^github\.com\/license-ops\/pulumi-license-ops\/sdk\/go\//);
        expect(language.csharp.rootNamespace).to.equal("LicenseOps");
        expect(language.java.basePackage).to.equal("io.github.licenseops");
    });
});
