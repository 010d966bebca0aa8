import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SSMClient } from "@aws-sdk/client-ssm";
import { BatchWriteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { awsSyncPorts } from "../../functions/hub-sync/awsPorts";
import { ProductFailure, SyncOutcome, SyncPorts, syncUserLists } from "../../functions/hub-sync/sync";
import { assignSeats } from "../../functions/hub-assignment/assignment";
import { dynamoAssignmentPorts } from "../../functions/hub-assignment/awsPorts";
import { DEFAULT_WORK_DIRECTORY } from "../../components/hub/licenseServerDocument";
import type { LicenseServerFleet } from "../../sandbox/world/licenseServers";
import { testLicenseServerFleet } from "../support/licenseServerFleet";
import type { SandboxEvent } from "../../sandbox/runtime/events";
import { ssmChangeMarkerPorts } from "../../functions/hub-change-marker/awsPorts";
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

const MARKER = "hub-seats-changed";
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
    let fleet: LicenseServerFleet;
    let fleetDir: string;
    /** Every invocation's outcome on a license server, in order. */
    let serverEvents: Array<Extract<SandboxEvent, { kind: "license-server" }>>;
    /** Products whose next N installs fail. */
    let failures: Map<string, number>;
    /** Runs inside the fake license server before it installs a list (to interleave changes with a sync). */
    let duringInstall: ((product: string) => Promise<void>) | undefined;
    let queryPages: number;

    before(async () => {
        dynamo = await startDynalite();
        s3 = await startS3rver();
        await s3.createBucket(BUCKET);
        ssm = await startSsmStandin({ invocationVisibleAfterPolls: 1 });
        ssmClient = new SSMClient({ ...LOCAL_CLIENT_CONFIG, endpoint: ssm.endpoint, maxAttempts: 1 });
        // Count Query pages the sync reads (the real client, through a middleware).
        dynamo.documents.middlewareStack.add(
            (next, context) => async (args) => {
                if (context.commandName === "QueryCommand") queryPages++;
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
        ssm.parameters.clear();
        ssm.commands.length = 0;
        fleetDir = fs.mkdtempSync(path.join(os.tmpdir(), "hub-sync-servers-"));
        serverEvents = [];
        fleet = testLicenseServerFleet({
            dir: fleetDir,
            bucket: BUCKET,
            documentName: DOCUMENT,
            instanceIds: [MATLAB_SERVER, ANSYS_SERVER, OTHER_SERVER],
            products: ["matlab", "ansys"],
            s3: s3.client,
            onEvent: (event) => {
                if (event.kind === "license-server") serverEvents.push(event);
            },
        });
        failures = new Map();
        duringInstall = undefined;
        queryPages = 0;
        await ssmChangeMarkerPorts(ssmClient, MARKER).markChanged("never");
        pipeline = new EventPipeline(dynamo, table, ssmClient, MARKER);
        telemetry = new RecordingTelemetry();
        config = {
            tableName: table,
            markerParameterName: MARKER,
            products: syncCatalog(CATALOG),
            userListBucket: BUCKET,
            documentName: DOCUMENT,
            configurationFingerprint: "config-1",
            deliveryTimeoutSeconds: 60,
            pollIntervalMs: 1,
            fullCheckEveryTicks: 3,
            minCommandIntervalMs: 1,
        };
        // The license servers run the real document; the wrapper only injects faults and interleavings.
        ssm.executor = async (documentName, instanceId, parameters) => {
            expect(documentName).to.equal(DOCUMENT);
            const product = parameters.product[0];
            expect(instanceId).to.equal(config.products[product].instanceId);
            await duringInstall?.(product);
            const remaining = failures.get(product) ?? 0;
            if (remaining > 0) {
                failures.set(product, remaining - 1);
                return "Failed";
            }
            return fleet.executor(documentName, instanceId, parameters);
        };
    });
    afterEach(async () => {
        await ssm.idle(); // a command a test gave up on may still be running on a license server
        fs.rmSync(fleetDir, { recursive: true, force: true });
    });

    const ports = () => awsSyncPorts({ db: dynamo.documents, s3: s3.client, ssm: ssmClient }, config, { sleep: () => new Promise((r) => setImmediate(r)) });
    const sync = (options: { force?: boolean; deadlineMs?: number; scheduled?: boolean; now?: number; sleep?: (ms: number) => Promise<void> } = {}, syncPorts: SyncPorts = ports()): Promise<SyncOutcome> =>
        syncUserLists(
            syncPorts,
            {
                products: config.products,
                configurationFingerprint: config.configurationFingerprint,
                deadline: Date.now() + (options.deadlineMs ?? 20_000),
                force: options.force,
                scheduled: options.scheduled,
                fullCheckEveryTicks: config.fullCheckEveryTicks,
                minCommandIntervalMs: config.minCommandIntervalMs,
                sleep: options.sleep,
                ...(options.now === undefined ? {} : { now: () => options.now! }),
            },
            telemetry,
        );
    /** A seat change the change marker never hears of (its stream mapping or its permissions broken). */
    const applyWithoutMarker = (event: unknown) => assignSeats(event, assignmentConfig(table), dynamoAssignmentPorts(dynamo.documents, table), new RecordingTelemetry(), NOW);
    /** What a license server holds before the test, as the document's script records it. */
    const writeServerGeneration = (instanceId: string, product: string, generation: number) => {
        const dir = path.join(fleetDir, "license-server", "instances", instanceId, DEFAULT_WORK_DIRECTORY, "products", product);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "generation"), `${generation}\n`);
    };
    const commandsFor = (product: string) => ssm.commands.filter((c) => c.parameters.product?.[0] === product);

    it("delivers every product on the first sync, then sends nothing while nothing changes", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        const first = await sync();
        expect(first).to.deep.include({ outcome: "synced", markerVersion: 2 });
        expect(fleet.lists().matlab).to.deep.equal(["alice"]);
        expect(fleet.lists().ansys).to.deep.equal([]);
        expect(ssm.commands).to.have.length(2);

        const second = await sync();
        expect(second).to.deep.include({ outcome: "unchanged", markerVersion: 2 });
        expect(ssm.commands).to.have.length(2);
        expect(telemetry.total("UsersAssigned", { Product: "matlab" })).to.equal(2); // reported on both ticks
    });

    it("measures event -> license server seconds for each user seated since the product's previous delivery", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" })); // started NOW - 1 h
        await sync({ now: NOW - 1800_000 });
        expect(telemetry.metrics.filter((m) => m.name === "EventToLicenseServerSeconds")).to.deep.equal([]); // first delivery: claims may predate the hub
        await pipeline.apply(workbenchEvent({ user: "bob", type: "office", instance: "i-0bbbbbbbbbbbbbbb1", at: 2400 })); // started NOW - 20 min
        await sync({ now: NOW - 1200_000 + 42_000 });
        expect(telemetry.metrics.filter((m) => m.name === "EventToLicenseServerSeconds").map((m) => [m.value, m.unit, m.dimensions])).to.deep.equal([[42, "Seconds", undefined]]);
    });

    it("sends a command only for the products whose user list changed", async () => {
        await sync();
        ssm.commands.length = 0;
        await pipeline.apply(workbenchEvent({ user: "bob", type: "simulation", instance: "i-0bbbbbbbbbbbbbbb1" }));
        const outcome = await sync();
        expect(outcome).to.deep.include({ outcome: "synced", sent: ["ansys"] });
        expect(ssm.commands.map((c) => c.parameters.product[0])).to.deep.equal(["ansys"]);
        expect(ssm.commands[0].instanceIds).to.deep.equal([ANSYS_SERVER]);
        expect(fleet.lists().ansys).to.deep.equal(["bob"]);

        // A second workbench of the same user changes no list: the marker does not even move.
        await pipeline.apply(workbenchEvent({ user: "bob", type: "simulation", instance: "i-0bbbbbbbbbbbbbbb2", at: 5 }));
        expect(await sync()).to.deep.include({ outcome: "unchanged" });
        // Stopping one of two workbenches also changes nothing; stopping the last empties the list.
        await pipeline.apply(workbenchEvent({ user: "bob", type: "simulation", instance: "i-0bbbbbbbbbbbbbbb1", ec2State: "stopped", at: 10 }));
        expect(await sync()).to.deep.include({ outcome: "unchanged" });
        await pipeline.apply(workbenchEvent({ user: "bob", type: "simulation", instance: "i-0bbbbbbbbbbbbbbb2", ec2State: "stopped", at: 20 }));
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["ansys"] });
        expect(fleet.lists().ansys).to.deep.equal([]);
    });

    it("retries a product whose command failed on the next tick, without resending the others", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "cae-standard" }));
        failures.set("ansys", 1);
        const failed = await sync();
        expect(failed.outcome).to.equal("failed");
        expect(failed).to.deep.include({ sent: ["matlab"] });
        expect((failed as any).failed.map((f: any) => f.product)).to.deep.equal(["ansys"]);
        expect((failed as any).failed[0].reason).to.match(/ended Failed/);
        expect(telemetry.total("SyncFailures")).to.equal(1);

        ssm.commands.length = 0;
        const retried = await sync();
        expect(retried).to.deep.include({ outcome: "synced", sent: ["ansys"] });
        expect(ssm.commands.map((c) => c.parameters.product[0])).to.deep.equal(["ansys"]);
        expect(fleet.lists().ansys).to.deep.equal(["alice"]);
        expect(await sync()).to.deep.include({ outcome: "unchanged" });
    });

    it("picks up a change that lands while a sync is running on the next sync", async () => {
        await sync();
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        let changed = false;
        duringInstall = async () => {
            if (changed) return;
            changed = true;
            await pipeline.apply(workbenchEvent({ user: "zoe", type: "office", instance: "i-0ccccccccccccccc1", at: 30 }));
        };
        const during = await sync();
        expect(during).to.deep.include({ outcome: "synced", markerVersion: 2 });
        expect(fleet.lists().matlab).to.deep.equal(["alice"]);

        const next = await sync();
        expect(next).to.deep.include({ outcome: "synced", markerVersion: 3, sent: ["matlab"] });
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
        await ssmChangeMarkerPorts(ssmClient, MARKER).markChanged(new Date().toISOString());
        const outcome = await sync();
        expect(outcome).to.deep.include({ outcome: "synced" });
        expect(queryPages).to.be.greaterThan(2); // both products queried; ansys over several 1 MB pages
        expect(fleet.lists().ansys).to.deep.equal(users);
        const command = commandsFor("ansys")[0];
        expect(JSON.stringify(command.parameters).length).to.be.lessThan(400);
        expect(telemetry.total("UsersAssigned", { Product: "ansys" })).to.equal(10_000);
    });

    it("assigns limited seats to the longest-held users and reports the shortfall", async () => {
        config.products = { ...config.products, matlab: { instanceId: MATLAB_SERVER, seats: 3 } };
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

    it("never puts a user id, hostile or not, in a command; hostile rows never reach a license server", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "cae-standard" }));
        // Rows that bypassed the assignment's validation (e.g. written by hand) are still never sent.
        for (const user of HOSTILE_USER_IDS.filter((u) => u.length > 0 && u.length < 1000)) {
            await dynamo.documents.send(
                new BatchWriteCommand({ RequestItems: { [table]: [{ PutRequest: { Item: { ...seatRowKey("matlab", user), workbenchCount: 1, firstAssignedAt: "2026-03-02T00:00:00Z" } } }] } }),
            );
        }
        await ssmChangeMarkerPorts(ssmClient, MARKER).markChanged(new Date().toISOString());
        await sync();
        expect(fleet.lists().matlab).to.deep.equal(["alice"]);
        expect(telemetry.total("InvalidSeatRows", { Product: "matlab" })).to.be.greaterThan(10);
        const everyParameter = (c: StandinCommand) => Object.entries(c.parameters);
        for (const command of ssm.commands) {
            expect(Object.keys(command.parameters).sort()).to.deep.equal(Object.values(LICENSE_DOCUMENT_PARAMETERS).map((p) => p.name).sort());
            for (const [name, values] of everyParameter(command)) {
                const pattern = new RegExp(Object.values(LICENSE_DOCUMENT_PARAMETERS).find((p) => p.name === name)!.pattern);
                for (const value of values) {
                    expect(pattern.test(value), `${name}=${value}`).to.equal(true);
                    for (const user of ["alice", ...HOSTILE_USER_IDS.filter(Boolean)]) expect(value).not.to.contain(user);
                }
            }
            expect(command.comment ?? "").not.to.contain("alice");
        }
    });

    it("resends what a configuration change affects: a new license server, a new document, or a forced resend", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        await sync();
        ssm.commands.length = 0;

        config.products = { ...config.products, matlab: { instanceId: "i-0eeeeeeeeeeeeeee1", seats: 50 } };
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["matlab"] });
        expect(ssm.commands[0].instanceIds).to.deep.equal(["i-0eeeeeeeeeeeeeee1"]);

        config.configurationFingerprint = "config-2";
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["ansys", "matlab"] });
        expect(await sync()).to.deep.include({ outcome: "unchanged" });
        expect(await sync({ force: true })).to.deep.include({ outcome: "synced", sent: ["ansys", "matlab"] });
    });

    it("keeps generations increasing when the marker parameter is recreated, so the license server accepts the new list", async () => {
        const first = await sync();
        expect(first.outcome).to.equal("synced");
        ssm.parameters.clear();
        await ssmChangeMarkerPorts(ssmClient, MARKER).markChanged("recreated");
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        const outcome = await sync();
        expect(outcome).to.deep.include({ outcome: "synced", markerVersion: 2, sent: ["matlab"] });
        expect((outcome as { generation: number }).generation).to.be.greaterThan((first as { generation: number }).generation);
        // The server ran the real script: it installed the list, it did not ignore it.
        expect(fleet.lists().matlab).to.deep.equal(["alice"]);
        expect(serverEvents.at(-1)).to.deep.include({ product: "matlab", ok: true });
    });

    it("migrates servers holding marker versions: the first generation is above any version an older release sent", async () => {
        writeServerGeneration(MATLAB_SERVER, "matlab", 987_654);
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["ansys", "matlab"] });
        expect(fleet.lists().matlab).to.deep.equal(["alice"]);
    });

    it("reports a server holding a newer generation as superseded, not delivered, and overtakes it on the next tick", async () => {
        const ahead = Date.now() + 3_600_000;
        writeServerGeneration(MATLAB_SERVER, "matlab", ahead);
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        const refused = await sync();
        expect(refused).to.deep.include({ outcome: "failed", sent: ["ansys"] });
        expect((refused as { failed: ProductFailure[] }).failed).to.deep.equal([
            { product: "matlab", supersededBy: ahead, reason: (refused as { failed: ProductFailure[] }).failed[0].reason },
        ]);
        expect((refused as { failed: ProductFailure[] }).failed[0].reason).to.match(new RegExp(`superseded: the server holds generation ${ahead}`));
        expect(telemetry.total("GenerationsSuperseded", { Product: "matlab" })).to.equal(1);
        expect(fleet.lists().matlab).to.equal(undefined);

        const next = await sync();
        expect(next).to.deep.include({ outcome: "synced", sent: ["matlab"] });
        expect((next as { generation: number }).generation).to.be.greaterThan(ahead);
        expect(fleet.lists().matlab).to.deep.equal(["alice"]);
    });

    it("never lets a command that outlived its sync install an older list over a newer one", async () => {
        await sync();
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        let release!: () => void;
        const hang = new Promise<void>((resolve) => (release = resolve));
        duringInstall = () => hang;
        // Sync A gives up on its command (still queued for the server) ...
        expect((await sync({ deadlineMs: 200 })).outcome).to.equal("failed");
        duringInstall = undefined;
        // ... a seat changes and sync B delivers the newer list ...
        await pipeline.apply(workbenchEvent({ user: "zoe", type: "office", instance: "i-0ccccccccccccccc1", at: 30 }));
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["matlab"] });
        expect(fleet.lists().matlab).to.deep.equal(["alice", "zoe"]);
        // ... then A's command reaches the server: refused by the real script, the newer list stays.
        release();
        await ssm.idle();
        expect(serverEvents.at(-1)).to.deep.include({ product: "matlab", ok: false });
        expect(serverEvents.at(-1)!.detail).to.match(/superseded/);
        expect(fleet.lists().matlab).to.deep.equal(["alice", "zoe"]);
    });

    it("runs one sync at a time: a tick that overlaps a running sync does nothing", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        let release!: () => void;
        const hang = new Promise<void>((resolve) => (release = resolve));
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
        expect(await sync({ scheduled: true })).to.deep.include({ outcome: "unchanged" });
        expect(await generationItem()).to.deep.include({ generation: before!.generation, holder: "dead-sync" });
        expect(telemetry.total("SyncBusy")).to.equal(0);
        // Work to do while the claim is held: busy, and nothing sent.
        await pipeline.apply(workbenchEvent({ user: "bob", type: "office", instance: "i-0bbbbbbbbbbbbbbb1" }));
        ssm.commands.length = 0;
        expect(await sync()).to.deep.equal({ outcome: "busy" });
        expect(ssm.commands).to.have.length(0);
    });

    it("debounces a storm: a sync right after another's commands waits out the interval, then sends what arrived meanwhile in one command", async () => {
        config.minCommandIntervalMs = 1000;
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["ansys", "matlab"] });
        const waits: number[] = [];
        // While the next sync waits, more users log in: their seats ride along with its command.
        const sleep = async (ms: number) => {
            waits.push(ms);
            await pipeline.apply(workbenchEvent({ user: "carol", type: "office", instance: "i-0ccccccccccccccc1", at: 20 }));
        };
        await pipeline.apply(workbenchEvent({ user: "bob", type: "office", instance: "i-0bbbbbbbbbbbbbbb1", at: 10 }));
        ssm.commands.length = 0;
        expect(await sync({ sleep })).to.deep.include({ outcome: "synced", sent: ["matlab"] });
        expect(waits).to.have.length(1);
        expect(waits[0]).to.be.greaterThan(0).and.at.most(1000);
        expect(telemetry.total("SyncDebounceWait")).to.equal(waits[0]);
        expect(commandsFor("matlab")).to.have.length(1);
        expect(fleet.lists().matlab).to.deep.equal(["alice", "bob", "carol"]);

        // Once the interval has passed, a sync sends at once.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await pipeline.apply(workbenchEvent({ user: "dave", type: "office", instance: "i-0ddddddddddddddd1", at: 30 }));
        expect(await sync({ sleep })).to.deep.include({ outcome: "synced", sent: ["matlab"] });
        expect(waits).to.have.length(1);
    });

    it("polls Run Command soon at first (1/8, 1/4, 1/2 of the interval), then at the interval", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        const sleeps: number[] = [];
        let hold = 4; // the command stays InProgress for the first polls
        ssm.executor = async (documentName, instanceId, parameters) => {
            while (hold > 0) await new Promise((resolve) => setTimeout(resolve, 5));
            return fleet.executor(documentName, instanceId, parameters);
        };
        const polling = awsSyncPorts({ db: dynamo.documents, s3: s3.client, ssm: ssmClient }, { ...config, pollIntervalMs: 2000 }, {
            sleep: async (ms) => {
                sleeps.push(ms);
                hold--;
                await new Promise((resolve) => setImmediate(resolve));
            },
        });
        const result = await polling.runLicenseCommand({ product: "matlab", instanceId: MATLAB_SERVER, sha256: "0".repeat(64), generation: Date.now() }, Date.now() + 20_000);
        expect(result.status).to.not.equal("WaitTimedOut");
        expect(sleeps.slice(0, 5)).to.deep.equal([250, 500, 1000, 2000, 2000].slice(0, Math.min(5, sleeps.length)));
        expect(sleeps.length).to.be.at.least(4);
    });

    it("a claim left by a sync that died is taken over once its lease has run out", async () => {
        const stale = { generation: Date.now(), holder: "dead-sync", leaseUntil: Date.now() + 60_000 };
        await dynamo.documents.send(new PutCommand({ TableName: table, Item: { ...SYNC_GENERATION_KEY, ...stale } }));
        expect(await sync()).to.deep.equal({ outcome: "busy" });
        await dynamo.documents.send(new PutCommand({ TableName: table, Item: { ...SYNC_GENERATION_KEY, ...stale, leaseUntil: Date.now() - 1 } }));
        const outcome = await sync();
        expect(outcome).to.deep.include({ outcome: "synced" });
        expect((outcome as { generation: number }).generation).to.be.greaterThan(stale.generation);
    });

    it("safety net: every N scheduled ticks it recomputes every list and sends only the differences, even if the marker never moved", async () => {
        await sync();
        ssm.commands.length = 0;
        // A seat appears but the change marker is broken: it never moves.
        await applyWithoutMarker(workbenchEvent({ user: "alice", type: "office" }));
        expect(await sync({ scheduled: true })).to.deep.include({ outcome: "unchanged" });
        expect(await sync()).to.deep.include({ outcome: "unchanged" }); // an announcement does not count as a tick
        expect(await sync({ scheduled: true })).to.deep.include({ outcome: "unchanged" });
        expect(ssm.commands).to.have.length(0);
        const third = await sync({ scheduled: true });
        expect(third).to.deep.include({ outcome: "synced", fullCheck: true, sent: ["matlab"] });
        expect(ssm.commands.map((c) => c.parameters.product[0])).to.deep.equal(["matlab"]);
        expect(fleet.lists().matlab).to.deep.equal(["alice"]);
        expect(telemetry.total("SafetyNetCorrections")).to.equal(1);
        // The count starts again; a check that finds nothing different sends nothing.
        for (let i = 0; i < 2; i++) expect(await sync({ scheduled: true })).to.deep.include({ outcome: "unchanged" });
        expect(await sync({ scheduled: true })).to.deep.include({ outcome: "synced", fullCheck: true, sent: [] });
        expect(ssm.commands).to.have.length(1);
    });

    it("recomputes every list on each tick while the change marker cannot be read, and says so", async () => {
        await sync();
        ssm.parameters.clear(); // deleted parameter
        await applyWithoutMarker(workbenchEvent({ user: "alice", type: "office" }));
        const outcome = await sync({ scheduled: true });
        expect(outcome).to.deep.include({ outcome: "synced", sent: ["matlab"], markerVersion: undefined });
        expect((outcome as { markerError?: string }).markerError).to.match(/ParameterNotFound|not found/);
        expect(telemetry.total("ChangeMarkerUnreadable")).to.equal(1);
        expect(fleet.lists().matlab).to.deep.equal(["alice"]);
    });

    it("gives up waiting at the deadline and leaves the product to the next tick", async () => {
        await sync();
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        let release!: () => void;
        const hang = new Promise<void>((resolve) => (release = resolve));
        duringInstall = () => hang;
        const outcome = await sync({ deadlineMs: 200 });
        expect(outcome.outcome).to.equal("failed");
        expect((outcome as any).failed[0].reason).to.match(/WaitTimedOut/);
        release();
        await ssm.idle();
        duringInstall = undefined;
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["matlab"] });
    });
});
