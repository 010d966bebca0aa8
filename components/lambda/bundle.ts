import * as path from "node:path";
import * as fs from "node:fs";
import { createHash } from "node:crypto";
import type * as esbuild from "esbuild";
import * as pulumi from "@pulumi/pulumi";
import { BuiltBundle, BundleCache } from "./bundleCache";

/** Repository root (or `bin/` of the built package): `functions/` and `components/` live directly below it. */
export const projectRoot = path.resolve(__dirname, "..", "..");

/** Folder holding one sub-folder per Lambda handler (`functions/<name>/index.ts`). */
export const functionsRoot = path.join(projectRoot, "functions");

/**
 * Where the built package keeps every handler's bundle (`bundles/<name>.js` under `bin/`, written by `npm run
 * build`): a program using the installed package deploys these bytes and needs no bundler, no handler sources and no
 * AWS SDK. A repository checkout has none, so it always bundles its current sources.
 */
export const prebuiltBundlesRoot = path.join(projectRoot, "bundles");

/** esbuild target matching the Lambda runtime the components deploy (nodejs22.x). */
export const bundleTarget = "node22";

const FUNCTION_NAME = /^[a-z][a-z0-9-]{1,62}$/;
const bundleCache = new Map<string, string>();
/** Bundles of this checkout across processes (tests, `npm start`), by the content of their inputs (bundleCache.ts). */
const diskCache = new BundleCache(path.join(projectRoot, "node_modules", ".cache", "license-ops-bundles"), projectRoot);

function assertHandlerName(functionName: string): void {
    if (!FUNCTION_NAME.test(functionName)) {
        throw new Error(`Lambda handler name "${functionName}" must be lower-case letters, digits and dashes.`);
    }
}

/** The handlers in `functions/` (folders with an `index.ts`), sorted. */
export function handlerNames(): string[] {
    return fs
        .readdirSync(functionsRoot, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(functionsRoot, entry.name, "index.ts")))
        .map((entry) => entry.name)
        .sort();
}

/** Absolute path of a handler's entry point; throws when the handler does not exist. */
export function handlerEntryPoint(functionName: string): string {
    assertHandlerName(functionName);
    const entry = path.join(functionsRoot, functionName, "index.ts");
    if (!fs.existsSync(entry)) {
        throw new Error(`Lambda handler "${functionName}" not found: expected ${path.relative(projectRoot, entry)}.`);
    }
    return entry;
}

/**
 * Bundles `functions/<name>/index.ts` and everything it imports (AWS SDK v3 included, so the deployed code does
 * not depend on the SDK version the runtime happens to ship) into one CommonJS file, in memory.
 *
 * The output is deterministic: paths in it are relative to the repository root, no timestamps, no source map
 * with absolute paths. So the archive hash only changes when the code does, wherever the repository is cloned.
 * A checkout keeps its bundles in node_modules/.cache/license-ops-bundles, reused while every input file hashes the
 * same (bundleCache.ts): the same bytes esbuild would produce, without running it again in every process.
 */
export function bundleHandler(functionName: string): string {
    let code = bundleCache.get(functionName);
    if (code === undefined) {
        code = prebuiltBundle(functionName) ?? diskCache.get(functionName, buildSettingsKey(), () => buildWithInputs(functionName));
        bundleCache.set(functionName, code);
    }
    return code;
}

/** The bundle the built package ships for a handler, if this is the built package. */
function prebuiltBundle(functionName: string): string | undefined {
    assertHandlerName(functionName);
    const file = path.join(prebuiltBundlesRoot, `${functionName}.js`);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/** Runs esbuild for one handler, without the caches `bundleHandler` keeps. */
export function buildHandler(functionName: string): string {
    return buildWithInputs(functionName).code;
}

function esbuildModule(): typeof esbuild {
    // A build-time tool, loaded only when bundling sources: the built package runs without it.
    return require("esbuild") as typeof esbuild;
}

/** The settings every handler is built with; the disk cache keys on them and on esbuild's version. */
const BUILD_OPTIONS = {
    bundle: true,
    write: false,
    platform: "node",
    format: "cjs",
    target: bundleTarget,
    minify: true,
    keepNames: true,
    legalComments: "none",
    sourcemap: false,
    // Some SDK dependencies ship both CJS and ESM; prefer the ESM entry so tree shaking works.
    mainFields: ["module", "main"],
    logLevel: "silent",
    metafile: true,
} as const satisfies esbuild.BuildOptions;

function buildSettingsKey(): string {
    return createHash("sha256").update(JSON.stringify({ esbuild: esbuildModule().version, options: BUILD_OPTIONS })).digest("hex");
}

function buildWithInputs(functionName: string): BuiltBundle {
    const result = esbuildModule().buildSync({ ...BUILD_OPTIONS, entryPoints: [handlerEntryPoint(functionName)], absWorkingDir: projectRoot });
    if (result.errors.length > 0 || result.outputFiles.length !== 1) {
        const messages = result.errors.map((e) => e.text).join("; ");
        throw new Error(`Bundling Lambda handler "${functionName}" failed: ${messages}`);
    }
    return { code: result.outputFiles[0].text, inputs: Object.keys(result.metafile.inputs) };
}

/** The deployable archive of one handler: a single `index.js` exporting `handler`. */
export function handlerArchive(functionName: string): pulumi.asset.AssetArchive {
    return new pulumi.asset.AssetArchive({
        "index.js": new pulumi.asset.StringAsset(bundleHandler(functionName)),
    });
}

/** Short sha256 of a handler's bundle: tagged on the function so a code change is visible in plans and the console. */
export function bundleDigest(functionName: string): string {
    return createHash("sha256").update(bundleHandler(functionName)).digest("hex").slice(0, 16);
}
