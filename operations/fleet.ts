/**
 * npm run fleet -- <preview|up|drift|status> [options]
 *
 * Operates the whole estate with one command: the project's Pulumi stacks (stacks/Pulumi.<stack>.yaml, in deployment
 * order) and the workbench forwarder's StackSet across every account-region of the workbench OUs (docs/fleet.md).
 * Credentials and region from the environment; run where the Pulumi CLI is installed for the stacks' part.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { parseCommandLine } from "../sandbox/commandLine";
import { awsFleetPorts } from "./fleet/awsPorts";
import { FleetCommand, runFleet } from "./fleet/run";
import { automationStackOperation, projectStacks } from "./fleet/stacks";
import { progressReporter } from "./fleet/progress";

const HELP = `Usage: npm run fleet -- <preview|up|drift|status> [options]

  preview   what every stack and every workbench account-region would change (nothing is changed)
  up        deploy the stacks in order, then bring every account-region of the workbench OUs to the StackSet's template
  drift     detect drift of every stack instance, list the drifted ones (exit 1 when any drifted)
  status    every account-region's state (exit 1 when any is failed or inoperable)

  --stack-settings <name>  governance stack whose workbenchStackSet setting gives the OUs, regions and prefix
                           (default governance: stacks/Pulumi.governance.yaml)
  --only <stacks|accounts> only the Pulumi stacks, or only the workbench account-regions
  --concurrency <n>        StackSets operations (and stacks of one wave) at once (default 4)
  --batch <n>              accounts per StackSets operation (default 100)
  --checkpoint <file>      resume file for up (default .fleet/<stack set>.json); an interrupted run continues from it
  --fresh                  ignore the checkpoint and start over
  --call-as <SELF|DELEGATED_ADMIN>  as the management account (default) or a delegated administrator`;

const COMMANDS = ["preview", "up", "drift", "status"] as const;

async function main(): Promise<number> {
    const [command, ...rest] = process.argv.slice(2);
    process.argv.splice(2, process.argv.length, ...rest);
    if (!(COMMANDS as readonly string[]).includes(command)) {
        console.error(`${command === undefined ? "a command is required" : `unknown command ${JSON.stringify(command)}`}\n\n${HELP}`);
        return command === "--help" || command === "-h" ? 0 : 2;
    }
    const values = parseCommandLine(
        {
            "stack-settings": { type: "string" },
            only: { type: "string" },
            concurrency: { type: "string" },
            batch: { type: "string" },
            checkpoint: { type: "string" },
            fresh: { type: "boolean" },
            "call-as": { type: "string" },
        },
        HELP,
    );
    if (typeof values === "number") return values;
    const positive = (name: string, fallback: number) => {
        const value = values[name] === undefined ? fallback : Number(values[name]);
        if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${name} must be a positive integer (got ${JSON.stringify(values[name])})`);
        return value;
    };
    const only = values.only as string | undefined;
    if (only !== undefined && only !== "stacks" && only !== "accounts") throw new UsageError(`--only must be stacks or accounts (got ${JSON.stringify(only)})`);
    const callAs = (values["call-as"] as string | undefined) ?? "SELF";
    if (callAs !== "SELF" && callAs !== "DELEGATED_ADMIN") throw new UsageError(`--call-as must be SELF or DELEGATED_ADMIN (got ${JSON.stringify(callAs)})`);

    const root = path.resolve(__dirname, "..");
    const settingsStack = (values["stack-settings"] as string | undefined) ?? "governance";
    const setting = stackSetSetting(path.join(root, "stacks", `Pulumi.${settingsStack}.yaml`));
    const stackSetName = `${setting.namePrefix ?? "license-ops"}-workbench-forwarder`;
    const checkpoint = values.fresh ? undefined : ((values.checkpoint as string | undefined) ?? path.join(root, ".fleet", `${stackSetName}.json`));
    if (values.fresh && values.checkpoint === undefined) fs.rmSync(path.join(root, ".fleet", `${stackSetName}.json`), { force: true });
    if (checkpoint) fs.mkdirSync(path.dirname(checkpoint), { recursive: true });

    const ports = awsFleetPorts(
        { organizations: new OrganizationsClient({}), cloudFormation: new CloudFormationClient({}) },
        { stackSetName, ouIds: setting.organizationalUnitIds, callAs, maxConcurrentPercentage: setting.maxConcurrentPercentage ?? 10, failureTolerancePercentage: setting.failureTolerancePercentage ?? 5 },
    );
    const report = await runFleet(command as FleetCommand, {
        stacks: only === "accounts" ? [] : projectStacks(path.join(root, "stacks")),
        stackOperation: automationStackOperation(root, path.join(root, "policy"), assumeRole),
        accounts: only === "stacks" ? undefined : { ports, ouIds: setting.organizationalUnitIds, regions: setting.regions },
        concurrency: positive("concurrency", 4),
        batchSize: positive("batch", 100),
        checkpointFile: checkpoint,
        progress: progressReporter(process.stderr, stackSetName),
        print: (line) => console.log(line),
    });
    // The summary as Markdown: in the CI run's summary, and in .fleet/summary.md (the pull request comment).
    const summaryFile = process.env.GITHUB_STEP_SUMMARY;
    if (summaryFile) fs.appendFileSync(summaryFile, `${report.markdown.join("\n")}\n`);
    fs.mkdirSync(path.join(root, ".fleet"), { recursive: true });
    fs.writeFileSync(path.join(root, ".fleet", "summary.md"), `${report.markdown.join("\n")}\n`);
    return report.exitCode;
}

/** The governance stack's `workbenchStackSet` setting: the OUs and regions the fleet covers. */
function stackSetSetting(file: string): { organizationalUnitIds: string[]; regions: string[]; namePrefix?: string; maxConcurrentPercentage?: number; failureTolerancePercentage?: number } {
    if (!fs.existsSync(file)) throw new UsageError(`${file} does not exist (--stack-settings names a stack of stacks/)`);
    const config = (yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, any> })?.config ?? {};
    const setting = config["license-ops:workbenchStackSet"];
    if (!setting || !Array.isArray(setting.organizationalUnitIds) || !Array.isArray(setting.regions)) {
        throw new UsageError(`${path.basename(file)} has no license-ops:workbenchStackSet with organizationalUnitIds and regions`);
    }
    return setting;
}

/** A one-hour session of `roleArn` as the caller (the CI identity), as the AWS_* variables a stack's Pulumi run reads. */
async function assumeRole(roleArn: string): Promise<Record<string, string>> {
    const { Credentials } = await new STSClient({}).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "license-ops-fleet", DurationSeconds: 3600 }));
    if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey || !Credentials.SessionToken) throw new Error(`assuming ${roleArn} returned no credentials`);
    return { AWS_ACCESS_KEY_ID: Credentials.AccessKeyId, AWS_SECRET_ACCESS_KEY: Credentials.SecretAccessKey, AWS_SESSION_TOKEN: Credentials.SessionToken };
}

class UsageError extends Error {}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err instanceof UsageError ? `${err.message}\n\n${HELP}` : `fleet failed: ${(err as Error).message}`);
        process.exit(err instanceof UsageError ? 2 : 1);
    },
);
