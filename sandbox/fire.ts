/**
 * `npm run sandbox:fire -- --account <account> --instance <instance> --state <state> [--owner <user> --type <type>]`:
 * makes EC2 report one state change to a sandbox started with `npm start -- --keep-running`. The running sandbox
 * prints what happens to the event on its console.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FIRE_PATH, FireRequest, FireResponse } from "./runtime/control";
import { EC2_STATES } from "./world/scenario";
import { DEFAULT_OUT_DIR } from "./runtime/outDir";
import { parseCommandLine } from "./commandLine";

const HELP = `Usage: npm run sandbox:fire -- --account ACCOUNT --instance INSTANCE --state STATE [--owner USER --type TYPE] [--out DIR]

Sends one EC2 instance state-change event into a running sandbox (start it with \`npm start -- --keep-running\`).

  --account ACCOUNT    workbench account: its key in the scenario (e.g. engineering) or its account id
  --instance INSTANCE  an instance of the scenario (e.g. bob-cae) or an EC2 instance id (i-...)
  --state STATE        ${EC2_STATES.join(" | ")}
  --owner USER         tag the instance with this owner (a new instance needs --owner and --type)
  --type TYPE          tag the instance with this workbench type
  --out DIR            the sandbox's output directory, where endpoints.json is (default ${path.relative(process.cwd(), DEFAULT_OUT_DIR) || "."})`;

/** Reads the control endpoint a sandbox started with --keep-running wrote to `<outDir>/endpoints.json`. */
export function controlEndpoint(outDir = DEFAULT_OUT_DIR): string {
    const file = path.join(outDir, "endpoints.json");
    if (!fs.existsSync(file)) throw new Error(`${file} does not exist: start the sandbox with \`npm start -- --keep-running\` first`);
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { control: string }).control;
}

/** Sends the state change to the sandbox's control endpoint. */
export async function fireStateChange(endpoint: string, request: FireRequest): Promise<FireResponse> {
    const response = await fetch(`${endpoint}${FIRE_PATH}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });
    const body = (await response.json()) as FireResponse & { error?: string };
    if (!response.ok) throw new Error(body.error ?? `the sandbox answered ${response.status}`);
    return body;
}

async function main(): Promise<number> {
    const values = parseCommandLine(
        {
            account: { type: "string" },
            instance: { type: "string" },
            state: { type: "string" },
            owner: { type: "string" },
            type: { type: "string" },
            out: { type: "string" },
        },
        HELP,
    );
    if (typeof values === "number") return values;
    if (!values.account || !values.instance || !values.state) {
        console.error(`--account, --instance and --state are required.\n\n${HELP}`);
        return 2;
    }
    try {
        const endpoint = controlEndpoint(values.out === undefined ? undefined : path.resolve(String(values.out)));
        const fired = await fireStateChange(endpoint, {
            account: String(values.account),
            instance: String(values.instance),
            state: String(values.state),
            owner: values.owner === undefined ? undefined : String(values.owner),
            type: values.type === undefined ? undefined : String(values.type),
        });
        console.log(`EC2 event ${fired.eventId}: ${fired.instanceId} in ${fired.accountId} ${values.state} at ${fired.time}; see the sandbox's console for what follows.`);
        return 0;
    } catch (err) {
        console.error(`sandbox:fire: ${(err as Error).message}`);
        return 1;
    }
}

if (require.main === module) void main().then((code) => process.exit(code));
