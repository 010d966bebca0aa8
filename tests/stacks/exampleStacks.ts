import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { deployStack } from "../../stacks";
import { projectRoot } from "../../components/lambda/bundle";
import { RecordedResource, runUnderMocks } from "../support/pulumiMocks";

export const STACKS_DIR = path.join(projectRoot, "stacks");
export const PLANS_DIR = path.join(STACKS_DIR, "plans");

/** The example stacks shipped in stacks/, with the account each one is deployed to in tests. */
export const EXAMPLE_STACKS = {
    "license-server": { accountId: "222222222222" },
    "workbench-dev": { accountId: "111111111111" },
    governance: { accountId: "555555555555" },
} as const;
export type ExampleStack = keyof typeof EXAMPLE_STACKS;

/** What a license-server stack exports, as the workbench stack's StackReference sees it in tests. */
export const LICENSE_SERVER_OUTPUTS = { hubEventBusArn: "arn:aws:events:eu-central-1:222222222222:event-bus/hub-bus" };

/** A stack file's `config:` section, flattened the way the Pulumi engine hands it to a program (objects as JSON). */
export function stackConfig(stack: string): Record<string, string> {
    const file = path.join(STACKS_DIR, `Pulumi.${stack}.yaml`);
    const document = yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    return Object.fromEntries(Object.entries(document.config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
}

/** The provider default tags a stack file sets (`aws:defaultTags`). */
export function stackDefaultTags(stack: string): Record<string, string> {
    const raw = stackConfig(stack)["aws:defaultTags"];
    return raw ? (JSON.parse(raw).tags ?? {}) : {};
}

/** Runs an example stack's program under mocks, with its own configuration file, and returns what it registers. */
export async function runExampleStack(
    stack: ExampleStack,
    overrides: Record<string, string> = {},
): Promise<{ outputs: Record<string, unknown>; resources: RecordedResource[] }> {
    const { result, resources } = await runUnderMocks(() => deployStack(), {
        stack,
        account: { accountId: EXAMPLE_STACKS[stack].accountId },
        config: { ...stackConfig(stack), ...overrides },
        stackOutputs: { "my-org/license-ops/license-server": LICENSE_SERVER_OUTPUTS },
    });
    const outputs: Record<string, unknown> = {};
    for (const [key, output] of Object.entries(result)) {
        outputs[key] = await new Promise((resolve) => output.apply((v) => resolve(v)));
    }
    return { outputs, resources };
}

const recorded = new Map<ExampleStack, Promise<RecordedResource[]>>();

/** What an example stack registers with its own configuration, run once per test process (read-only callers). */
export function exampleStackResources(stack: ExampleStack): Promise<RecordedResource[]> {
    if (!recorded.has(stack)) recorded.set(stack, runExampleStack(stack).then((r) => r.resources));
    return recorded.get(stack)!;
}
