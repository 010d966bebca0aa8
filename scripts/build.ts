/**
 * `npm run build` (and `npm pack`): the package in bin/ - the component library as JavaScript with type
 * declarations (tsconfig.build.json), the analytics SQL it reads, and every Lambda handler's bundle in bin/bundles/, the same bytes a
 * deployment from this checkout uploads. Consumers of the package need neither TypeScript nor esbuild.
 *
 * Builds once per set of inputs: `npm ci` then `npm pack` both run it (the `prepare` script), and the second finds
 * bin/ built from the same sources (bin/.inputs-sha256) and says so instead of building again. `--force` rebuilds.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { buildHandler, handlerNames, projectRoot } from "../components/lambda/bundle";

const out = path.join(projectRoot, "bin");
const stamp = path.join(out, ".inputs-sha256");
const inputs = inputsDigest();
if (!process.argv.includes("--force") && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === inputs) {
    console.error(`bin/ is current (built from these sources): not building again`);
    process.exit(0);
}
fs.rmSync(out, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(projectRoot, "tsconfig.build.json")], { stdio: "inherit" });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const bundles = path.join(out, "bundles");
fs.mkdirSync(bundles, { recursive: true });
const names = handlerNames();
for (const name of names) {
    fs.writeFileSync(path.join(bundles, `${name}.js`), buildHandler(name));
}
// The analytics SQL (views and named queries) the analytics components read at program time, next to them as in
// the repository (components/analytics/tables.ts resolves ../../analytics).
fs.cpSync(path.join(projectRoot, "analytics"), path.join(out, "analytics"), { recursive: true, filter: (source) => fs.statSync(source).isDirectory() || source.endsWith(".sql") });
// The forwarder's StackSet template (rendered and committed beside its reader, components/stackset/).
fs.mkdirSync(path.join(out, "components", "stackset"), { recursive: true });
fs.copyFileSync(
    path.join(projectRoot, "components", "stackset", "workbench-forwarder.template.json"),
    path.join(out, "components", "stackset", "workbench-forwarder.template.json"),
);
console.error(`built ${path.relative(projectRoot, out)}/: the library and ${names.length} handler bundles`);
fs.writeFileSync(stamp, inputs);

/** SHA-256 over every file the build reads (sources, SQL, the template, the lockfile, the build settings). */
function inputsDigest(): string {
    const hash = createHash("sha256");
    const walk = (dir: string): string[] =>
        fs.readdirSync(path.join(projectRoot, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const files = [...["components", "functions", "analytics", "scripts"].flatMap(walk), "index.ts", "package-lock.json", "tsconfig.json", "tsconfig.build.json"].sort();
    for (const file of files) hash.update(file).update("\0").update(fs.readFileSync(path.join(projectRoot, file))).update("\0");
    return hash.digest("hex");
}
