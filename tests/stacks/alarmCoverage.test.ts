import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { EXAMPLE_STACKS, PLANS_DIR } from "./exampleStacks";
import { projectRoot } from "../../components/lambda/bundle";

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

const DASHBOARD = "aws:cloudwatch/dashboard:Dashboard";

/** Names of the metrics a folder's handlers emit (`telemetry.metric("Name", ...)`, both names of a `cond ? "A" : "B"`). */
function emittedMetrics(folder: string): string[] {
    const names = new Set<string>();
    for (const file of fs.readdirSync(folder, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"))) {
        for (const call of fs.readFileSync(path.join(folder, file), "utf8").matchAll(/\.metric\(([^,]+),/g)) {
            for (const literal of call[1].matchAll(/"([A-Z][A-Za-z0-9]*)"/g)) names.add(literal[1]);
        }
    }
    return [...names].sort();
}

/**
 * What the dashboards show, read from the committed plans: every queue of a stack with a dashboard shows its depth
 * there, and every metric the hub's Lambdas emit is on the hub's dashboard (a new metric, queue or DLQ fails here).
 */
describe("dashboard coverage of the committed plans", () => {
    for (const stack of Object.keys(EXAMPLE_STACKS)) {
        const resources = readPlan(path.join(PLANS_DIR, `${stack}.plan.txt`));
        const bodies = resources.filter((r) => r.type === DASHBOARD).map((d) => d.inputs.dashboardBody);
        if (bodies.length === 0) continue;
        it(`${stack}: shows the depth of every queue of the stack`, () => {
            const shown = new Set(bodies.flatMap((body) => JSON.stringify(JSON.parse(body)).match(/"QueueName","[^"]+"/g) ?? []).map((m) => m.split(",")[1].replace(/"/g, "")));
            const missing = resources.filter((r) => r.type === QUEUE && !shown.has(r.name)).map((q) => q.name);
            expect(resources.some((r) => r.type === QUEUE)).to.equal(true);
            expect(missing, "queues missing from the dashboard").to.deep.equal([]);
        });
    }

    it("license-server: shows every metric the hub's Lambdas and the seat ledger emit", () => {
        const hub = readPlan(path.join(PLANS_DIR, "license-server.plan.txt")).find((r) => r.type === DASHBOARD && r.name === "license-hub");
        const body = JSON.stringify(JSON.parse(hub!.inputs.dashboardBody));
        // A metric line names it after the namespace; a SEARCH expression (one line per dimension value) by MetricName.
        const shown = new Set([...body.matchAll(/"LicenseOps","([A-Za-z0-9]+)"/g), ...body.matchAll(/MetricName=\\"([A-Za-z0-9]+)\\"/g)].map((m) => m[1]));
        const functions = path.join(projectRoot, "functions");
        const emitted = fs.readdirSync(functions).filter((dir) => dir.startsWith("hub-")).flatMap((dir) => emittedMetrics(path.join(functions, dir)));
        expect(emitted.length, "metrics found in functions/hub-*").to.be.greaterThan(20);
        expect(emitted.filter((name) => !shown.has(name)), "metrics missing from the license-hub dashboard").to.deep.equal([]);
    });
});
