/**
 * Silence is an alarm (#21 item 4): the hub's watch names every expected account-region (configured, or heard from in
 * the last day) that sent no complete snapshot for N periods, by account and region, from the records the
 * reconciliation writes.
 */
import { expect } from "chai";
import { assignSeats } from "../../functions/hub-assignment/assignment";
import { dynamoAssignmentPorts } from "../../functions/hub-assignment/awsPorts";
import { reconcileSnapshot } from "../../functions/hub-assignment/snapshot";
import { dynamoSnapshotPorts } from "../../functions/hub-assignment/snapshotPorts";
import { dynamoWatchPorts } from "../../functions/hub-inventory-watch/awsPorts";
import { watchSettingsFromEnv } from "../../functions/hub-inventory-watch/settings";
import { WatchSettings, silentAccountRegions, watchInventories } from "../../functions/hub-inventory-watch/watch";
import type { InventoryRecord } from "../../functions/hub-shared/inventoryRecords";
import { snapshotChunks } from "../../functions/shared/inventorySnapshot";
import { WORKBENCH_EVENT_SOURCE, WORKBENCH_SNAPSHOT_DETAIL_TYPE } from "../../functions/shared/workbenchEvent";
import { LocalDynamo, startDynalite } from "../../sandbox/aws/dynalite";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { NOW, assignmentConfig, workbenchEvent } from "./support/fixtures";
import { seatRows } from "./support/hubTable";

const MINUTE = 60_000;
const SETTINGS: WatchSettings = { periodSeconds: 300, silentPeriods: 3, regions: ["eu-central-1", "us-east-1"], admittedAccounts: ["111111111111"] };
const noDepartures = async (): Promise<never> => {
    throw new Error("no account-region departed here");
};
const record = (account: string, region: string, minutesAgo: number): InventoryRecord => {
    const at = new Date(NOW - minutesAgo * MINUTE).toISOString();
    return { account, region, snapshotId: `s-${account}-${region}`, asOf: at, reconciledAt: at };
};

describe("the hub's silence watch", () => {
    it("names the configured account-regions never heard from, and any expected one silent for N periods", () => {
        const records = [
            record("111111111111", "eu-central-1", 4), // configured, fine
            record("111111111111", "us-east-1", 16), // configured, 3 periods silent
            record("222222222222", "eu-central-1", 14), // seen today, not yet 3 periods
            record("333333333333", "ap-south-2", 30), // seen today, 6 periods silent
            record("444444444444", "eu-central-1", 25 * 60), // last heard of yesterday: no longer expected
        ];
        const listed = silentAccountRegions(records, SETTINGS, NOW);
        // Listed accounts and regions: exactly those are expected (the others are no longer admitted: departures).
        expect(listed.expected).to.equal(2);
        expect(listed.silent).to.deep.equal([{ account: "111111111111", region: "us-east-1", lastSnapshotAt: records[1].asOf, silentPeriods: 3, expectedBecause: "configured" }]);
        // Organisation mode, no regions configured: whoever was heard from in the last day is expected.
        const { expected, silent } = silentAccountRegions(records, { ...SETTINGS, admittedAccounts: [], regions: [] }, NOW);
        expect(expected).to.equal(4);
        expect(silent).to.deep.equal([
            { account: "111111111111", region: "us-east-1", lastSnapshotAt: records[1].asOf, silentPeriods: 3, expectedBecause: "seen in the last day" },
            { account: "333333333333", region: "ap-south-2", lastSnapshotAt: records[3].asOf, silentPeriods: 6, expectedBecause: "seen in the last day" },
        ]);
        // Configured regions of an admitted account that never sent anything are silent from the start.
        const fresh = silentAccountRegions([], SETTINGS, NOW);
        expect(fresh.silent.map((s) => `${s.account}/${s.region}`)).to.deep.equal(["111111111111/eu-central-1", "111111111111/us-east-1"]);
        // With nothing configured (organisation mode without a list), only what was heard from is expected.
        expect(silentAccountRegions([], { ...SETTINGS, admittedAccounts: [] }, NOW)).to.deep.equal({ expected: 0, silent: [] });
    });

    it("emits the silence per account and region (the alarm's contributors) and the count, and logs each", async () => {
        const telemetry = new RecordingTelemetry();
        const ports = { lastSnapshots: async () => [record("111111111111", "eu-central-1", 20), record("111111111111", "us-east-1", 1)], releaseDeparted: noDepartures };
        await watchInventories(ports, SETTINGS, telemetry, NOW);
        expect(telemetry.metrics).to.deep.include({ name: "InventorySilentPeriods", value: 4, unit: "Count", dimensions: { account: "111111111111", region: "eu-central-1" } });
        expect(telemetry.metrics.filter((m) => m.name === "InventorySilentPeriods")).to.have.length(1);
        expect(telemetry.total("SilentAccountRegions")).to.equal(1);
        expect(telemetry.logs.filter((l) => l.level === "warn").map((l) => l.fields)).to.deep.equal([
            { account: "111111111111", region: "eu-central-1", lastSnapshotAt: new Date(NOW - 20 * MINUTE).toISOString(), silentPeriods: 4, expectedBecause: "configured" },
        ]);
    });

    it("releases the seats of account-regions heard from that are no longer admitted, and does not expect them", async () => {
        const released: string[] = [];
        const ports = {
            lastSnapshots: async () => [record("111111111111", "eu-central-1", 1), record("999999999999", "eu-central-1", 1), record("111111111111", "ap-south-2", 1)],
            releaseDeparted: async (account: string, region: string) => {
                released.push(`${account}/${region}`);
                return { account, region, instancesStopped: 1, seatsReleased: 2 };
            },
        };
        const outcome = await watchInventories(ports, SETTINGS, new RecordingTelemetry(), NOW);
        // An account left the admission list, and a region left workbenchRegions.
        expect(released).to.deep.equal(["999999999999/eu-central-1", "111111111111/ap-south-2"]);
        expect(outcome.departed.map((d) => d.seatsReleased)).to.deep.equal([2, 2]);
        expect(outcome.silent.map((s) => `${s.account}/${s.region}`)).to.deep.equal(["111111111111/us-east-1"]);
        expect(outcome.expected).to.equal(2);
    });

    it("reads its settings from the environment and refuses broken ones", () => {
        const env = { HUB_INVENTORY_PERIOD_SECONDS: "300", HUB_SILENT_INVENTORY_PERIODS: "3", HUB_TOMBSTONE_RETENTION_SECONDS: "604800" };
        expect(watchSettingsFromEnv({ ...env, HUB_WORKBENCH_REGIONS: "eu-central-1, us-east-1" })).to.deep.equal({ periodSeconds: 300, silentPeriods: 3, regions: ["eu-central-1", "us-east-1"], tombstoneRetentionSeconds: 604800 });
        expect(watchSettingsFromEnv(env).regions).to.deep.equal([]);
        expect(() => watchSettingsFromEnv({ ...env, HUB_INVENTORY_PERIOD_SECONDS: "0" })).to.throw(/HUB_INVENTORY_PERIOD_SECONDS must be a positive integer/);
        expect(() => watchSettingsFromEnv({ ...env, HUB_WORKBENCH_REGIONS: "mars-1" })).to.throw(/"mars-1" is not a region/);
    });

    describe("on the records the reconciliation writes (dynalite)", function () {
        this.timeout(60_000);
        let dynamo: LocalDynamo;
        before(async () => {
            dynamo = await startDynalite();
        });
        after(() => dynamo.close());

        it("hears from an account-region once its snapshot is reconciled, and names it when it falls silent", async () => {
            const table = await dynamo.createHubTable();
            try {
                const config = assignmentConfig(table, { allowedAccounts: new Set() });
                const ports = { ...dynamoAssignmentPorts(dynamo.documents, table), ...dynamoSnapshotPorts(dynamo.documents, table) };
                const asOf = new Date(NOW - 2 * MINUTE).toISOString();
                for (const [account, region] of [["111111111111", "eu-central-1"], ["555555555555", "eu-west-1"]]) {
                    const [detail] = snapshotChunks({ account, region, snapshotId: `w-${account}`, asOf }, []);
                    const event = { version: "0", id: `bus-${account}`, "detail-type": WORKBENCH_SNAPSHOT_DETAIL_TYPE, source: WORKBENCH_EVENT_SOURCE, account, time: asOf, region, resources: [], detail };
                    expect((await reconcileSnapshot(event, config, ports, new RecordingTelemetry(), NOW)).outcome).to.equal("reconciled");
                }
                const watch = dynamoWatchPorts(dynamo.documents, table, 7 * 86400, new RecordingTelemetry());
                // Organisation mode (no list) for the silence part: every account the bus admits is admitted.
                const settings = { ...SETTINGS, regions: [] };
                expect((await watchInventories(watch, { ...settings, admittedAccounts: [] }, new RecordingTelemetry(), NOW)).silent).to.deep.equal([]);
                // Twenty minutes later, nothing more arrived: both are named, the unconfigured one because it was seen.
                const later = await watchInventories(watch, { ...settings, admittedAccounts: [] }, new RecordingTelemetry(), NOW + 20 * MINUTE);
                expect(later.silent.map((s) => [s.account, s.region, s.expectedBecause])).to.deep.equal([
                    ["111111111111", "eu-central-1", "seen in the last day"],
                    ["555555555555", "eu-west-1", "seen in the last day"],
                ]);
            } finally {
                await dynamo.deleteTable(table);
            }
        });

        it("leaving is clean: the seats of an account removed from the admission list are released at the next watch, and logged", async () => {
            const table = await dynamo.createHubTable();
            try {
                const config = assignmentConfig(table, { allowedAccounts: new Set() });
                const ports = { ...dynamoAssignmentPorts(dynamo.documents, table), ...dynamoSnapshotPorts(dynamo.documents, table) };
                const stays = "111111111111";
                const leaves = "666666666666";
                const workbenches = [[stays, "alice", "i-0000000000000000a"], [leaves, "bob", "i-0000000000000000b"], [leaves, "carol", "i-0000000000000000c"]] as const;
                for (const [account, user, instance] of workbenches) {
                    expect((await assignSeats(workbenchEvent({ account, instance, user, at: 10 }), config, ports, new RecordingTelemetry(), NOW)).outcome).to.equal("applied");
                }
                for (const account of [stays, leaves]) {
                    const asOf = new Date(NOW - MINUTE).toISOString();
                    const running = workbenches.filter(([a]) => a === account).map(([, user, id]) => ({ "instance-id": id, "ec2-state": "running" as const, "user-id": user, "workbench-type": "cae-standard" }));
                    const [detail] = snapshotChunks({ account, region: "eu-central-1", snapshotId: `l-${account}`, asOf }, running);
                    const event = { version: "0", id: `bus-l-${account}`, "detail-type": WORKBENCH_SNAPSHOT_DETAIL_TYPE, source: WORKBENCH_EVENT_SOURCE, account, time: asOf, region: "eu-central-1", resources: [], detail };
                    expect((await reconcileSnapshot(event, config, ports, new RecordingTelemetry(), NOW)).outcome).to.equal("reconciled");
                }
                const heldBy = async () => [...(await seatRows(dynamo.documents, table)).keys()].sort();
                expect(await heldBy()).to.deep.equal(["ansys/alice", "ansys/bob", "ansys/carol", "matlab/alice", "matlab/bob", "matlab/carol"]);

                // The admission list no longer names the account: the next watch releases its seats and logs it.
                const telemetry = new RecordingTelemetry();
                const watch = dynamoWatchPorts(dynamo.documents, table, 7 * 86400, telemetry);
                const outcome = await watchInventories(watch, { ...SETTINGS, regions: [], admittedAccounts: [stays] }, telemetry, NOW);
                expect(outcome.departed).to.deep.equal([{ account: leaves, region: "eu-central-1", instancesStopped: 2, seatsReleased: 4 }]);
                expect(await heldBy()).to.deep.equal(["ansys/alice", "matlab/alice"]);
                expect(telemetry.total("DepartedSeatsReleased")).to.equal(4);
                expect(telemetry.logs.find((l) => l.message.startsWith("account-region no longer admitted"))?.fields).to.deep.equal(outcome.departed[0]);
                // Forgotten: not expected, so never reported silent; a second watch releases nothing more.
                const again = await watchInventories(watch, { ...SETTINGS, regions: [], admittedAccounts: [stays] }, new RecordingTelemetry(), NOW + 60 * MINUTE);
                expect(again.departed).to.deep.equal([]);
                expect(again.silent.map((s) => s.account)).to.deep.equal([stays]);
            } finally {
                await dynamo.deleteTable(table);
            }
        });
    });
});
