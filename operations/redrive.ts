/**
 * npm run redrive -- --queue-url <url> [--max <n>] [--dry-run]
 *
 * Moves the dead-lettered events of one SQS queue back to where they came from (operations/redrive/redrive.ts), with
 * the credentials and region of the environment (AWS_PROFILE, AWS_REGION, ...), in the account that owns the queue.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { parseCommandLine } from "../sandbox/commandLine";
import { awsRedrivePorts } from "./redrive/awsPorts";
import { redrive } from "./redrive/redrive";

const HELP = `Usage: npm run redrive -- --queue-url <url> [--max <n>] [--dry-run]

Moves dead-lettered events back to where they came from: EventBridge dead letters to their Lambda target (invoked
again) or to their rule's bus (put again, so the rule forwards them); Lambda failure records to their function.
Each message is deleted only once its redelivery was accepted. Safe to run twice: the hub applies events
idempotently. Messages it cannot redrive stay in the queue and are listed.

  --queue-url <url>  the dead-letter queue (stack outputs deadLetterQueueUrl, streamFailureQueueUrl, ...)
  --max <n>          stop after n messages (default 1000)
  --dry-run          only print what would be done (messages are hidden for 2 minutes, then visible again)`;

async function main(): Promise<number> {
    const values = parseCommandLine({ "queue-url": { type: "string" }, max: { type: "string" }, "dry-run": { type: "boolean" } }, HELP);
    if (typeof values === "number") return values;
    const queueUrl = values["queue-url"];
    if (typeof queueUrl !== "string" || !/^https?:\/\/\S+\/\d{12}\/[A-Za-z0-9_-]{1,80}$/.test(queueUrl)) {
        console.error(`--queue-url must be an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)\n\n${HELP}`);
        return 2;
    }
    const max = values.max === undefined ? 1000 : Number(values.max);
    if (!Number.isInteger(max) || max < 1) {
        console.error(`--max must be a positive integer (got ${JSON.stringify(values.max)})`);
        return 2;
    }
    const clients = { sqs: new SQSClient({}), lambda: new LambdaClient({}), events: new EventBridgeClient({}) };
    const report = await redrive(awsRedrivePorts(clients, queueUrl), { max, dryRun: values["dry-run"] === true, log: (line) => console.log(line) });
    console.log(`${report.redriven} redriven, ${report.kept.length} kept in the queue`);
    return report.kept.some((k) => k.reason.startsWith("redelivery failed")) ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(`redrive failed: ${(err as Error).message}`);
        process.exit(1);
    },
);
