/**
 * `npm start`: runs the license system locally, end to end (see sandbox.ts and docs/sandbox.md). Exits 0 when the
 * license servers end with exactly the scenario's expected lists and every step's expectation held, 1 when not, 2 on
 * bad options, 130 on Ctrl-C.
 */
import * as path from "node:path";
import { DEFAULT_SCENARIO_FILE } from "./world/scenarioFile";
import { DEFAULT_OUT_DIR, DEFAULT_SPEED, SandboxAborted, runSandbox } from "./sandbox";
import { parseCommandLine } from "./commandLine";

const HELP = `Usage: npm start -- [options]

Runs the whole license system on this machine: the stacks' programs under Pulumi mocks (one license-server
stack, one governance stack, one workbench stack per workbench account), the deployed Lambda bundles in local
containers, DynamoDB (dynalite), S3 (s3rver) and stand-ins for EventBridge, SSM, EC2, License Manager and SNS on
127.0.0.1. A scenario of workbench starts and stops plays on a scaled clock; the timeline, the seats per product
after each sync, the usage report files and a final check of the license servers' lists are printed.

Options:
  --scenario FILE      scenario to play (JSON; format in docs/local-sandbox.md). Default:
                       ${path.relative(process.cwd(), DEFAULT_SCENARIO_FILE)}
  --speed N            scenario seconds per real second (default ${DEFAULT_SPEED}: rate(1 minute) fires every second)
  --out DIR            output directory: bundles, Lambda logs, license server files, timeline.log (default
                       ${path.relative(process.cwd(), DEFAULT_OUT_DIR) || "."}); a run locks it, a second run on it refuses to start
  --verbose            also print the syncs that found nothing to do
  --keep-running       after the scenario, keep the sandbox up (schedules keep firing) and open a control endpoint
                       for \`npm run sandbox:fire\`; stop with Ctrl-C
  --control-port N     port of the control endpoint (default: a free port; see <out>/endpoints.json)
  --help               show this help

Exit code: 0 when every license server holds exactly the expected users, every step's expectation held (see
docs/sandbox.md) and the run settled; 1 otherwise.`;

async function main(): Promise<number> {
    const values = parseCommandLine(
        {
            scenario: { type: "string" },
            speed: { type: "string" },
            out: { type: "string" },
            verbose: { type: "boolean" },
            "keep-running": { type: "boolean" },
            "control-port": { type: "string" },
        },
        HELP,
    );
    if (typeof values === "number") return values;
    const speed = values.speed === undefined ? DEFAULT_SPEED : Number(values.speed);
    const controlPort = values["control-port"] === undefined ? 0 : Number(values["control-port"]);
    if (!(speed > 0) || !Number.isInteger(controlPort) || controlPort < 0 || controlPort > 65535) {
        console.error(`--speed must be a positive number and --control-port a port number.\n\n${HELP}`);
        return 2;
    }

    const abort = new AbortController();
    const stop = () => {
        if (abort.signal.aborted) process.exit(130);
        console.error("\nStopping the sandbox (Ctrl-C again to exit at once)...");
        abort.abort();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    try {
        const result = await runSandbox({
            scenario: values.scenario === undefined ? undefined : path.resolve(String(values.scenario)),
            speed,
            outDir: values.out === undefined ? undefined : path.resolve(String(values.out)),
            verbose: Boolean(values.verbose),
            keepRunning: Boolean(values["keep-running"]),
            controlPort,
            signal: abort.signal,
        });
        return result.ok ? 0 : 1;
    } catch (err) {
        if (err instanceof SandboxAborted) return 130;
        console.error(values.verbose ? `sandbox failed: ${(err as Error).stack ?? err}` : `sandbox failed: ${(err as Error).message ?? err}\n(--verbose shows where)`);
        return 1;
    }
}

main().then((code) => process.exit(code));
