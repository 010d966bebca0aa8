/**
 * Event -> license server latency as the sandbox sees it: from a workbench's EC2 start (the event reaching its
 * account's bus) to the first installed list of each of its products that newly names its owner, in scenario seconds.
 * Starts whose owner is already on a product's list (a second workbench) are not samples; denied users never are.
 */
import type { SandboxEvent } from "../../runtime/events";

export interface StartedWorkbench {
    owner: string;
    products: string[];
}

export class LatencyCollector {
    /** `<product>\n<user>` -> scenario second of the start still waiting for its list. */
    private readonly waiting = new Map<string, number>();
    private readonly lists = new Map<string, Set<string>>();
    /** Seconds from start to license server, one per (start, product) that got there. */
    readonly samples: number[] = [];

    /** `workbench(instance name)`: owner and products the scenario gives the instance. */
    constructor(private readonly workbench: (instance: string) => StartedWorkbench | undefined) {}

    readonly onEvent = (event: SandboxEvent): void => {
        if (event.kind === "ec2-event" && event.state === "running" && !event.redelivery) {
            const started = this.workbench(event.instance);
            for (const product of started?.products ?? []) {
                const key = `${product}\n${started!.owner}`;
                if (!this.lists.get(product)?.has(started!.owner) && !this.waiting.has(key)) this.waiting.set(key, event.at);
            }
        }
        if (event.kind === "license-server" && event.ok) {
            const users = new Set(event.users ?? []);
            this.lists.set(event.product, users);
            for (const user of users) {
                const key = `${event.product}\n${user}`;
                const at = this.waiting.get(key);
                if (at === undefined) continue;
                this.samples.push(event.at - at);
                this.waiting.delete(key);
            }
        }
    };
}
