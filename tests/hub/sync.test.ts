import { expect } from "chai";
import { createHash } from "node:crypto";
import { SSMClient } from "@aws-sdk/client-ssm";
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { awsSyncPorts } from "../../functions/hub-sync/awsPorts";
import { SyncOutcome, syncUserLists } from "../../functions/hub-sync/sync";
import { ssmChangeMarkerPorts } from "../../functions/hub-change-marker/awsPorts";
import type { SyncConfig } from "../../functions/hub-shared/config";
import { seatRowKey } from "../../functions/hub-shared/tableKeys";
import { LICENSE_DOCUMENT_PARAMETERS } from "../../functions/hub-shared/userList";
import { syncCatalog } from "../../components/hub/catalog";
import { LOCAL_CLIENT_CONFIG } from "../../sandbox/aws/awsJsonServer";
import { startDynalite, LocalDynamo } from "../../sandbox/aws/dynalite";
import { startS3rver, LocalS3 } from "../../sandbox/aws/s3rver";
import { startSsmStandin, SsmStandin, StandinCommand } from "../../sandbox/aws/ssmStandin";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { ANSYS_SERVER, CATALOG, HOSTILE_USER_IDS, MATLAB_SERVER, workbenchEvent } from "./support/fixtures";
import { EventPipeline } from "./support/pipeline";

const MARKER = "hub-seats-changed";
const BUCKET = "hub-user-lists";
const DOCUMENT = "hub-install-user-list";

describe("hub sync (dynalite, s3rver, SSM stand-in with a fake license server)", function () {
    this.timeout(60_000);
    let dynamo: LocalDynamo;
    let s3: LocalS3;
    let ssm: SsmStandin;
    let ssmClient: SSMClient;
    let table: string;
    let pipeline: EventPipeline;
    let telemetry: RecordingTelemetry;
    let config: SyncConfig;
    /** What each license server has installed, per product. */
    let installed: Map<string, string[]>;
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
        installed = new Map();
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
        };
        // The fake license server: what the document does, minus the shell: fetch the object, check it, install it.
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
            const { body } = await s3.getText(BUCKET, parameters.listObjectKey[0]);
            expect(createHash("sha256").update(body).digest("hex")).to.equal(parameters.listSha256[0]);
            installed.set(product, body.split("\n").filter(Boolean));
            return "Success";
        };
    });

    const ports = () => awsSyncPorts({ db: dynamo.documents, s3: s3.client, ssm: ssmClient }, config, { sleep: () => new Promise((r) => setImmediate(r)) });
    const sync = (options: { force?: boolean; deadlineMs?: number } = {}): Promise<SyncOutcome> =>
        syncUserLists(
            ports(),
            { products: config.products, configurationFingerprint: config.configurationFingerprint, deadline: Date.now() + (options.deadlineMs ?? 20_000), force: options.force },
            telemetry,
        );
    const commandsFor = (product: string) => ssm.commands.filter((c) => c.parameters.product?.[0] === product);

    it("delivers every product on the first sync, then sends nothing while nothing changes", async () => {
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        const first = await sync();
        expect(first).to.deep.include({ outcome: "synced", markerVersion: 2 });
        expect(installed.get("matlab")).to.deep.equal(["alice"]);
        expect(installed.get("ansys")).to.deep.equal([]);
        expect(ssm.commands).to.have.length(2);

        const second = await sync();
        expect(second).to.deep.equal({ outcome: "unchanged", markerVersion: 2 });
        expect(ssm.commands).to.have.length(2);
        expect(telemetry.total("UsersAssigned", { Product: "matlab" })).to.equal(2); // reported on both ticks
    });

    it("sends a command only for the products whose user list changed", async () => {
        await sync();
        ssm.commands.length = 0;
        await pipeline.apply(workbenchEvent({ user: "bob", type: "simulation", instance: "i-0bbbbbbbbbbbbbbb1" }));
        const outcome = await sync();
        expect(outcome).to.deep.include({ outcome: "synced", sent: ["ansys"] });
        expect(ssm.commands.map((c) => c.parameters.product[0])).to.deep.equal(["ansys"]);
        expect(ssm.commands[0].instanceIds).to.deep.equal([ANSYS_SERVER]);
        expect(installed.get("ansys")).to.deep.equal(["bob"]);

        // A second workbench of the same user changes no list: the marker does not even move.
        await pipeline.apply(workbenchEvent({ user: "bob", type: "simulation", instance: "i-0bbbbbbbbbbbbbbb2", at: 5 }));
        expect(await sync()).to.deep.include({ outcome: "unchanged" });
        // Stopping one of two workbenches also changes nothing; stopping the last empties the list.
        await pipeline.apply(workbenchEvent({ user: "bob", type: "simulation", instance: "i-0bbbbbbbbbbbbbbb1", ec2State: "stopped", at: 10 }));
        expect(await sync()).to.deep.include({ outcome: "unchanged" });
        await pipeline.apply(workbenchEvent({ user: "bob", type: "simulation", instance: "i-0bbbbbbbbbbbbbbb2", ec2State: "stopped", at: 20 }));
        expect(await sync()).to.deep.include({ outcome: "synced", sent: ["ansys"] });
        expect(installed.get("ansys")).to.deep.equal([]);
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
        expect(installed.get("ansys")).to.deep.equal(["alice"]);
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
        expect(installed.get("matlab")).to.deep.equal(["alice"]);

        const next = await sync();
        expect(next).to.deep.include({ outcome: "synced", markerVersion: 3, sent: ["matlab"] });
        expect(installed.get("matlab")).to.deep.equal(["alice", "zoe"]);
    });

    it("handles 10,000 users of one product: every page read, one object, small command parameters", async () => {
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
        expect(installed.get("ansys")).to.deep.equal(users);
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
        expect(installed.get("matlab")).to.deep.equal(["carol", "dave", "erin"]);
        expect(telemetry.total("SeatDenials", { Product: "matlab" })).to.equal(2);
        expect(telemetry.total("SeatsFree", { Product: "matlab" })).to.equal(0);
        expect(telemetry.total("SeatDemand", { Product: "matlab" })).to.equal(5);
        const warning = telemetry.logs.find((l) => l.message.startsWith("seat shortfall"));
        expect(warning?.fields).to.deep.include({ product: "matlab", seats: 3, demand: 5, denied: 2, deniedUsers: ["bob", "alice"] });

        // When the longest-held user leaves, the longest-waiting one gets the seat.
        await pipeline.apply(workbenchEvent({ user: "erin", type: "office", instance: "i-0dddddddddddddd00", ec2State: "stopped", at: 600 }));
        await sync();
        expect(installed.get("matlab")).to.deep.equal(["bob", "carol", "dave"]);
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
        expect(installed.get("matlab")).to.deep.equal(["alice"]);
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

    it("notices a recreated marker parameter whose version starts again", async () => {
        await sync();
        ssm.parameters.clear();
        await ssmChangeMarkerPorts(ssmClient, MARKER).markChanged("recreated");
        await pipeline.apply(workbenchEvent({ user: "alice", type: "office" }));
        const outcome = await sync();
        expect(outcome).to.deep.include({ outcome: "synced", markerVersion: 2, sent: ["matlab"] });
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
