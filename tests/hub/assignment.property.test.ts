import { expect } from "chai";
import fc from "fast-check";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { assignSeats } from "../../functions/hub-assignment/assignment";
import { eventOrderKey } from "../../functions/hub-assignment/eventOrder";
import { instanceItemKey, instanceRef } from "../../functions/hub-shared/tableKeys";
import { EC2_STATE_TO_WORKBENCH_STATE, Ec2State, WORKBENCH_EC2_STATES } from "../../functions/shared/workbenchEvent";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { allSettledOrThrow } from "../support/settled";
import { CATALOG, NOW, WORKBENCH_ACCOUNT, assignmentConfig, workbenchEvent } from "./support/fixtures";
import { dynaliteHubProperty } from "./support/dynaliteHub";

const USERS = ["alice", "bob", "carol"];
const TYPES = Object.keys(CATALOG.workbenchTypes);
const INSTANCES = ["i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2", "i-0aaaaaaaaaaaaaaa3", "i-0aaaaaaaaaaaaaaa4"];

interface GeneratedEvent {
    instance: string;
    user: string;
    type: string;
    ec2State: Ec2State;
    /** Few distinct seconds, so same-second ties are common. */
    at: number;
}

const eventArb: fc.Arbitrary<GeneratedEvent> = fc.record({
    instance: fc.constantFrom(...INSTANCES),
    // Mostly one owner per instance, sometimes a tag change between events.
    user: fc.constantFrom(...USERS),
    type: fc.constantFrom(...TYPES),
    ec2State: fc.constantFrom(...WORKBENCH_EC2_STATES),
    at: fc.integer({ min: 0, max: 6 }),
});

/** Events, then how EventBridge and Lambda deliver them: each 1-3 times, in any order, some concurrently. */
const scenarioArb = fc.array(eventArb, { minLength: 1, maxLength: 10 }).chain((events) =>
    fc
        .tuple(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: events.length, maxLength: events.length }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 30 }))
        .chain(([copies, batchSizes]) => {
            const deliveries = copies.flatMap((n, i) => Array.from({ length: n }, () => i));
            return fc.record({
                events: fc.constant(events),
                order: fc.shuffledSubarray(deliveries, { minLength: deliveries.length, maxLength: deliveries.length }),
                batchSizes: fc.constant(batchSizes),
            });
        }),
);

/** What the table must hold after every delivery: the latest event of each instance decides its seats. */
function expectedRows(events: GeneratedEvent[]): Record<string, string[]> {
    const latest = new Map<string, { key: string; event: GeneratedEvent }>();
    events.forEach((event, i) => {
        const detail = workbenchEvent({ ...event, id: `ev-${i}` }).detail;
        const key = eventOrderKey(detail["ec2-event-time"], event.ec2State, detail["ec2-event-id"], NOW);
        const current = latest.get(event.instance);
        if (!current || key > current.key) latest.set(event.instance, { key, event });
    });
    const rows: Record<string, string[]> = {};
    for (const [instance, { event }] of latest) {
        if (EC2_STATE_TO_WORKBENCH_STATE[event.ec2State] !== "started") continue;
        for (const product of CATALOG.workbenchTypes[event.type]) {
            (rows[`${product}/${event.user}`] ??= []).push(instanceRef(WORKBENCH_ACCOUNT, "eu-central-1", instance));
        }
    }
    for (const holders of Object.values(rows)) holders.sort();
    return rows;
}

const RUNS = 200;

describe("hub assignment: any interleaving converges (fast-check, dynalite)", function () {
    const check = dynaliteHubProperty(this, RUNS);

    it("ends with exactly the (product, user) seats of running workbenches, each counting its holders", async () => {
        await check(scenarioArb, async (hub, { events, order, batchSizes }) => {
            const config = assignmentConfig(hub.tableName);
            const telemetry = new RecordingTelemetry();
            const deliver = (i: number) => assignSeats(workbenchEvent({ ...events[i], id: `ev-${i}` }), config, hub.ports, telemetry, NOW);
            // Concurrent batches race on the same instance and seat rows, as parallel Lambda invocations do.
            let next = 0;
            for (let b = 0; next < order.length; b++) {
                const size = batchSizes[b % batchSizes.length];
                await allSettledOrThrow(order.slice(next, next + size).map(deliver));
                next += size;
            }

            const actual = Object.fromEntries(
                [...(await hub.seatRows())].map(([key, row]) => {
                    expect(row.workbenchCount, `${key} count`).to.equal(row.instances.length);
                    return [key, row.instances];
                }),
            );
            expect(actual).to.deep.equal(expectedRows(events));
            expect(telemetry.total("WorkbenchEventsRejected")).to.equal(0);

            // Each instance item holds its latest event's state.
            for (const instance of new Set(events.map((e) => e.instance))) {
                const { Item } = await hub.documents.send(
                    new GetCommand({ TableName: hub.tableName, Key: instanceItemKey(instanceRef(WORKBENCH_ACCOUNT, "eu-central-1", instance)), ConsistentRead: true }),
                );
                const mine = events.map((e, i) => ({ e, i })).filter(({ e }) => e.instance === instance);
                const winner = mine.reduce((best, cur) => {
                    const key = (x: typeof cur) => eventOrderKey(workbenchEvent({ ...x.e, id: `ev-${x.i}` }).detail["ec2-event-time"], x.e.ec2State, `ev-${x.i}`, NOW);
                    return key(cur) > key(best) ? cur : best;
                });
                expect(Item?.ec2EventId, instance).to.equal(`ev-${winner.i}`);
            }
        });
    });
});
