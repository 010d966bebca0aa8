import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { BatchWriteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { awsSyncPorts } from "../../functions/hub-sync/awsPorts";
import { dynamoSyncTablePorts } from "../../functions/hub-sync/tablePorts";
import { ProductFailure, SyncOutcome, SyncPorts, syncUserLists } from "../../functions/hub-sync/sync";
import { assignSeats } from "../../functions/hub-assignment/assignment";
import { dynamoAssignmentPorts } from "../../functions/hub-assignment/awsPorts";
import { DEFAULT_WORK_DIRECTORY } from "../../components/hub/licenseServerDocument";
import type { SandboxEvent } from "../../sandbox/runtime/events";
import { testLicenseServerFleet } from "../support/licenseServerFleet";
import type { SyncConfig } from "../../functions/hub-shared/config";
import { SYNC_GENERATION_KEY, seatRowKey } from "../../functions/hub-shared/tableKeys";
import { LICENSE_DOCUMENT_PARAMETERS } from "../../functions/hub-shared/userList";
import { syncCatalog } from "../../components/hub/catalog";
import { LOCAL_CLIENT_CONFIG } from "../../sandbox/aws/awsJsonServer";
import { startDynalite, LocalDynamo } from "../../sandbox/aws/dynalite";
import { startS3rver, LocalS3 } from "../../sandbox/aws/s3rver";
import { startSsmStandin, SsmStandin, StandinCommand } from "../../sandbox/aws/ssmStandin";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { ANSYS_SERVER, CATALOG, HOSTILE_USER_IDS, MATLAB_SERVER, NOW, assignmentConfig, workbenchEvent } from "./support/fixtures";
import { EventPipeline } from "./support/pipeline";

const BUCKET = "hub-user-lists";
const DOCUMENT = "hub-install-user-list";
const OTHER_SERVER = "i-0eeeeeeeeeeeeeee1";

describe("hub sync (dynalite, s3rver, SSM stand-in running the hub's document on sandbox license servers)", function () {
    this.timeout(60_000);
    let dynamo: LocalDynamo;
    let s3: LocalS3;
    let ssm: SsmStandin;
    let ssmClient: SSMClient;
    let table: string;
    let pipeline: EventPipeline;
    let telemetry: RecordingTelemetry;
    let config: SyncConfig;
    /** The license servers: the hub's real document (its shell script run with sh) and the sandbox's vendor CLI. */
    let fleet: ReturnType<typeof testLicenseServerFleet>;
    let fleetDir: string;
    /** Every product's outcome on a license server, in order. */
    let serverEvents: Array<Extract<SandboxEvent, { kind: "license-server" }>>;
    /** Runs inside the fake license server before it runs a command (to interleave changes with a sync, or hang it). */
    let duringInstall: ((instanceId: string, products: string[]) => Promise<void>) | undefined;
    /** Query pages of seat rows the sync read, per seat partition. */
    let seatQueryPages: Record<string, number>;
    /** Releases of commands a test holds on a license server (called after each test, should it fail first). */
    let releases: Array<() => void>;

    before(async () => {
        dynamo = await startDynalite();
        s3 = await startS3rver();
        await s3.createBucket(BUCKET);
        ssm = await startSsmStandin({ invocationVisibleAfterPolls: 1 });
        ssmClient = new SSMClient({ ...LOCAL_CLIENT_CONFIG, endpoint: ssm.endpoint, maxAttempts: 1 });
        // Count Query pages the sync reads (the real client, through a middleware).
        dynamo.documents.middlewareStack.add(
            (next, context) => async (args) => {
                const pk = (args.input as { ExpressionAttributeValues?: Record<string, unknown> }).ExpressionAttributeValues?.[":pk"];
                if (context.commandName === "QueryCommand" && String(pk).startsWith("SEAT#")) seatQueryPages[String(pk)] = (seatQueryPages[String(pk)] ?? 0) + 1;
                return next(args);
            },
            { step: "initialize", name: "countQueryPages" },
        );
    });
    after(async () => {
        ssmClient.destroy();
        await ssm.close();
        await s3.close();
        await dynamo.close();
    });

    beforeEach(async () => {
        table = await dynamo.createHubTable();
        ssm.commands.length = 0;
        fleetDir = fs.mkdtempSync(path.join(os.tmpdir(), "hub-sync-servers-"));
        serverEvents = [];
        fleet = testLicenseServerFleet({
            dir: fleetDir,
            bucket: BUCKET,
            documentName: DOCUMENT,
            instanceIds: [MATLAB_SERVER, ANSYS_SERVER, OTHER_SERVER],
            s3: s3.client,
            onEvent: (event) => {
                if (event.kind === "license-server") serverEvents.push(event);
            },
        });
        duringInstall = undefined;
        seatQueryPages = {};
        releases = [];
        pipeline = new EventPipeline(dynamo, table);
        telemetry = new RecordingTelemetry();
        // simulink has no workbench type: its list stays empty, and it shares matlab's license server.
        const products = { ...syncCatalog(CATALOG), simulink: { instanceId: MATLAB_SERVER } };
        config = {
            tableName: table,
            products: Object.fromEntries(Object.entries(products).map(([name, target]) => [name, { ...target, command: fleet.vendorCommand }])),
            userListBucket: BUCKET,
            documentName: DOCUMENT,
            configurationFingerprint: "config-1",
            deliveryTimeoutSeconds: 60,
            pollIntervalMs: 8,
            fullCheckEveryTicks: 3,
            minCommandIntervalMs: 1,
        };
        // The license servers run the real document; the wrapper only injects interleavings and hangs.
        ssm.executor = async (documentName, instanceId, parameters) => {
            expect(documentName).to.equal(DOCUMENT);
            await duringInstall?.(instanceId, await productsOfBundle(parameters));
            return fleet.executor(documentName, instanceId, parameters);
        };
    });
    afterEach(async () => {
        releases.forEach((release) => release());
        await ssm.idle(); // a command a test gave up on may still be running on a license server
        fs.rmSync(fleetDir, { recursive: true, force: true });
    });

    /** The products a command's bundle carries, read from S3 as the license server would. */
    async function productsOfBundle(parameters: Record<string, string[]>): Promise<string[]> {
        const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: parameters[LICENSE_DOCUMENT_PARAMETERS.bundleObjectKey.name][0] }));
        const body = (await object.Body?.transformToString()) ?? "";
        return body
            .split("\n")
            .filter((l) => l.startsWith("product "))
            .map((l) => l.split(" ")[1]);
    }
    const ports = () => awsSyncPorts({ db: dynamo.documents, s3: s3.client, ssm: ssmClient }, config);
    const sync = (
        options: { force?: boolean; deadlineMs?: number; scheduled?: boolean; offsetMs?: number; now?: number | (() => number); sleep?: (ms: number) => Promise<void> } = {},
        syncPorts: SyncPorts = ports(),
    ): Promise<SyncOutcome> => {
        const given = options.now;
        const now = typeof given === "function" ? given : given !== undefined ? () => given : () => Date.now() + (options.offsetMs ?? 0);
        return syncUserLists(
            syncPorts,
            {
                products: config.products,
                configurationFingerprint: config.configurationFingerprint,
                deadline: now() + (options.deadlineMs ?? 20_000),
                force: options.force,
                scheduled: options.scheduled,
                fullCheckEveryTicks: config.fullCheckEveryTicks,
                minCommandIntervalMs: config.minCommandIntervalMs,
                pollIntervalMs: config.pollIntervalMs,
                marksPollMs: 50,
                sleep: options.sleep,
                now,
            },
            telemetry,
        );
    };
    /** A seat change the change marker never hears of (its stream mapping or its permissions broken). */
    const applyWithoutMarker = (event: unknown) => assignSeats(event, assignmentConfig(table), dynamoAssignmentPorts(dynamo.documents, table), new RecordingTelemetry(), NOW);
    /** What a license server holds before the test, as the document's script records it. */
    const writeServerGeneration = (instanceId: string, product: string, generation: number) => {
        const dir = path.join(fleetDir, "license-server", "instances", instanceId, DEFAULT_WORK_DIRECTORY, "products", product);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "generation"), `${generation}\n`);
    };
    const eventsFor = (product: string) => serverEvents.filter((e) => e.product === product);
    /** A sync that gives up on alice's list at its deadline while the server still holds the command; `release` lets the server run it. */
    const abandonedCommand = async (): Promise<{ outcome: SyncOutcome; release: () => void }> => {
        await sync();
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        let release!: () => void;
        const hang = new Promise<void>((resolve) => (release = resolve));
        releases.push(() => release());
        duringInstall = () => hang;
        const outcome = await sync({ deadlineMs: 3000 });
        duringInstall = undefined;
        expect(outcome.outcome).to.equal("failed");
        return { outcome, release };
    };
    /** A vendor command that fails (as a busy license server, exit 75) `times` times, then runs the sandbox's CLI. */
    const busyVendorCli = (times: number) => {
        const wrapper = path.join(fleetDir, "busy-vendor-cli");
        const counter = path.join(fleetDir, "busy-vendor-cli.count");
        const failNext = (n: number) => fs.writeFileSync(counter, `${n}\n`);
        failNext(times);
        fs.writeFileSync(wrapper, `#!/bin/sh\nn=$(cat ${counter}); if [ "$n" -gt 0 ]; then echo $((n - 1)) > ${counter}; echo busy >&2; exit 75; fi\nexec "$@"\n`, { mode: 0o755 });
        return { command: [wrapper, ...fleet.vendorCommand], failNext };
    };
    const marks = async () => (await dynamoSyncTablePorts(dynamo.documents, table).changeMarks()).map((m) => m.product).sort();

    it("delivers every product on the first sync, one command per license server carrying all its products, then sends nothing while nothing changes", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        const first = await sync();
        expect(first).to.deep.include({ outcome: "synced", sent: ["ansys", "matlab", "simulink"], commands: 2 });
        expect(fleet.lists()).to.deep.equal({ ansys: [], matlab: ["alice"], simulink: [] });
        expect(ssm.commands.map((c) => c.instanceIds[0]).sort()).to.deep.equal([MATLAB_SERVER, ANSYS_SERVER].sort());
        expect((await Promise.all(ssm.commands.map((c) => productsOfBundle(c.parameters)))).map((p) => p.sort()).sort()).to.deep.equal([["ansys"], ["matlab", "simulink"]]);
        expect(await marks()).to.deep.equal([]);

        expect(await sync()).to.deep.equal({ outcome: "unchanged", checked: 0 });
        expect(ssm.commands).to.have.length(2);
        expect(telemetry.total("UsersAssigned", { Product: "matlab" })).to.equal(1);
        await sync({ scheduled: true }); // a scheduled tick reports every product's users, from what was delivered
        expect(telemetry.total("UsersAssigned", { Product: "matlab" })).to.equal(2);
    });

    it("measures event -> license server seconds for each user seated since the product's previous delivery", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" })); // started NOW - 1 h
        await sync({ now: NOW - 1800_000 });
        expect(telemetry.metrics.filter((m) => m.name === "EventToLicenseServerSeconds")).to.deep.equal([]); // first delivery: claims may predate the hub
        await pipeline.apply(workbenchEvent({ user: "bob", type: "office", instance: "i-0bbbbbbbbbbbbbbb1", at: 2400 })); // started NOW - 20 min
        await sync({ now: NOW - 1200_000 + 42_000 });
        expect(telemetry.metrics.filter((m) => m.name === "EventToLicenseServerSeconds").map((m) => [m.value, m.unit, m.dimensions])).to.deep.equal([[42, "Seconds", undefined]]);
    });

    it("reads and sends only the products marked as changed", async () => {
        await sync();
        ssm.commands.length = 0;
        seatQueryPages = {};
        await pipeline.apply(workbenchEvent({ user: "bob", type: "simulation", instance: "i-0bbbbbbbbbbbbbbb1" }));
        expect(await marks()).to.deep.equal(["ansys"]);
        const outcome = await sync();
        expect(outcome).to.deep.include({ outcome: "synced", sent: ["ansys"], commands: 1 });
        expect(ssm.commands.map((c) => c.instanceIds)).to.deep.equal([[ANSYS_SERVER]]);
        expect(fleet.lists().ansys).to.deep.equal(["bob"]);
        // The seat rows of ansys only (one page); the other products' rows were not read.
        expect(seatQueryPages).to.deep.equal({ "SEAT#ansys": 1 });

        // A second workbench of the same user changes no list: nothing is marked.
        await pipeline.apply(workbenchEvent({ user: "bob", type: "simulation", instance: "i-0bbbbbbbbbbbbbbb2", at: 5 }));
        expect(await sync()).to.deep.include({ outcome: "unchanged" });
        // Stopping one of two workbenches also changes nothing; stopping the last empties the list.
        await pipeline.apply(workbenchEvent({ user: "bob", type: "simulation", instance: "i-0bbbbbbbbbbbbbbb1", ec2State: "stopped", at: 10 }));
        expect(await sync()).to.deep.include({ outcome: "unchanged" });
        await pipeline.apply(workbenchEvent({ user: "bob", type: "simulation", instance: "i-0bbbbbbbbbbbbbbb2", ec2State: "stopped", at: 20 }));
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["ansys"] });
        expect(fleet.lists().ansys).to.deep.equal([]);
    });

    it("retries a product whose vendor CLI failed on the next sync, without resending the others of its server", async () => {
        // ansys's vendor CLI is a wrapper that fails (as a busy license server) once.
        const busy = busyVendorCli(1);
        config.products = { ...config.products, ansys: { instanceId: MATLAB_SERVER, command: busy.command } };
        await pipeline.apply(workbenchEvent({ user: "alice", type: "cae-standard" }));
        // A change to ansys arrives while its failing install runs: it waits for the next sync too.
        let installs = 0;
        duringInstall = async () => {
            if (++installs === 1) await pipeline.apply(workbenchEvent({ user: "bob", type: "simulation", instance: "i-0bbbbbbbbbbbbbbb1" }));
        };
        const failed = await sync();
        expect(failed).to.deep.include({ outcome: "failed", sent: ["matlab", "simulink"], commands: 1 });
        expect((failed as { failed: ProductFailure[] }).failed.map((f) => f.product)).to.deep.equal(["ansys"]);
        expect((failed as { failed: ProductFailure[] }).failed[0].reason).to.match(new RegExp(`^ansys failed on ${MATLAB_SERVER} \\(command [^)]+\\): license-hub: vendor command for ansys exited with status 75$`));
        expect(telemetry.total("SyncFailures")).to.equal(1);
        expect(await marks()).to.deep.equal(["ansys"]);

        ssm.commands.length = 0;
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["ansys"] });
        expect((await productsOfBundle(ssm.commands[0].parameters))).to.deep.equal(["ansys"]);
        expect(fleet.lists().ansys).to.deep.equal(["alice", "bob"]);
        expect(await sync()).to.deep.include({ outcome: "unchanged" });
    });

    it("fails the sync when a product's last list failed, even if an earlier list of it was delivered in the same invocation", async () => {
        const busy = busyVendorCli(0);
        config.products = { ...config.products, ansys: { instanceId: ANSYS_SERVER, command: busy.command } };
        await sync();
        await pipeline.apply(workbenchEvent({ user: "alice", type: "simulation" }));
        let installs = 0;
        duringInstall = async (instanceId) => {
            if (instanceId !== ANSYS_SERVER) return;
            // The first round delivers alice while bob starts; the second round's vendor CLI is busy.
            if (++installs === 1) await pipeline.apply(workbenchEvent({ user: "bob", type: "simulation", instance: "i-0bbbbbbbbbbbbbbb1" }));
            else busy.failNext(1);
        };
        const outcome = await sync();
        expect(outcome).to.deep.include({ outcome: "failed", sent: ["ansys"], commands: 2 });
        expect((outcome as { failed: ProductFailure[] }).failed.map((f) => f.product)).to.deep.equal(["ansys"]);
        expect(fleet.lists().ansys).to.deep.equal(["alice"]);
        expect(await marks()).to.deep.equal(["ansys"]);
    });

    it("delivers a change that lands while it runs in the same invocation, with a newer generation", async () => {
        await sync();
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        let changed = false;
        duringInstall = async (instanceId) => {
            if (changed || instanceId !== MATLAB_SERVER) return;
            changed = true;
            await pipeline.apply(workbenchEvent({ user: "zoe", type: "office", instance: "i-0ccccccccccccccc1", at: 30 }));
        };
        ssm.commands.length = 0;
        const during = await sync();
        expect(during).to.deep.include({ outcome: "synced", sent: ["matlab"], commands: 2 });
        expect(fleet.lists().matlab).to.deep.equal(["alice", "zoe"]);
        const generations = eventsFor("matlab").slice(-2).map((e) => Number(e.generation));
        expect(generations[1]).to.be.greaterThan(generations[0]);
        expect(await marks()).to.deep.equal([]);
    });

    it("leaves a change it has no time for marked, for the next sync, without failing", async () => {
        await sync();
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        // The sync's clock stands still until its first command has run; then its deadline is 100 ms away.
        const start = Date.now();
        let now = start;
        duringInstall = async () => {
            await pipeline.apply(workbenchEvent({ user: "zoe", type: "office", instance: "i-0ccccccccccccccc1", at: 30 }));
            now = start + 20_000 - 100;
        };
        const outcome = await sync({ now: () => now, deadlineMs: 20_000 });
        expect(outcome).to.deep.include({ outcome: "synced", sent: ["matlab"], failed: [], deferred: ["matlab"], commands: 1 });
        expect(fleet.lists().matlab).to.deep.equal(["alice"]);
        expect(await marks()).to.deep.equal(["matlab"]);
        duringInstall = undefined;
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["matlab"], deferred: [] });
        expect(fleet.lists().matlab).to.deep.equal(["alice", "zoe"]);
    });

    it("handles 10,000 users of one product: every page read, one object, small command parameters", async function () {
        this.timeout(180_000); // 400 batch writes to dynalite and a 10,000-line list through the real script
        const users = Array.from({ length: 10_000 }, (_, i) => `user${String(i).padStart(5, "0")}`);
        for (let i = 0; i < users.length; i += 25) {
            await dynamo.documents.send(
                new BatchWriteCommand({
                    RequestItems: {
                        [table]: users.slice(i, i + 25).map((u) => ({
                            PutRequest: {
                                Item: { ...seatRowKey("ansys", u), product: "ansys", userId: u, workbenchCount: 1, instances: new Set([`222222222222/eu-central-1/i-0${String(i).padStart(16, "0")}`]), firstAssignedAt: "2026-03-02T08:00:00Z" },
                            },
                        })),
                    },
                }),
            );
        }
        seatQueryPages = {};
        const outcome = await sync();
        expect(outcome).to.deep.include({ outcome: "synced" });
        expect(seatQueryPages["SEAT#ansys"]).to.be.greaterThan(1); // 10,000 rows: more than one 1 MB page
        expect(fleet.lists().ansys).to.deep.equal(users);
        const command = ssm.commands.find((c) => c.instanceIds[0] === ANSYS_SERVER)!;
        expect(JSON.stringify(command.parameters).length).to.be.lessThan(400);
        expect(telemetry.total("UsersAssigned", { Product: "ansys" })).to.equal(10_000);
    });

    it("assigns limited seats to the longest-held users and reports the shortfall", async () => {
        config.products = { ...config.products, matlab: { ...config.products.matlab, seats: 3 } };
        for (const [i, user] of ["erin", "dave", "carol", "bob", "alice"].entries()) {
            await pipeline.apply(workbenchEvent({ user, type: "office", instance: `i-0dddddddddddddd${i}0`, at: i * 60 }));
        }
        const outcome = await sync();
        expect(outcome).to.deep.include({ outcome: "synced" });
        expect(fleet.lists().matlab).to.deep.equal(["carol", "dave", "erin"]);
        expect(telemetry.total("SeatDenials", { Product: "matlab" })).to.equal(2);
        expect(telemetry.total("SeatsFree", { Product: "matlab" })).to.equal(0);
        expect(telemetry.total("SeatDemand", { Product: "matlab" })).to.equal(5);
        const warning = telemetry.logs.find((l) => l.message.startsWith("seat shortfall"));
        expect(warning?.fields).to.deep.include({ product: "matlab", seats: 3, demand: 5, denied: 2, deniedUsers: ["bob", "alice"] });

        // When the longest-held user leaves, the longest-waiting one gets the seat.
        await pipeline.apply(workbenchEvent({ user: "erin", type: "office", instance: "i-0dddddddddddddd00", ec2State: "stopped", at: 600 }));
        await sync();
        expect(fleet.lists().matlab).to.deep.equal(["bob", "carol", "dave"]);
    });

    it("never puts a user id or a vendor argument in a command; hostile rows never reach a license server", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "cae-standard" }));
        // Rows that bypassed the assignment's validation (e.g. written by hand) are still never sent.
        for (const user of HOSTILE_USER_IDS.filter((u) => u.length > 0 && u.length < 1000)) {
            await dynamo.documents.send(
                new BatchWriteCommand({ RequestItems: { [table]: [{ PutRequest: { Item: { ...seatRowKey("matlab", user), workbenchCount: 1, firstAssignedAt: "2026-03-02T00:00:00Z" } } }] } }),
            );
        }
        await sync();
        expect(fleet.lists().matlab).to.deep.equal(["alice"]);
        expect(telemetry.total("InvalidSeatRows", { Product: "matlab" })).to.be.greaterThan(10);
        for (const command of ssm.commands as StandinCommand[]) {
            expect(Object.keys(command.parameters).sort()).to.deep.equal(Object.values(LICENSE_DOCUMENT_PARAMETERS).map((p) => p.name).sort());
            for (const [name, values] of Object.entries(command.parameters)) {
                const pattern = new RegExp(Object.values(LICENSE_DOCUMENT_PARAMETERS).find((p) => p.name === name)!.pattern);
                for (const value of values) {
                    expect(pattern.test(value), `${name}=${value}`).to.equal(true);
                    for (const text of ["alice", ...HOSTILE_USER_IDS.filter(Boolean), ...fleet.vendorCommand]) expect(value).not.to.contain(text);
                }
            }
            expect(command.comment ?? "").not.to.contain("alice");
        }
    });

    it("resends what a configuration change affects: a new license server, a new vendor command, a new document, or a forced resend", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        await sync();
        ssm.commands.length = 0;

        config.products = { ...config.products, matlab: { ...config.products.matlab, instanceId: OTHER_SERVER, seats: 50 } };
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["matlab"] });
        expect(ssm.commands[0].instanceIds).to.deep.equal([OTHER_SERVER]);

        config.products = { ...config.products, ansys: { ...config.products.ansys, command: [...fleet.vendorCommand.slice(0, 1), ...fleet.vendorCommand.slice(1)] } };
        expect(await sync()).to.deep.include({ outcome: "unchanged" }); // the same argv: nothing to resend
        config.products = { ...config.products, ansys: { instanceId: ANSYS_SERVER } };
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["ansys"] });

        config.configurationFingerprint = "config-2";
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["ansys", "matlab", "simulink"] });
        expect(await sync()).to.deep.include({ outcome: "unchanged" });
        expect(await sync({ force: true })).to.deep.include({ outcome: "synced", sent: ["ansys", "matlab", "simulink"] });
    });

    it("migrates servers holding marker versions: the first generation is above any version an older release sent", async () => {
        writeServerGeneration(MATLAB_SERVER, "matlab", 987_654);
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["ansys", "matlab", "simulink"] });
        expect(fleet.lists().matlab).to.deep.equal(["alice"]);
    });

    it("overtakes a server holding a newer generation within the same sync, with a generation above it", async () => {
        const ahead = Date.now() + 3_600_000;
        writeServerGeneration(MATLAB_SERVER, "matlab", ahead);
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        const outcome = await sync();
        expect(outcome).to.deep.include({ outcome: "synced", sent: ["ansys", "matlab", "simulink"] });
        expect((outcome as { generation: number }).generation).to.be.greaterThan(ahead);
        expect(telemetry.total("GenerationsSuperseded", { Product: "matlab" })).to.equal(1);
        expect(eventsFor("matlab").map((e) => e.ok)).to.deep.equal([false, true]);
        expect(fleet.lists().matlab).to.deep.equal(["alice"]);
        // The claim remembers the generation the server reported: the next sync starts above it.
        const item = await dynamo.documents.send(new GetCommand({ TableName: table, Key: { ...SYNC_GENERATION_KEY }, ConsistentRead: true }));
        expect(Number(item.Item!.generation)).to.be.greaterThan(ahead);
    });

    it("never lets a command that outlived its sync install an older list over a newer one", async () => {
        // Sync A gives up on its command (still queued for the server) ...
        const { release } = await abandonedCommand();
        // ... a seat changes and sync B, after the server's backoff, delivers the newer list ...
        await pipeline.apply(workbenchEvent({ user: "zoe", type: "office", instance: "i-0ccccccccccccccc1", at: 30 }));
        expect(await sync({ offsetMs: 60_000 })).to.deep.include({ outcome: "synced", sent: ["matlab"] });
        expect(fleet.lists().matlab).to.deep.equal(["alice", "zoe"]);
        // ... then A's command reaches the server: refused by the real script, the newer list stays.
        release();
        await ssm.idle();
        expect(serverEvents.at(-1)).to.deep.include({ product: "matlab", ok: false });
        expect(serverEvents.at(-1)!.detail).to.match(/superseded/);
        expect(fleet.lists().matlab).to.deep.equal(["alice", "zoe"]);
    });

    it("resends a list after a command it gave up on finished anyway, even when the list is back to what it last recorded", async () => {
        const { release } = await abandonedCommand();
        // The server finishes the command after all: it installs alice's list. Then alice stops: the list is empty
        // again, as the sync last recorded it delivered.
        release();
        await ssm.idle();
        expect(fleet.lists().matlab).to.deep.equal(["alice"]);
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office", ec2State: "stopped", at: 60 }));
        expect(await sync({ offsetMs: 60_000 })).to.deep.include({ outcome: "synced", sent: ["matlab"] });
        expect(fleet.lists().matlab).to.deep.equal([]);
    });

    it("keeps syncing the other license servers while one is offline, backs off from it, and catches it up when it is back", async () => {
        await sync();
        let matlabRounds = 0;
        let caughtUp!: () => void;
        const matlabCaughtUp = new Promise<void>((resolve) => (caughtUp = resolve));
        releases.push(() => caughtUp());
        duringInstall = async (instanceId) => {
            // ansys's server answers nothing until matlab's server had its third round; then its command fails.
            if (instanceId === ANSYS_SERVER) return matlabCaughtUp;
            // Meanwhile matlab keeps changing: each change gets its own round in this invocation.
            if (++matlabRounds <= 2) await pipeline.apply(workbenchEvent({ user: `user${matlabRounds}`, type: "office", instance: `i-0ccccccccccccc${matlabRounds}0`, at: matlabRounds }));
            else caughtUp();
        };
        const offline = ssm.executor;
        ssm.executor = async (documentName, instanceId, parameters) => {
            const result = await offline(documentName, instanceId, parameters);
            return instanceId === ANSYS_SERVER && matlabRounds < 4 ? { status: "Failed", responseCode: -1, standardOutput: "", standardError: "" } : result;
        };
        await pipeline.apply(workbenchEvent({ user: "alice", type: "cae-standard" }));
        const during = await sync();
        expect(during).to.deep.include({ outcome: "failed", sent: ["matlab"] });
        expect((during as { failed: ProductFailure[] }).failed.map((f) => f.product)).to.deep.equal(["ansys"]);
        expect((during as { failed: ProductFailure[] }).failed[0].reason).to.match(new RegExp(`on ${ANSYS_SERVER} ended Failed`));
        expect(fleet.lists().matlab).to.deep.equal(["alice", "user1", "user2"]);
        expect(ssm.commands.filter((c) => c.instanceIds[0] === MATLAB_SERVER).length).to.equal(4); // the first sync's, then three rounds
        expect(telemetry.total("LicenseServerFailures")).to.equal(1);
        expect(telemetry.logs.find((l) => l.message.startsWith("license server did not complete"))?.fields).to.deep.include({ instanceId: ANSYS_SERVER, failures: 1 });

        // Still in its backoff: the next sync does not send to it, and says until when.
        await pipeline.apply(workbenchEvent({ user: "bob", type: "cae-standard", instance: "i-0bbbbbbbbbbbbbbb1", at: 40 }));
        ssm.commands.length = 0;
        const backingOff = await sync();
        expect(backingOff).to.deep.include({ outcome: "failed", sent: ["matlab"] });
        expect((backingOff as { failed: ProductFailure[] }).failed[0].reason).to.match(new RegExp(`license server ${ANSYS_SERVER} failed its last 1 command\\(s\\); it gets the next one after`));
        expect(ssm.commands.map((c) => c.instanceIds[0])).to.deep.equal([MATLAB_SERVER]);

        // Back online, after the backoff: it catches up with everything it missed.
        matlabRounds = 10;
        duringInstall = undefined;
        expect(await sync({ offsetMs: 60_000 })).to.deep.include({ outcome: "synced", sent: ["ansys"] });
        expect(fleet.lists().ansys).to.deep.equal(["alice", "bob"]);
        expect(await marks()).to.deep.equal([]);
    });

    it("runs one sync at a time: an invocation that overlaps a running sync does nothing", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        let release!: () => void;
        const hang = new Promise<void>((resolve) => (release = resolve));
        releases.push(() => release());
        let started!: () => void;
        const inFlight = new Promise<void>((resolve) => (started = resolve));
        duringInstall = async () => {
            started();
            await hang;
        };
        const running = sync();
        await inFlight;
        expect(await sync()).to.deep.equal({ outcome: "busy" });
        expect(telemetry.total("SyncBusy")).to.equal(1);
        release();
        expect(await running).to.deep.include({ outcome: "synced" });
        duringInstall = undefined;
        expect(await sync()).to.deep.include({ outcome: "unchanged" });
    });

    it("claims no generation on a tick with nothing to do, so unchanged ticks stay cheap and never wait for a running sync", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        const synced = await sync();
        const generationItem = async () => (await dynamo.documents.send(new GetCommand({ TableName: table, Key: { ...SYNC_GENERATION_KEY }, ConsistentRead: true }))).Item;
        const before = await generationItem();
        expect(before).to.deep.include({ generation: (synced as { generation: number }).generation });
        // A sync that died holding the claim: an unchanged tick neither waits for it nor reports busy.
        await dynamo.documents.send(new PutCommand({ TableName: table, Item: { ...SYNC_GENERATION_KEY, generation: before!.generation, holder: "dead-sync", leaseUntil: Date.now() + 60_000 } }));
        expect(await sync({ scheduled: true })).to.deep.include({ outcome: "unchanged", checked: 1 });
        expect(await generationItem()).to.deep.include({ generation: before!.generation, holder: "dead-sync" });
        expect(telemetry.total("SyncBusy")).to.equal(0);
        // Work to do while the claim is held: busy, and nothing sent.
        await pipeline.apply(workbenchEvent({ user: "bob", type: "office", instance: "i-0bbbbbbbbbbbbbbb1" }));
        ssm.commands.length = 0;
        expect(await sync()).to.deep.equal({ outcome: "busy" });
        expect(ssm.commands).to.have.length(0);
        expect(await marks()).to.deep.equal(["matlab"]);
    });

    it("debounces a storm per license server: a round right after the server's last command waits out the interval, then sends what arrived meanwhile", async () => {
        config.minCommandIntervalMs = 1000;
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["ansys", "matlab", "simulink"] });
        const lastCommandAt = (await dynamoSyncTablePorts(dynamo.documents, table).readServers()).get(MATLAB_SERVER)!.lastCommandAt!;
        const waits: number[] = [];
        // While the next round waits, more users log in: their seats ride along with its command.
        const sleep = async (ms: number) => {
            // The round's debounce is its only long wait before it sends (later ones are polls).
            if (ms >= 100 && ssm.commands.length === 0) {
                waits.push(ms);
                await pipeline.apply(workbenchEvent({ user: "carol", type: "office", instance: "i-0ccccccccccccccc1", at: 20 }));
            }
            await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 5)));
        };
        await pipeline.apply(workbenchEvent({ user: "bob", type: "office", instance: "i-0bbbbbbbbbbbbbbb1", at: 10 }));
        ssm.commands.length = 0;
        // 200 ms after matlab's server got its last command (the clock stands still in this sync).
        expect(await sync({ sleep, now: lastCommandAt + 200 })).to.deep.include({ outcome: "synced", sent: ["matlab"], commands: 1 });
        expect(waits).to.deep.equal([800]);
        expect(telemetry.total("SyncDebounceWait")).to.equal(800);
        expect(fleet.lists().matlab).to.deep.equal(["alice", "bob", "carol"]);

        // Once the interval has passed, a round sends at once.
        await pipeline.apply(workbenchEvent({ user: "dave", type: "office", instance: "i-0ddddddddddddddd1", at: 30 }));
        expect(await sync({ sleep, now: lastCommandAt + 200 + 1000 })).to.deep.include({ outcome: "synced", sent: ["matlab"] });
        expect(waits).to.have.length(1);
    });

    it("remembers each license server's round trip as Run Command reports it, for when to poll its next command", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        const started = Date.now();
        await sync();
        const servers = await dynamoSyncTablePorts(dynamo.documents, table).readServers();
        expect([...servers.keys()].sort()).to.deep.equal([MATLAB_SERVER, ANSYS_SERVER].sort());
        for (const [instanceId, server] of servers) {
            expect(server.failures).to.equal(0);
            expect(server.lastCommandAt).to.be.at.least(started);
            // From the send to when Run Command says the command ended (not when a poll happened to see it).
            const endedAt = ssm.commands.find((c) => c.instanceIds[0] === instanceId)!.invocations.get(instanceId)!.endedAt!.getTime();
            expect(server.roundTripMs).to.equal(endedAt - server.lastCommandAt!);
        }
    });

    it("takes over a claim left by a sync that died once its lease has run out", async () => {
        const stale = { generation: Date.now(), holder: "dead-sync", leaseUntil: Date.now() + 60_000 };
        await dynamo.documents.send(new PutCommand({ TableName: table, Item: { ...SYNC_GENERATION_KEY, ...stale } }));
        expect(await sync()).to.deep.equal({ outcome: "busy" });
        await dynamo.documents.send(new PutCommand({ TableName: table, Item: { ...SYNC_GENERATION_KEY, ...stale, leaseUntil: Date.now() - 1 } }));
        const outcome = await sync();
        expect(outcome).to.deep.include({ outcome: "synced" });
        expect((outcome as { generation: number }).generation).to.be.greaterThan(stale.generation);
    });

    it("safety net: every N scheduled ticks it has compared every list, a slice per tick, and sends only the differences", async () => {
        await sync();
        ssm.commands.length = 0;
        // A seat appears but the change marker is broken: nothing is marked.
        await applyWithoutMarker(workbenchEvent({ user: "alice", type: "office" }));
        expect(await marks()).to.deep.equal([]);
        expect(await sync()).to.deep.include({ outcome: "unchanged" }); // an announcement runs no safety net
        const outcomes: SyncOutcome[] = [];
        for (let tick = 0; tick < config.fullCheckEveryTicks; tick++) outcomes.push(await sync({ scheduled: true }));
        // Three products, N = 3: one product compared per tick, matlab's difference found on one of them and sent.
        expect(outcomes.map((o) => (o as { checked: number }).checked)).to.deep.equal([1, 1, 1]);
        expect(outcomes.filter((o) => o.outcome === "synced").map((o) => (o as { sent: string[] }).sent)).to.deep.equal([["matlab"]]);
        expect(fleet.lists().matlab).to.deep.equal(["alice"]);
        expect(telemetry.total("SafetyNetCorrections")).to.equal(1);
        expect(ssm.commands).to.have.length(1);
        // A full round of checks that finds nothing different sends nothing.
        for (let tick = 0; tick < config.fullCheckEveryTicks; tick++) expect(await sync({ scheduled: true })).to.deep.include({ outcome: "unchanged" });
        expect(ssm.commands).to.have.length(1);
    });

    it("gives up waiting at the deadline and leaves the product marked for the next sync, which sends at once: the sync ran out of time, not the server", async () => {
        const { outcome, release } = await abandonedCommand();
        expect((outcome as { failed: ProductFailure[] }).failed[0].reason).to.match(/WaitTimedOut/);
        expect(await marks()).to.deep.equal(["matlab"]);
        release();
        await ssm.idle();
        // Two seconds later (past the 1 s debounce, well within a failed server's 15 s backoff).
        expect(await sync({ offsetMs: 2_000 })).to.deep.include({ outcome: "synced", sent: ["matlab"] });
    });
});
