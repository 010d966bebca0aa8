import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { projectRoot } from "../../components/lambda/bundle";
import { buildOnce } from "./build";
import { PackageSchema, SCHEMA_FILE, readSchema } from "./schemaSupport";

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

/**
 * Starts the component provider the way Pulumi runs a nodejs plugin (the SDK's run-plugin on this directory, which
 * loads package.json `main`) and asks it for its schema over gRPC. Resolves with the schema; stops the provider.
 */
async function schemaFromPlugin(): Promise<PackageSchema> {
    const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const plugin = spawn(process.execPath, [path.join(sdk, "cmd", "run-plugin"), projectRoot], { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    plugin.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
        const port = await new Promise<string>((resolve, reject) => {
            let stdout = "";
            plugin.stdout.on("data", (chunk: Buffer) => {
                stdout += chunk.toString();
                const line = /^(\d+)\n/.exec(stdout);
                if (line) resolve(line[1]);
            });
            plugin.on("exit", (code) => reject(new Error(`the provider exited (${code}) before listening:\n${stdout}\n${stderr}`)));
        });
        const grpc = require(require.resolve("@grpc/grpc-js", { paths: [sdk] }));
        const { ResourceProviderClient } = require(path.join(sdk, "proto", "provider_grpc_pb"));
        const { GetSchemaRequest } = require(path.join(sdk, "proto", "provider_pb"));
        const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        try {
            return await new Promise<PackageSchema>((resolve, reject) =>
                client.getSchema(new GetSchemaRequest(), (err: Error | null, response: { getSchema(): string }) => (err ? reject(err) : resolve(JSON.parse(response.getSchema())))),
            );
        } finally {
            client.close();
        }
    } finally {
        plugin.kill();
    }
}

describe("the Pulumi package schema (schema.json, for `pulumi package add`)", function () {
    // The provider's analyzer type-checks the whole project once; the build before it bundles every handler.
    this.timeout(900_000);
    let generated: PackageSchema;

    before(async () => {
        buildOnce();
        generated = await schemaFromPlugin();
        if (process.env.UPDATE_SCHEMA) fs.writeFileSync(path.join(projectRoot, SCHEMA_FILE), `${JSON.stringify(generated, null, 2)}\n`);
    });

    it("is current: the committed schema is what the component provider (package.json `main`, run as Pulumi runs plugins) serves", () => {
        expect(readSchema(), `${SCHEMA_FILE} is stale: run \`npm run schema:update\` and commit it`).to.deep.equal(generated);
    });

    it("holds the four components under the licensing:index module, with their inputs and outputs", () => {
        const schema = readSchema();
        expect(schema.name).to.equal("licensing");
        expect(Object.keys(schema.resources).sort()).to.deep.equal(Object.keys(EXPECTED).map((c) => `licensing:index:${c}`).sort());
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
});
