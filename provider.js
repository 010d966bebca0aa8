// @ts-check
// The Pulumi component provider for other languages: package.json `main`, which PulumiPlugin.yaml's nodejs runtime
// runs (the SDK's run-plugin) after `pulumi package add`. Plain JavaScript on purpose: the plugin runner registers its
// own ts-node for .ts files, which cannot compile this project (TypeScript 6). The components come from the build in
// bin/ (`npm run build`, run by `npm install`/`npm ci` through the `prepare` script); the SDK's analyzer infers the
// schema from the TypeScript sources next to this file (tsconfig.json). schema.json is the committed copy.
const { componentProviderHost } = require("@pulumi/pulumi/provider/experimental");
const { PACKAGE_NAME, PROVIDED_COMPONENTS } = require("./bin/components/provided");

componentProviderHost({ name: PACKAGE_NAME, components: PROVIDED_COMPONENTS, dirname: __dirname }).catch((err) => {
    console.error(err);
    process.exit(1);
});
