import { spawnSync } from "node:child_process";
import { projectRoot } from "../../components/lambda/bundle";

let built = false;

/** Runs `npm run build` (bin/: the library, the provider's components, the handler bundles) once per test run. */
export function buildOnce(): void {
    if (built) return;
    const result = spawnSync("npm", ["run", "-s", "build"], { cwd: projectRoot, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`npm run build failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    built = true;
}
