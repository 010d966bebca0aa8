import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { EXAMPLE_STACKS, PLANS_DIR } from "./exampleStacks";

interface PlannedResource {
    type: string;
    name: string;
    /** Each input as its rendered text (single line, or the indented block that follows the key). */
    inputs: Record<string, string>;
}

/** Reads a committed plan (tests/support/resourcePlan.ts renders it): one block per resource, inputs indented. */
function readPlan(file: string): PlannedResource[] {
    const resources: PlannedResource[] = [];
    let current: PlannedResource | undefined;
    let key: string | undefined;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        if (line.startsWith("#") || line === "") continue;
        const header = /^(\S+) (\S+)$/.exec(line);
        const input = /^ {2}([A-Za-z0-9_]+):(?: (.*))?$/.exec(line);
        if (header) resources.push((current = { type: header[1], name: header[2], inputs: {} }));
        else if (input && current) current.inputs[(key = input[1])] = input[2] ?? "";
        else if (current && key) current.inputs[key] += `\n${line.trim()}`;
    }
    return resources;
}

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const QUEUE = "aws:sqs/queue:Queue";

/**
 * Nothing silent: in every committed plan, every CloudWatch alarm notifies someone and every SQS queue (each one
 * holds failed work) has an alarm. Walks the plans, so an alarm or queue added by any component is covered.
 */
describe("alarm coverage of the committed plans", () => {
    for (const stack of Object.keys(EXAMPLE_STACKS)) {
        describe(stack, () => {
            const resources = readPlan(path.join(PLANS_DIR, `${stack}.plan.txt`));
            const alarms = resources.filter((r) => r.type === ALARM);

            it("has alarms and queues to check (the plan parsed)", () => {
                expect(alarms.length).to.be.greaterThan(0);
                expect(resources.filter((r) => r.type === QUEUE).length).to.be.greaterThan(0);
            });

            it("gives every alarm at least one action", () => {
                const silent = alarms.filter((a) => {
                    const actions = a.inputs.alarmActions === undefined ? [] : (JSON.parse(a.inputs.alarmActions) as string[]);
                    return actions.length === 0 || actions.some((arn) => !/^arn:aws[a-z-]*:sns:/.test(arn));
                });
                expect(silent.map((a) => a.name), "alarms without an SNS action").to.deep.equal([]);
            });

            it("watches every queue with an alarm", () => {
                const watched = new Set(alarms.map((a) => (a.inputs.dimensions ? JSON.parse(a.inputs.dimensions).QueueName : undefined)).filter(Boolean));
                const unwatched = resources.filter((r) => r.type === QUEUE && !watched.has(r.name));
                expect(unwatched.map((q) => q.name), "queues without an alarm").to.deep.equal([]);
            });
        });
    }
});
