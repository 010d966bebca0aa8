/**
 * EC2's own truth over scenario time: each instance's state and tags from its state at deployment through every
 * state change of the timeline, at the moment the change happened (`occurredAt`), whether its event is delivered
 * late, or not at all. The inventory lists this truth, as DescribeInstances lists EC2's.
 *
 * The sandbox runs handlers 60 times slower than its scenario clock, so an event can take minutes of scenario
 * time to reach the hub where it takes a fraction of a second on AWS. An inventory listing a state change whose
 * event is still on its way would then race it, and the step's promised outcome would depend on the machine's
 * speed. So the inventory observes the truth only up to the earliest state change whose delivery has not finished
 * yet (its `observableUntil`): what it reports is what AWS would, given AWS's latencies.
 */
import type { Ec2StateName } from "./scenario";

interface TruthEntry {
    /** Scenario seconds. */
    at: number;
    state: Ec2StateName;
    tags: Record<string, string>;
}

/** How long before an unfinished change the inventory's view ends (the change itself is not observed). */
const UNOBSERVED_MARGIN_SECONDS = 0.001;

export interface Ec2Instance {
    tags: Record<string, string>;
    state: string;
}

export class Ec2Truth {
    private readonly history = new Map<string, { accountId: string; region: string; entries: TruthEntry[] }>();
    /** Occurrence time of each state change whose delivery has not finished, by delivery index. */
    private readonly unfinished = new Map<number, number>();
    /** Scenario second the last EC2 event of each instance was put on its account's default bus, by instance id. */
    private readonly deliveries = new Map<string, number>();

    /** An instance of an account-region as it is at deployment (scenario second 0 and before). */
    seed(accountId: string, region: string, instanceId: string, state: Ec2StateName, tags: Record<string, string>): void {
        this.history.set(instanceId, { accountId, region, entries: [{ at: -Infinity, state, tags: { ...tags } }] });
    }

    /**
     * A state change at `at` (scenario seconds), optionally with the instance's tags from then on. With a
     * `deliveryIndex`, the change is unobservable by the inventory until that delivery finished (`finished`).
     */
    change(instanceId: string, at: number, state: Ec2StateName, tags?: Record<string, string>, deliveryIndex?: number): void {
        const record = this.history.get(instanceId);
        if (!record) throw new Error(`EC2 truth: instance ${instanceId} was never seeded`);
        const previous = this.at(record.entries, at);
        record.entries.push({ at, state, tags: tags ? { ...tags } : previous.tags });
        record.entries.sort((a, b) => a.at - b.at);
        if (deliveryIndex !== undefined) this.unfinished.set(deliveryIndex, at);
    }

    /** An EC2 event of the instance goes out at scenario second `at` (a redelivery: again, later). */
    delivered(instanceId: string, at: number): void {
        this.deliveries.set(instanceId, at);
    }

    /** When the instance's last event was put on the bus; undefined when EC2 never sent one for it. */
    lastDeliveredAt(instanceId: string): number | undefined {
        return this.deliveries.get(instanceId);
    }

    has(instanceId: string): boolean {
        return this.history.has(instanceId);
    }

    /** The delivery of a state change finished (processed, refused, dropped or given up on). */
    finished(deliveryIndex: number): void {
        this.unfinished.delete(deliveryIndex);
    }

    /** The latest scenario second the inventory may observe at `scenarioNow`: just before any unfinished change. */
    observableUntil(scenarioNow: number): number {
        return Math.min(scenarioNow, ...[...this.unfinished.values()].map((at) => at - UNOBSERVED_MARGIN_SECONDS));
    }

    /** What DescribeInstances lists in an account's region at scenario second `at`: EC2 is regional, so only that region's instances. */
    view(accountId: string, region: string, at: number): Array<[string, Ec2Instance]> {
        return [...this.history]
            .filter(([, r]) => r.accountId === accountId && r.region === region)
            .map(([id, r]) => {
                const { state, tags } = this.at(r.entries, at);
                return [id, { state, tags: { ...tags } }];
            });
    }

    private at(entries: TruthEntry[], at: number): TruthEntry {
        let current = entries[0];
        for (const entry of entries) if (entry.at <= at) current = entry;
        return current;
    }
}
