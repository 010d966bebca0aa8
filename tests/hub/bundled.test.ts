import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { ASSIGNMENT_ENVIRONMENT, CHANGE_MARKER_ENVIRONMENT, SYNC_ENVIRONMENT, seatChangeStreamFilter } from "../../components/hub/definitions";
import { putHubConfiguration } from "./support/hubConfigurationFixture";
import { parseBundle } from "../../functions/hub-shared/bundle";
import { dynamoSyncTablePorts } from "../../functions/hub-sync/tablePorts";
import { startDynalite, LocalDynamo } from "../../sandbox/aws/dynalite";
import { matchesPattern } from "../../sandbox/aws/eventPattern";
import { S3RVER_CREDENTIALS, startS3rver, LocalS3 } from "../../sandbox/aws/s3rver";
import { startSsmStandin, SsmStandin } from "../../sandbox/aws/ssmStandin";
import { CATALOG, WORKBENCH_ACCOUNT, workbenchEvent } from "./support/fixtures";
import { rawItems, streamRecordsBetween } from "./support/hubTable";
import { loadDeployedHandler } from "../support/bundles";

const BUCKET = "hub-user-lists";

type Handler = (event: unknown, context?: unknown) => Promise<any>;

/** Loads a handler's deployable bundle with the given environment. */
function loadBundle(dir: string, name: string, env: Record<string, string>): Handler {
    Object.assign(process.env, env);
    return loadDeployedHandler(name, dir).handler;
}

describe("hub handlers as bundled for Lambda, against local endpoints", function () {
    this.timeout(60_000);
    let dir: string;
    let dynamo: LocalDynamo;
    let s3: LocalS3;
    let ssm: SsmStandin;
    let savedEnv: NodeJS.ProcessEnv;

    before(async () => {
        savedEnv = { ...process.env };
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "hub-bundles-"));
        dynamo = await startDynalite();
        s3 = await startS3rver();
        await s3.createBucket(BUCKET);
        ssm = await startSsmStandin();
        // The SDK's standard configuration variables: how the same bundle reaches local stand-ins instead of AWS.
        Object.assign(process.env, {
            AWS_REGION: "eu-central-1",
            AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
            AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
            AWS_ENDPOINT_URL_SSM: ssm.endpoint,
            AWS_ENDPOINT_URL_S3: s3.endpoint,
            AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
            AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
            POWERTOOLS_LOG_LEVEL: "SILENT",
            POWERTOOLS_METRICS_DISABLED: "true",
        });
    });
    after(async () => {
        for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
        Object.assign(process.env, savedEnv);
        await ssm.close();
        await s3.close();
        await dynamo.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("turns a workbench start into a user list on the license server, end to end", async () => {
        const table = await dynamo.createHubTable();
        // The catalog and admission list travel in the hub configuration object, as the component deploys them.
        const configurationEnv = await putHubConfiguration(s3.client, BUCKET, CATALOG, [WORKBENCH_ACCOUNT]);
        const assignment = loadBundle(dir, "hub-assignment", {
            ...configurationEnv,
            [ASSIGNMENT_ENVIRONMENT.tableName]: table,
            [ASSIGNMENT_ENVIRONMENT.tombstoneRetentionSeconds]: String(7 * 86400),
        });
        const changeMarker = loadBundle(dir, "hub-change-marker", { [CHANGE_MARKER_ENVIRONMENT.tableName]: table });
        const sync = loadBundle(dir, "hub-sync", {
            [SYNC_ENVIRONMENT.tableName]: table,
            ...configurationEnv,
            [SYNC_ENVIRONMENT.userListBucket]: BUCKET,
            [SYNC_ENVIRONMENT.documentName]: "hub-install-user-list",
            [SYNC_ENVIRONMENT.configurationFingerprint]: "doc-1",
            [SYNC_ENVIRONMENT.pollIntervalMs]: "10",
        });
        const installed = new Map<string, string[]>();
        const commands = new Map<string, string[]>();
        /** A license server that checks the bundle's checksum and installs every list in it. */
        const install = async (parameters: Record<string, string[]>) => {
            const { body } = await s3.getText(BUCKET, parameters.bundleObjectKey[0]);
            if (createHash("sha256").update(body).digest("hex") !== parameters.bundleSha256[0]) return "Failed" as const;
            for (const product of parseBundle(body)) {
                installed.set(product.product, product.users);
                commands.set(product.product, product.command);
            }
            return "Success" as const;
        };
        ssm.executor = async (_document, _instance, parameters) => install(parameters);

        // A start from now (the bundle uses the real clock), through the assignment bundle.
        const start = workbenchEvent({ user: "alice", type: "cae-standard" });
        const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        start.detail["ec2-event-time"] = now;
        (start as any).time = now;
        const before = await rawItems(dynamo.client, table);
        expect(await assignment(start)).to.deep.include({ outcome: "applied", state: "started", seatsAdded: 2 });
        expect(await assignment({ ...start, account: "999999999999" })).to.deep.include({ outcome: "rejected" });

        // The stream records those writes produce, filtered as the event source mapping does, through the marker bundle.
        const marks = async () => (await dynamoSyncTablePorts(dynamo.documents, table).changeMarks()).map((m) => `${m.product}:${m.changes}`).sort();
        const records = streamRecordsBetween(before, await rawItems(dynamo.client, table), table).filter((r) => matchesPattern(seatChangeStreamFilter(), r));
        expect(records).to.have.length(2);
        expect(await changeMarker({ Records: records } satisfies DynamoDBStreamEvent)).to.deep.equal({ batchItemFailures: [] });
        expect(await marks()).to.deep.equal(["ansys:1", "matlab:1"]);

        // The sync bundle: reads the marks and rows, writes one bundle per license server to S3, runs the document, records the deliveries.
        const context = { getRemainingTimeInMillis: () => 30_000 };
        expect(await sync({ source: "aws.events", "detail-type": "Scheduled Event" }, context)).to.deep.include({ outcome: "synced", commands: 2, sent: ["ansys", "matlab"] });
        expect(installed.get("matlab")).to.deep.equal(["alice"]);
        expect(installed.get("ansys")).to.deep.equal(["alice"]);
        expect(commands.get("matlab")).to.deep.equal(CATALOG.products.matlab.command);
        expect(commands.get("ansys")).to.deep.equal([]);
        expect(await marks()).to.deep.equal([]);
        expect(await sync({}, context)).to.deep.include({ outcome: "unchanged" });

        // A failed install makes the bundled sync fail (error alarm) and the next tick retry.
        const stop = workbenchEvent({ user: "alice", type: "cae-standard", ec2State: "stopped" });
        const later = new Date(Date.parse(now) + 1000).toISOString().replace(/\.\d+Z$/, "Z");
        stop.detail["ec2-event-time"] = later;
        const beforeStop = await rawItems(dynamo.client, table);
        await assignment(stop);
        const removals = streamRecordsBetween(beforeStop, await rawItems(dynamo.client, table), table).filter((r) => matchesPattern(seatChangeStreamFilter(), r));
        expect(removals.map((r) => r.eventName)).to.deep.equal(["REMOVE", "REMOVE"]);
        await changeMarker({ Records: removals });
        ssm.executor = async () => "Failed";
        let error: unknown;
        await sync({}, context).catch((e) => (error = e));
        expect(String(error)).to.match(/user lists not delivered for ansys, matlab/);
        expect(await marks()).to.deep.equal(["ansys:1", "matlab:1"]);
        ssm.executor = async (_document, _instance, parameters) => install(parameters);
        // After the servers' backoff (the bundle reads the real clock: 20 s ahead, so their backoff has passed).
        const realNow = Date.now;
        Date.now = () => realNow() + 20_000;
        try {
            expect(await sync({}, context)).to.deep.include({ outcome: "synced", sent: ["ansys", "matlab"] });
        } finally {
            Date.now = realNow;
        }
        expect(installed.get("matlab")).to.deep.equal([]);
    });
});
