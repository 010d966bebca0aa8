/**
 * A scenario file (scenario.ts describes the format): read from JSON and checked entry by entry, so a mistake fails
 * with one line per problem naming the entry at fault.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { STACK_ROLES } from "../../stacks/roles";
import { LICENSE_CONFIGURATION_ARN } from "../../components/config/definitions";
import { ACCOUNT_ID_PATTERN, INSTANCE_ID_PATTERN, REGION_PATTERN, isValidUserId } from "../../functions/shared/workbenchEvent";
import { expectationProblems } from "../story/expectations";
import { attemptProblems } from "./attempts";
import { departureProblems } from "./departures";
import { membershipProblems, organizationProblems } from "./organization";
import { seatEventProblems } from "../story/seatEvents";
import { EC2_STATES, FAULT_TARGETS, Scenario, UsageSeed, scenarioSeconds } from "./scenario";

/** The scenario `npm start` runs without `--scenario`. */
export const DEFAULT_SCENARIO_FILE = path.join(__dirname, "scenarios", "default.json");

export function loadScenario(file = DEFAULT_SCENARIO_FILE): Scenario {
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new Error(`scenario ${file}: ${(err as Error).message}`);
    }
    const problems = scenarioProblems(parsed);
    if (problems.length > 0) throw new Error(`scenario ${file} is not valid:\n  - ${problems.join("\n  - ")}`);
    return parsed as Scenario;
}

const DELIVERY_EXPECTATION_KEYS = ["outcome", "forwarderRetries", "forwarded", "seatsAdded", "seatsReleased"] as const;
const HEAL_EXPECTATION_KEYS = ["outcome", "seatsAdded", "seatsReleased"] as const;
const FAULT_EXPECTATION_KEYS = {
    ec2: ["consumed", "consumedBy"],
    "vendor-cli": ["consumed", "consumedBy"],
    "change-marks": ["installedAfter", "refusedAfter"],
} as const;

/** Every problem of a parsed scenario file, each naming the entry at fault. */
export function scenarioProblems(value: unknown): string[] {
    const problems: string[] = [];
    if (typeof value !== "object" || value === null) return ["the scenario must be a JSON object"];
    const s = value as Partial<Scenario>;
    const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

    if (typeof s.description !== "string") problems.push("description must be a string");
    if (typeof s.region !== "string" || !REGION_PATTERN.test(s.region)) problems.push(`region ${JSON.stringify(s.region)} is not an AWS region`);

    const accounts = isObject(s.accounts) ? s.accounts : {};
    if (!isObject(s.accounts)) problems.push("accounts must be an object");
    const ids = new Set<string>();
    for (const [key, account] of Object.entries(accounts)) {
        if (!isObject(account) || typeof account.accountId !== "string" || !ACCOUNT_ID_PATTERN.test(account.accountId)) {
            problems.push(`accounts.${key}.accountId must be a 12-digit account id`);
            continue;
        }
        if (ids.has(account.accountId)) problems.push(`accounts.${key}: account id ${account.accountId} is used twice`);
        ids.add(account.accountId);
        if (!(STACK_ROLES as readonly string[]).includes(account.role)) problems.push(`accounts.${key}.role must be one of ${STACK_ROLES.join(", ")}`);
        if (account.allowedOnHub !== undefined && account.role !== "workbench-account") problems.push(`accounts.${key}.allowedOnHub only applies to workbench accounts`);
        if (account.regions !== undefined) problems.push(...accountRegionProblems(`accounts.${key}`, account as unknown as Record<string, unknown>));
    }
    for (const role of ["license-server", "license-governance"] as const) {
        const count = Object.values(accounts).filter((a) => isObject(a) && a.role === role).length;
        if (count !== 1) problems.push(`exactly one account must have role ${role} (found ${count})`);
    }
    if (!Object.values(accounts).some((a) => isObject(a) && a.role === "workbench-account")) problems.push("at least one account must have role workbench-account");
    if (s.organization === undefined && !Object.values(accounts).some((a) => isObject(a) && a.role === "workbench-account" && a.allowedOnHub)) {
        problems.push("at least one workbench account must be allowedOnHub (the hub refuses a bus open to nobody)");
    }

    const users = Array.isArray(s.users) ? s.users : [];
    if (!Array.isArray(s.users)) problems.push("users must be an array of user ids");
    for (const user of users) if (!isValidUserId(user)) problems.push(`users: ${JSON.stringify(user)} is not a valid user id`);

    const catalog = isObject(s.catalog) ? s.catalog : undefined;
    if (!catalog || !isObject(catalog.products) || !isObject(catalog.workbenchTypes)) problems.push("catalog needs workbenchTypes and products");
    for (const [product, definition] of Object.entries(catalog?.products ?? {})) {
        if (isObject(definition) && "command" in definition) problems.push(`catalog.products.${product}.command: leave it out, the sandbox plugs in its own vendor CLI`);
    }
    if (catalog && "defaultCommand" in catalog) problems.push("catalog.defaultCommand: leave it out, the sandbox plugs in its own vendor CLI");

    const instances = isObject(s.instances) ? s.instances : {};
    if (!isObject(s.instances)) problems.push("instances must be an object");
    for (const [key, instance] of Object.entries(instances)) {
        const where = `instances.${key}`;
        if (!isObject(instance)) {
            problems.push(`${where} must be an object`);
            continue;
        }
        const account = accounts[instance.account];
        if (!account || account.role !== "workbench-account") problems.push(`${where}.account ${JSON.stringify(instance.account)} is not a workbench account of the scenario`);
        if (instance.instanceId !== undefined && !INSTANCE_ID_PATTERN.test(instance.instanceId)) problems.push(`${where}.instanceId is not an EC2 instance id`);
        if (instance.region !== undefined) problems.push(...instanceRegionProblems(where, instance.region, instance.account, account, s.region));
        const shorthand = instance.owner !== undefined || instance.type !== undefined;
        if (shorthand && instance.tags !== undefined) problems.push(`${where}: give either owner/type or raw tags, not both`);
        if (shorthand && (instance.owner === undefined || instance.type === undefined)) problems.push(`${where}: owner and type go together (use raw tags for a half-tagged instance)`);
        if (instance.owner !== undefined && !users.includes(instance.owner)) problems.push(`${where}.owner ${JSON.stringify(instance.owner)} is not in users (use raw tags for hostile values)`);
        if (instance.stateAtDeployment !== undefined && !(EC2_STATES as readonly string[]).includes(instance.stateAtDeployment)) {
            problems.push(`${where}.stateAtDeployment must be one of ${EC2_STATES.join(", ")}`);
        }
        if (instance.expect !== undefined) {
            if (instance.stateAtDeployment === undefined) problems.push(`${where}.expect needs stateAtDeployment (it is what the first inventory does about that state)`);
            problems.push(...expectationProblems(`${where}.expect`, instance.expect, HEAL_EXPECTATION_KEYS));
        }
        if (instance.tags !== undefined && (!isObject(instance.tags) || !Object.values(instance.tags).every((v) => typeof v === "string"))) {
            problems.push(`${where}.tags must map tag keys to strings`);
        }
    }

    const labels = new Set<string>();
    const timeline = Array.isArray(s.timeline) ? s.timeline : [];
    if (!Array.isArray(s.timeline) || timeline.length === 0) problems.push("timeline must be a non-empty array");
    timeline.forEach((entry, i) => {
        const where = `timeline[${i}]`;
        if (!isObject(entry)) {
            problems.push(`${where} must be an object`);
            return;
        }
        const at = scenarioSeconds(entry.at);
        if (!Number.isFinite(at) || at < 0) problems.push(`${where}.at must be seconds >= 0 or "m:ss"`);
        if (entry.expect !== undefined) problems.push(...expectationProblems(`${where}.expect`, entry.expect, DELIVERY_EXPECTATION_KEYS));
        if (entry.after !== undefined) problems.push(...afterProblems(where, entry.after, at, timeline));
        if (entry.redeliver !== undefined) {
            if (!labels.has(entry.redeliver)) problems.push(`${where}.redeliver names no earlier label ${JSON.stringify(entry.redeliver)}`);
            if (entry.instance !== undefined || entry.state !== undefined || entry.occurredAt !== undefined) problems.push(`${where}: a redelivery repeats its original; give no instance, state or occurredAt`);
            if (entry.lost !== undefined || entry.removeTags !== undefined) problems.push(`${where}: a redelivery repeats its original; give no lost or removeTags`);
            if (timeline.some((e) => isObject(e) && e.label === entry.redeliver && e.lost === true)) problems.push(`${where}.redeliver names a lost event, which was never delivered`);
            return;
        }
        if (typeof entry.instance !== "string" || !(entry.instance in instances)) problems.push(`${where}.instance ${JSON.stringify(entry.instance)} is not in instances`);
        if (!(EC2_STATES as readonly string[]).includes(entry.state as string)) problems.push(`${where}.state must be one of ${EC2_STATES.join(", ")}`);
        if (entry.occurredAt !== undefined) {
            const occurred = scenarioSeconds(entry.occurredAt);
            if (!Number.isFinite(occurred) || occurred < 0 || occurred > at) problems.push(`${where}.occurredAt must be a time at or before its delivery`);
        }
        for (const flag of ["lost", "removeTags"] as const) {
            if (entry[flag] !== undefined && typeof entry[flag] !== "boolean") problems.push(`${where}.${flag} must be true or false`);
        }
        if (entry.lost === true && entry.expect?.forwarderRetries !== undefined) problems.push(`${where}.expect.forwarderRetries: a lost event never reaches the forwarder`);
        if (entry.forged !== undefined) problems.push(...forgedProblems(where, entry as unknown as Record<string, unknown>));
        if (entry.label !== undefined) {
            if (labels.has(entry.label)) problems.push(`${where}.label ${JSON.stringify(entry.label)} is used twice`);
            labels.add(entry.label);
        }
    });
    const laterLabels = timeline.filter((e) => isObject(e) && e.redeliver !== undefined);
    for (const entry of laterLabels) {
        const original = timeline.find((e) => isObject(e) && e.label === entry.redeliver);
        if (original && scenarioSeconds(original.at) > scenarioSeconds(entry.at)) problems.push(`redelivery of ${entry.redeliver} happens before the original delivery`);
    }

    (Array.isArray(s.faults) ? s.faults : s.faults === undefined ? [] : [null]).forEach((fault, i) => {
        const where = `faults[${i}]`;
        if (!isObject(fault)) {
            problems.push(`${where} must be an object (faults must be an array)`);
            return;
        }
        const at = scenarioSeconds(fault.at);
        if (!Number.isFinite(at) || at < 0) problems.push(`${where}.at must be seconds >= 0 or "m:ss"`);
        if (!(FAULT_TARGETS as readonly string[]).includes(fault.target)) problems.push(`${where}.target must be one of ${FAULT_TARGETS.join(", ")}`);
        if (fault.target === "ec2" && accounts[String(fault.account)]?.role !== "workbench-account") problems.push(`${where}.account must be a workbench account of the scenario`);
        if (!Number.isInteger(fault.times) || fault.times < 1 || fault.times > 100) problems.push(`${where}.times must be an integer from 1 to 100`);
        const keys = FAULT_EXPECTATION_KEYS[fault.target as (typeof FAULT_TARGETS)[number]];
        if (fault.expect !== undefined && keys) problems.push(...expectationProblems(`${where}.expect`, fault.expect, keys));
        for (const product of Array.isArray(fault.expect?.installedAfter) ? fault.expect.installedAfter : []) {
            if (catalog && isObject(catalog.products) && !(String(product) in catalog.products)) problems.push(`${where}.expect.installedAfter: ${product} is not a product of the catalog`);
        }
    });

    problems.push(...attemptProblems(s.attempts, accounts, instances, scenarioSeconds));
    if (s.organization !== undefined && s.departures !== undefined) problems.push("departures are listed mode (a hub redeploy without the account); with an organization, move the account out of the workbench OUs (moves)");
    else problems.push(...departureProblems(s.departures, accounts, scenarioSeconds));
    problems.push(...organizationProblems(s.organization), ...membershipProblems(s.organization, accounts, s.moves, scenarioSeconds));
    problems.push(...seatEventProblems(s.seatEvents, Array.isArray(s.users) ? s.users : [], catalog && isObject(catalog.products) ? Object.keys(catalog.products) : []));

    if (!isObject(s.expected)) problems.push("expected must map each product to its final user list");
    for (const [product, list] of Object.entries(isObject(s.expected) ? s.expected : {})) {
        if (catalog && isObject(catalog.products) && !(product in catalog.products)) problems.push(`expected.${product} is not a product of the catalog`);
        if (!Array.isArray(list) || !list.every(isValidUserId)) problems.push(`expected.${product} must be a list of user ids`);
    }
    for (const product of Object.keys(catalog?.products ?? {})) {
        if (isObject(s.expected) && !(product in s.expected)) problems.push(`expected has no list for product ${product}`);
    }

    if (!isObject(s.licenses) || Object.keys(s.licenses).length === 0) problems.push("licenses must define at least one license");
    const usage = isObject(s.licenseUsage) ? s.licenseUsage : {};
    for (const name of Object.keys(isObject(s.licenses) ? s.licenses : {})) {
        if (!(name in usage)) problems.push(`licenseUsage has no entry for license ${name}`);
    }
    for (const [name, seed] of Object.entries(usage)) {
        if (!(name in (s.licenses ?? {}))) problems.push(`licenseUsage.${name} is not a license of the scenario`);
        problems.push(...usageSeedProblems(`licenseUsage.${name}`, seed));
    }
    (s.receivedLicenses ?? []).forEach((license, i) => {
        const at = `receivedLicenses[${i}]`;
        if (typeof license?.product !== "string" || license.product === "") problems.push(`${at}.product is required`);
        if (typeof license?.issuer !== "string" || license.issuer === "") problems.push(`${at}.issuer is required`);
        if (typeof license?.region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(license.region)) problems.push(`${at}.region is not an AWS region`);
        if (license?.expiresInDays !== undefined && !Number.isInteger(license.expiresInDays)) problems.push(`${at}.expiresInDays must be a whole number of days`);
        if (!Array.isArray(license?.entitlements)) problems.push(`${at}.entitlements must be a list of { name, max, consumed }`);
    });
    (s.trackedLicenseConfigurations ?? []).forEach((tracked, i) => {
        if (!LICENSE_CONFIGURATION_ARN.test(String(tracked?.arn))) problems.push(`trackedLicenseConfigurations[${i}].arn is not a license configuration ARN`);
        problems.push(...usageSeedProblems(`trackedLicenseConfigurations[${i}].usage`, tracked?.usage));
    });
    return problems;
}

function usageSeedProblems(where: string, seed: unknown): string[] {
    const s = seed as Partial<UsageSeed> | undefined;
    const problems: string[] = [];
    if (typeof s?.resourceType !== "string" || s.resourceType === "") problems.push(`${where}.resourceType is required`);
    if (!Number.isInteger(s?.resources) || s!.resources! < 0 || s!.resources! > 1000) problems.push(`${where}.resources must be an integer from 0 to 1000`);
    if (!Number.isInteger(s?.consumedPerResource) || s!.consumedPerResource! < 0) problems.push(`${where}.consumedPerResource must be a non-negative integer`);
    return problems;
}

/** `after` names labels of deliveries at or before this one's time that reach the hub (not lost). */
function afterProblems(where: string, after: unknown, at: number, timeline: unknown[]): string[] {
    if (!Array.isArray(after) || !after.every((label) => typeof label === "string")) return [`${where}.after must be a list of labels`];
    return after.flatMap((label) => {
        const original = timeline.find((e): e is Record<string, unknown> => typeof e === "object" && e !== null && (e as Record<string, unknown>).label === label);
        if (!original) return [`${where}.after names no label ${JSON.stringify(label)}`];
        if (original.lost === true) return [`${where}.after names a lost event, which the hub never processes`];
        if (scenarioSeconds(original.at as string | number) > at) return [`${where}.after names ${JSON.stringify(label)}, delivered later`];
        return [];
    });
}

/** A forged delivery changes nothing in EC2: it cannot also be lost, remove tags, be late or be redelivered. */
function forgedProblems(where: string, entry: Record<string, unknown>): string[] {
    const forged = entry.forged as Record<string, unknown>;
    if (typeof forged !== "object" || forged === null || Array.isArray(forged)) return [`${where}.forged must be an object, e.g. {} or { "region": "us-west-2" }`];
    const problems = Object.keys(forged).filter((k) => k !== "region").map((k) => `${where}.forged.${k} is not a field of forged (use region)`);
    if (forged.region !== undefined && (typeof forged.region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(forged.region))) problems.push(`${where}.forged.region must be a region name, e.g. us-west-2`);
    for (const field of ["lost", "removeTags", "occurredAt", "label"] as const) {
        if (entry[field] !== undefined) problems.push(`${where}.${field}: a forged event changes nothing in EC2 and is not delivered again; give no ${field}`);
    }
    return problems;
}

/** A workbench account's `regions`: region codes, each once; the first is its home region. */
function accountRegionProblems(where: string, account: Record<string, unknown>): string[] {
    const regions = account.regions;
    if (account.role !== "workbench-account") return [`${where}.regions only applies to workbench accounts (the other stacks deploy to the scenario's region)`];
    if (!Array.isArray(regions) || regions.length === 0) return [`${where}.regions must be a non-empty list of region codes, e.g. ["eu-central-1", "eu-west-1"]`];
    const problems = regions
        .map((region, i) => (typeof region === "string" && REGION_PATTERN.test(region) ? undefined : `${where}.regions[${i}] ${JSON.stringify(region)} is not a region code, e.g. eu-west-1`))
        .filter((p): p is string => p !== undefined);
    if (new Set(regions).size !== regions.length) problems.push(`${where}.regions lists a region twice`);
    return problems;
}

/** An instance's `region`: a region code its account runs (its `regions`, else the scenario's region). */
function instanceRegionProblems(where: string, region: unknown, accountKey: unknown, account: Record<string, any> | undefined, scenarioRegion: unknown): string[] {
    if (typeof region !== "string" || !REGION_PATTERN.test(region)) return [`${where}.region ${JSON.stringify(region)} is not a region code, e.g. eu-west-1`];
    if (!account || account.role !== "workbench-account") return [];
    const regions: unknown[] = Array.isArray(account.regions) && account.regions.length > 0 ? account.regions : [scenarioRegion];
    if (regions.includes(region)) return [];
    return [`${where}.region ${region} is not a region account ${accountKey} runs (${regions.join(", ")}): add it to accounts.${accountKey}.regions or pick one of those`];
}
