import { HUB_CONFIGURATION_ENVIRONMENT } from "../../functions/hub-shared/environment";
import { parseHubConfiguration } from "../../functions/hub-shared/hubConfiguration";
import { expect } from "chai";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { builtinModules } from "node:module";
import { bundleDigest, handlerNames, projectRoot } from "../../components/lambda/bundle";
import { buildOnce } from "./build";
import { ProviderHarness } from "./support/providerHarness";
import { PROVIDED_COMPONENTS } from "../../components/provided";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

const packageName = (specifier: string) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

/** The analytics SQL files of this checkout, relative to analytics/. */
const analyticsSql = () => ["views", "queries"].flatMap((dir) => fs.readdirSync(path.join(projectRoot, "analytics", dir)).filter((f) => f.endsWith(".sql")).map((f) => `${dir}/${f}`));

/** Runs a command, failing with its output when it fails. */
function run(command: string, args: string[], cwd: string): string {
    const result = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
}

/** A symlink to this checkout's installed copy of a package: an offline install of what the package declares. */
function linkInstalled(consumer: string, name: string): void {
    const target = path.join(consumer, "node_modules", name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync(path.join(projectRoot, "node_modules", name), target, "dir");
}

describe("the packed package in a team's own program (npm pack, tsc with Pulumi's defaults, plain node)", function () {
    // Building the package and compiling against @pulumi/aws's declarations take a while on a busy machine.
    this.timeout(900_000);
    const consumer = fs.mkdtempSync(path.join(os.tmpdir(), "license-ops-consumer-"));
    let files: string[];
    let manifest: Record<string, any>;
    let registered: Registered[];
    const byName = (type: string, name: string) => {
        const found = registered.find((r) => r.type === type && r.name === name);
        if (!found) throw new Error(`no ${type} ${name}; have ${registered.filter((r) => r.type === type).map((r) => r.name).join(", ")}`);
        return found.inputs;
    };

    before(() => {
        // `npm pack` would build first (the prepare script); the build is shared with the provider's test instead.
        buildOnce();
        const [packed] = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", consumer], projectRoot));
        files = packed.files.map((f: { path: string }) => f.path);

        // Install offline: the tarball unpacked as node_modules/pulumi-license-ops, and every dependency and peer it
        // declares linked from this checkout's node_modules. Nothing else is there, so an undeclared import fails.
        const installed = path.join(consumer, "node_modules", "pulumi-license-ops");
        fs.mkdirSync(installed, { recursive: true });
        run("tar", ["-xzf", path.join(consumer, packed.filename), "-C", installed, "--strip-components=1"], consumer);
        manifest = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8"));
        for (const name of [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {}), "@types/node"]) {
            linkInstalled(consumer, name);
        }

        const project = path.join(__dirname, "consumer-project");
        for (const file of fs.readdirSync(project)) fs.copyFileSync(path.join(project, file), path.join(consumer, file));
        run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", consumer], consumer);
        registered = JSON.parse(run(process.execPath, [path.join(consumer, "bin", "index.js")], consumer));
    });

    after(() => fs.rmSync(consumer, { recursive: true, force: true }));

    it("ships the compiled library, its declarations, every handler's bundle and the licence, and nothing else", () => {
        expect(files).to.include.members(["package.json", "LICENSE", "bin/index.js", "bin/index.d.ts", ...handlerNames().map((h) => `bin/bundles/${h}.js`), ...analyticsSql().map((f) => `bin/analytics/${f}`)]);
        // npm always packs `main`: provider.js, the entry of the component provider for other languages.
        // schema.json and PulumiPlugin.yaml: what the provider serves and how Pulumi runs it, from node_modules too.
        const unexpected = files.filter((f) => !f.startsWith("bin/") && !["package.json", "LICENSE", "README.md", "CHANGELOG.md", "provider.js", "schema.json", "PulumiPlugin.yaml"].includes(f));
        expect(unexpected).to.deep.equal([]);
        expect(files.filter((f) => /^(bin\/)?(tests|bench|sandbox|\.github|stacks|policy)\//.test(f) || f.endsWith(".ts") && !f.endsWith(".d.ts"))).to.deep.equal([]);
    });

    it("runs as the component provider from node_modules (no TypeScript sources there) and serves every component", async () => {
        const harness = new ProviderHarness();
        try {
            await harness.start(path.join(consumer, "node_modules", "pulumi-license-ops"));
            const schema = await harness.getSchema();
            expect(Object.keys(schema.resources)).to.have.length(PROVIDED_COMPONENTS.length);
            const topic = await harness.construct("licensing:index:AlertTopic", "alerts", { emailAddresses: ["ops@example.com"] });
            expect(topic.state).to.have.property("topicArn");
        } finally {
            await harness.stop();
        }
    });

    it("requires at run time only Node built-ins and the packages it declares, and declares none it does not require", () => {
        const installed = path.join(consumer, "node_modules", "pulumi-license-ops");
        const required = new Set<string>();
        for (const file of files.filter((f) => f.endsWith(".js") && !f.startsWith("bin/bundles/"))) {
            const code = fs.readFileSync(path.join(installed, file), "utf8");
            for (const [, specifier] of code.matchAll(/require\("([^".][^"]*)"\)/g)) {
                // components/lambda/bundle.js loads esbuild only to bundle handler sources, which the package never
                // does: every handler ships prebuilt (checked below) and esbuild is not installed here.
                if (specifier === "esbuild" && file === "bin/components/lambda/bundle.js") continue;
                if (!specifier.startsWith("node:") && !builtinModules.includes(specifier)) required.add(packageName(specifier));
            }
        }
        const declared = [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})];
        expect([...required].sort()).to.deep.equal(declared.sort());
    });

    it("needs one copy of the Pulumi SDKs (peer ranges) and no build tools at run time", () => {
        expect(manifest.peerDependencies).to.have.keys("@pulumi/pulumi", "@pulumi/aws");
        for (const range of Object.values(manifest.peerDependencies)) expect(range).to.match(/^\^\d+\.\d+\.\d+$/);
        expect(Object.keys(manifest.dependencies ?? {})).to.not.include.members(["@pulumi/pulumi", "@pulumi/aws", "esbuild", "tsx", "typescript"]);
        expect(manifest.exports["."]).to.deep.equal({ types: "./bin/index.d.ts", default: "./bin/index.js" });
    });

    it("creates the four components from the package root", () => {
        for (const [type, name] of [
            ["licensing:index:LicenseServerHub", "hub"],
            ["licensing:index:WorkbenchAccountForwarder", "workbench"],
            ["licensing:index:LicenseConfigSet", "licenses"],
            ["licensing:index:MultiRegionLicenseTracker", "usage"],
        ]) {
            expect(byName(type, name)).to.exist;
        }
    });

    it("passes the program's outputs into the hub: server id, seats, organisation, account ids, schedule, timeout, roles", () => {
        const sync = byName("aws:lambda/function:Function", "hub-sync");
        const configuration = byName("aws:s3/bucketObjectv2:BucketObjectv2", "hub-configuration");
        expect(sync.environment.variables[HUB_CONFIGURATION_ENVIRONMENT.key]).to.equal(configuration.key);
        const hubConfiguration = parseHubConfiguration(configuration.key, configuration.content);
        expect(hubConfiguration.products).to.deep.equal({ matlab: { instanceId: "i-0123456789abcdef0", seats: 25 } });
        // The listed accounts reach the assignment Lambda in the configuration object; the bus admits the organisation.
        expect(hubConfiguration.admission.accountIds).to.deep.equal(["222222222222"]);
        expect(sync.timeout).to.equal(400);
        expect(byName("aws:cloudwatch/eventRule:EventRule", "hub-sync").scheduleExpression).to.equal("rate(2 minutes)");
        const busPolicy = JSON.stringify(byName("aws:cloudwatch/eventBusPolicy:EventBusPolicy", "hub-workbench-events").policy);
        expect(busPolicy).to.contain("o-abcdef1234").and.to.contain("arn:aws:iam::*:role/license-ops-workbench-to-hub*");
        expect(byName("aws:iam/rolePolicy:RolePolicy", "hub-license-server-0").role).to.equal("license-server");
    });

    it("reports a mistake in a value that arrives as an output as one line under 400 characters naming the field (hub, config set, guardrails)", () => {
        const cases: Array<[string, string]> = [
            ["hub", "hub: catalog.products.matlab: seats must be a positive integer"],
            ["config-set", "licenses: licenses.workstation"],
            ["guardrails", 'guardrails: deploymentRoleArns: "arn:aws:iam::*:role/*" has a wildcard in the role name'],
        ];
        for (const [mistake, field] of cases) {
            const result = spawnSync(process.execPath, [path.join(consumer, "bin", "index.js")], { cwd: consumer, encoding: "utf8", env: { ...process.env, CONSUMER_MISTAKE: mistake } });
            expect(result.status, `${mistake}: the program fails`).to.not.equal(0);
            const lines = result.stderr.split("\n").filter((l) => l.trim() !== "");
            const naming = lines.filter((l) => l.includes(field));
            expect(naming, `${mistake}: one line names the field:\n${result.stderr.slice(0, 2000)}`).to.have.length(1);
            expect(naming[0].length, naming[0]).to.be.lessThan(400);
            expect(result.stderr, mistake).not.to.contain("error serializing property");
            expect(lines.length, `${mistake}: ${lines.length} lines of error output`).to.be.at.most(10);
        }
    });

    it("passes the hub's bus ARN into the forwarder of the workbench account", () => {
        const target = byName("aws:cloudwatch/eventTarget:EventTarget", "workbench-to-hub");
        expect(target.arn).to.equal("arn:aws:events:eu-central-1:111111111111:event-bus/hub-workbench-events");
        expect(byName("aws:cloudwatch/logGroup:LogGroup", "workbench-forwarder-logs").retentionInDays).to.equal(90);
    });

    it("passes counts, AMI ids, e-mail addresses, threshold and schedule into the license set", () => {
        expect(byName("aws:licensemanager/licenseConfiguration:LicenseConfiguration", "licenses-workstation")).to.deep.include({ licenseCount: 64, licenseCountingType: "Core" });
        expect(byName("aws:licensemanager/association:Association", "licenses-workstation-ami0").resourceArn).to.equal("arn:aws:ec2:eu-central-1::image/ami-0fedcba9876543210");
        expect(byName("aws:sns/topicSubscription:TopicSubscription", "licenses-alerts-email-input0").endpoint).to.equal("licensing@example.com");
        expect(byName("aws:cloudwatch/eventRule:EventRule", "licenses-check").scheduleExpression).to.equal("rate(3 hours)");
        expect(byName("aws:cloudwatch/metricAlarm:MetricAlarm", "licenses-usage-workstation").threshold).to.equal(75);
    });

    it("passes configuration ARNs, schedule, concurrency and key into the tracker", () => {
        const list = JSON.parse(byName("aws:s3/bucketObjectv2:BucketObjectv2", "usage-license-configurations").content);
        expect(list.licenseConfigurationArns).to.have.length(2);
        for (const arn of list.licenseConfigurationArns) expect(arn).to.match(/^arn:aws:license-manager:eu-central-1:111111111111:license-configuration:lic-[0-9a-f]{32}$/);
        expect(byName("aws:cloudwatch/eventRule:EventRule", "usage-schedule").scheduleExpression).to.equal("cron(0 6 * * ? *)");
        expect(byName("aws:lambda/function:Function", "usage-report").environment.variables.CONCURRENCY).to.equal("4");
        expect(JSON.stringify(byName("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "usage-reports-encryption"))).to.contain(
            "arn:aws:kms:eu-central-1:111111111111:key/reports",
        );
    });

    it("creates the analytics' named queries from the SQL files the package ships", () => {
        const queries = registered.filter((r) => r.type === "aws:athena/namedQuery:NamedQuery");
        const sources = fs.readdirSync(path.join(projectRoot, "analytics", "queries")).filter((f) => f.endsWith(".sql"));
        expect(queries.map((q) => q.inputs.name).sort()).to.deep.equal(sources.map((f) => f.replace(/\.sql$/, "")).sort());
        for (const query of queries) {
            expect(query.inputs.query).to.equal(fs.readFileSync(path.join(projectRoot, "analytics", "queries", `${query.inputs.name}.sql`), "utf8").trim());
        }
    });

    it("deploys the shipped bundles, byte for byte what this checkout's sources bundle to", () => {
        const functions = registered.filter((r) => r.type === "aws:lambda/function:Function");
        expect(functions.length).to.be.greaterThan(4);
        for (const fn of functions) {
            const handler = fn.inputs.tags["licensing:handler"];
            const shipped = fs.readFileSync(path.join(consumer, "node_modules", "pulumi-license-ops", "bin", "bundles", `${handler}.js`));
            const digest = createHash("sha256").update(shipped).digest("hex").slice(0, 16);
            expect(fn.inputs.tags["licensing:bundle-sha256"], fn.name).to.equal(digest);
            expect(digest, fn.name).to.equal(bundleDigest(handler));
        }
    });
});
