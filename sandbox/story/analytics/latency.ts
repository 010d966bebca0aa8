/**
 * Event -> license server latency as the sandbox sees it: from a workbench's EC2 start (the event reaching its
 * account's bus) to the first installed list of each of its products that newly names its owner, in wall-clock
 * seconds (what the deployed system takes: the handlers run at real speed) and on the scenario clock.
 * Starts whose owner is already on a product's list (a second workbench) are not samples; denied users never are.
 */
import type { SandboxEvent } from "../../runtime/events";

export interface StartedWorkbench {
    owner: string;
    products: string[];
}

export class LatencyCollector {
    /** `<product>\n<user>` -> when the start still waiting for its list happened: scenario second and real ms. */
    private readonly waiting = new Map<string, { at: number; realMs: number }>();
    private readonly lists = new Map<string, Set<string>>();
    /** Wall-clock seconds from start to license server, one per (start, product) that got there. */
    readonly samples: number[] = [];
    /** The same, in scenario seconds. */
    readonly scenarioSamples: number[] = [];

    /** `workbench(instance name)`: owner and products the scenario gives the instance. */
    constructor(
        private readonly workbench: (instance: string) => StartedWorkbench | undefined,
        private readonly realNow: () => number = Date.now,
    ) {}

    readonly onEvent = (event: SandboxEvent): void => {
        if (event.kind === "ec2-event" && event.state === "running" && !event.redelivery) {
            const started = this.workbench(event.instance);
            for (const product of started?.products ?? []) {
                const key = `${product}\n${started!.owner}`;
                if (!this.lists.get(product)?.has(started!.owner) && !this.waiting.has(key)) this.waiting.set(key, { at: event.at, realMs: this.realNow() });
            }
        }
        if (event.kind === "license-server" && event.ok) {
            const users = new Set(event.users ?? []);
            this.lists.set(event.product, users);
            for (const user of users) {
                const key = `${event.product}\n${user}`;
                const start = this.waiting.get(key);
                if (start === undefined) continue;
                this.samples.push((this.realNow() - start.realMs) / 1000);
                this.scenarioSamples.push(event.at - start.at);
                this.waiting.delete(key);
            }
        }
    };
}
