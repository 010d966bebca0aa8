import * as path from "node:path";

/**
 * The sandbox's default output directory: `.sandbox/` at the repository root (gitignored). Kept apart from
 * sandbox.ts so the fire command starts without loading Pulumi.
 */
export const DEFAULT_OUT_DIR = path.resolve(__dirname, "..", ".sandbox");
