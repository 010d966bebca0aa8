import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bundleHandler } from "../../components/lambda/bundle";

export type BundledHandler = (event: unknown, context?: unknown) => Promise<any>;

/**
 * Loads a handler's deployable bundle (the exact `index.js` its component uploads) the way Lambda does: written to
 * a folder of its own and required from there. The module reads its environment when it loads, so set
 * `process.env` first. `remove()` deletes the folder.
 */
export function loadDeployedHandler(name: string, parentDir?: string): { handler: BundledHandler; dir: string; remove(): void } {
    const dir = parentDir ? path.join(parentDir, name) : fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "index.js");
    fs.writeFileSync(file, bundleHandler(name));
    const { handler } = require(file) as { handler: BundledHandler };
    return { handler, dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
