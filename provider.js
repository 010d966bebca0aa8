// @ts-check
// The Pulumi component provider for other languages: package.json `main`, which PulumiPlugin.yaml's nodejs runtime
// runs (the SDK's run-plugin) after `pulumi package add`. Plain JavaScript on purpose: the plugin runner registers its
// own ts-node for .ts files, which cannot compile this project (TypeScript 6). The components come from the build in
// bin/ (`npm run build`, run by `npm install`/`npm ci` through the `prepare` script). The schema is the committed
// schema.json (tools/schema/packageSchema.ts, kept current by tests/package/schema.test.ts), not an analysis of the
// TypeScript sources at start-up: an installed package has no sources, and the analysis took 20 s of every start.
const fs = require("node:fs");
const path = require("node:path");
const { ComponentProvider } = require("@pulumi/pulumi/provider/experimental");
const { main } = require("@pulumi/pulumi/provider");
const { PACKAGE_NAME, PROVIDED_COMPONENTS } = require("./bin/components/provided");

class CommittedSchemaProvider extends ComponentProvider {
    async getSchema() {
        if (!this.cachedSchema) {
            const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "schema.json"), "utf8"));
            // Construct returns, of each component, the outputs the schema lists.
            this.componentDefinitions = Object.fromEntries(
                Object.entries(schema.resources).map(([token, resource]) => [token.split(":")[2], { outputs: resource.properties ?? {} }]),
            );
            this.cachedSchema = JSON.stringify(schema);
        }
        return this.cachedSchema;
    }
}

main(new CommittedSchemaProvider({ name: PACKAGE_NAME, components: PROVIDED_COMPONENTS, dirname: __dirname }), process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exit(1);
});
