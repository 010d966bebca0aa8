/**
 * The scenario's AWS Organizations model: the organisation, its OUs (nested under the root or one another), each
 * account's parent at the start, and the accounts moved between OUs during the run (`moves`). In organisation mode
 * (decision 0003) the hub bus admits a forwarder by `aws:PrincipalOrgPaths`, the StackSet deploys the forwarder to
 * the workbench OUs' accounts and the hub's silence watch reads the OUs' membership: all three ask this model, at the
 * time of the call.
 */
import type { OrganizationOf } from "../aws/iamEvaluator";
import type { OrganizationListing } from "../aws/organizationsStandin";
import { expectationProblems } from "../story/expectations";

export interface ScenarioOrganizationalUnit {
    /** The OU's id, `ou-<root part>-<suffix>`. */
    id: string;
    /** Key of the OU it is nested in. Default: the root. */
    parent?: string;
}

export interface ScenarioOrganization {
    /** `o-...` */
    id: string;
    /** `r-...` */
    rootId: string;
    /** OUs by key. */
    units: Record<string, ScenarioOrganizationalUnit>;
    /**
     * Keys of the workbench OUs: the hub admits their accounts (`workbenchOrganizationalUnitPaths`), the StackSet
     * deploys the forwarder to them, the silence watch reads their members. Nested OUs are included.
     */
    workbenchUnits: string[];
}

/** An account moved to another OU (Organizations MoveAccount) at a scenario time. */
export interface AccountMove {
    at: number | string;
    /** Key of the scenario account moved. */
    account: string;
    /** Key of the OU it is moved to, or "root". */
    to: string;
    note?: string;
    /**
     * `forwarderRegions`: the regions the StackSets stand-in deployed the forwarder to for this move (a move into a
     * workbench OU); `seatsReleased`: the seat holders the silence watch released for the account after the move.
     */
    expect?: { forwarderRegions?: string[]; seatsReleased?: number };
}

export const ROOT = "root";
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/;

/** Where every account is at a scenario time, and the OU paths `aws:PrincipalOrgPaths` carries. */
export class OrganizationModel {
    private readonly moves: Array<{ at: number; accountId: string; to: string }>;

    constructor(
        readonly organization: ScenarioOrganization,
        private readonly startParents: ReadonlyMap<string, string>,
        moves: Array<{ at: number; accountId: string; to: string }>,
    ) {
        this.moves = [...moves].sort((a, b) => a.at - b.at);
    }

    /** Key of the account's parent (an OU key or "root") at `seconds`, or undefined for an account outside. */
    parentAt(accountId: string, seconds: number): string | undefined {
        let parent = this.startParents.get(accountId);
        for (const move of this.moves) if (move.accountId === accountId && move.at <= seconds) parent = move.to;
        return parent;
    }

    /** The `o-.../r-.../ou-.../` path of an OU key (or the root), ending in a slash. */
    pathOfUnit(key: string): string {
        const chain: string[] = [];
        for (let unit = key; unit !== ROOT; unit = this.organization.units[unit].parent ?? ROOT) chain.unshift(this.organization.units[unit].id);
        return [this.organization.id, this.organization.rootId, ...chain].join("/") + "/";
    }

    /** `aws:PrincipalOrgPaths` of a principal of the account at `seconds`: the path of its parent. */
    principalOrgPaths(accountId: string, seconds: number): string[] {
        const parent = this.parentAt(accountId, seconds);
        return parent === undefined ? [] : [this.pathOfUnit(parent)];
    }

    /** Whether the account sits in a workbench OU (or an OU nested in one) at `seconds`. */
    inWorkbenchUnits(accountId: string, seconds: number): boolean {
        return this.underAnyOf(accountId, this.organization.workbenchUnits.map((key) => this.organization.units[key].id), seconds);
    }

    /** Whether the account sits in one of these OUs (by id), or in an OU nested in one, at `seconds`. */
    underAnyOf(accountId: string, ouIds: readonly string[], seconds: number): boolean {
        const parent = this.parentAt(accountId, seconds);
        if (parent === undefined) return false;
        const chain = this.pathOfUnit(parent).split("/");
        return ouIds.some((id) => chain.includes(id));
    }

    /** The OU id or root id of an OU key. */
    idOf(key: string): string {
        return key === ROOT ? this.organization.rootId : this.organization.units[key].id;
    }

    /** Accounts directly under a parent id (`ou-...` or `r-...`) at `seconds`. */
    accountsUnder(parentId: string, seconds: number, accountIds: Iterable<string>): string[] {
        return [...accountIds].filter((id) => {
            const parent = this.parentAt(id, seconds);
            return parent !== undefined && this.idOf(parent) === parentId;
        });
    }

    /** OU ids directly under a parent id. */
    unitsUnder(parentId: string): string[] {
        return Object.entries(this.organization.units)
            .filter(([, unit]) => this.idOf(unit.parent ?? ROOT) === parentId)
            .map(([, unit]) => unit.id);
    }

    /** Whether a parent id (`ou-...` or `r-...`) exists in the organisation. */
    hasParent(parentId: string): boolean {
        return parentId === this.organization.rootId || Object.values(this.organization.units).some((u) => u.id === parentId);
    }
}

/** Every problem of a scenario's `organization`, each naming the field. */
export function organizationProblems(value: unknown): string[] {
    if (value === undefined) return [];
    const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);
    if (!isObject(value)) return ["organization must be an object with id, rootId, units and workbenchUnits"];
    const problems: string[] = [];
    for (const key of Object.keys(value)) if (!["id", "rootId", "units", "workbenchUnits"].includes(key)) problems.push(`organization.${key} is not a field of organization (use id, rootId, units, workbenchUnits)`);
    if (typeof value.id !== "string" || !ORGANIZATION_ID.test(value.id)) problems.push(`organization.id ${JSON.stringify(value.id)} is not an AWS Organizations id (o- and 10 to 32 lowercase letters or digits)`);
    if (typeof value.rootId !== "string" || !ROOT_ID.test(value.rootId)) problems.push(`organization.rootId ${JSON.stringify(value.rootId)} is not a root id (r-...)`);
    const units = isObject(value.units) ? value.units : {};
    if (!isObject(value.units)) problems.push("organization.units must map OU keys to { id, parent? }");
    const ids = new Set<string>();
    for (const [key, unit] of Object.entries(units)) {
        const where = `organization.units.${key}`;
        if (key === ROOT) problems.push(`${where}: "${ROOT}" names the organisation's root; give the OU another key`);
        if (!isObject(unit) || typeof unit.id !== "string" || !OU_ID.test(unit.id)) {
            problems.push(`${where}.id must be an OU id (ou-<4 to 32 characters>-<8 to 32 characters>)`);
            continue;
        }
        if (ids.has(unit.id)) problems.push(`${where}.id ${unit.id} is used twice`);
        ids.add(unit.id);
        if (unit.parent !== undefined && !(String(unit.parent) in units) && unit.parent !== ROOT) problems.push(`${where}.parent ${JSON.stringify(unit.parent)} is not an OU of organization.units`);
        const seen = new Set<string>([key]);
        for (let parent = unit.parent; parent !== undefined && parent !== ROOT && isObject(units[parent]); parent = units[parent].parent) {
            if (seen.has(parent)) {
                problems.push(`${where}.parent: the OUs ${[...seen].join(", ")} are nested in one another in a cycle`);
                break;
            }
            seen.add(parent);
        }
    }
    const workbench = Array.isArray(value.workbenchUnits) ? value.workbenchUnits : [];
    if (!Array.isArray(value.workbenchUnits) || workbench.length === 0) problems.push("organization.workbenchUnits must name at least one OU of organization.units (the workbench OUs)");
    for (const key of workbench) if (!(String(key) in units)) problems.push(`organization.workbenchUnits: ${JSON.stringify(key)} is not an OU of organization.units`);
    return problems;
}

/** Problems of each account's `organizationalUnit` and of the scenario's `moves`, each naming the entry. */
export function membershipProblems(
    organization: unknown,
    accounts: Record<string, Partial<Record<"role" | "allowedOnHub" | "organizationId" | "organizationalUnit", unknown>>>,
    moves: unknown,
    seconds: (at: number | string) => number,
): string[] {
    const problems: string[] = [];
    const units = (organization as ScenarioOrganization | undefined)?.units;
    const isUnit = (key: unknown) => key === ROOT || (typeof key === "string" && units !== undefined && typeof units === "object" && key in units);
    for (const [key, account] of Object.entries(accounts)) {
        if (account?.organizationalUnit === undefined) continue;
        if (organization === undefined) problems.push(`accounts.${key}.organizationalUnit needs the scenario's organization`);
        else if (!isUnit(account.organizationalUnit)) problems.push(`accounts.${key}.organizationalUnit ${JSON.stringify(account.organizationalUnit)} is not an OU of organization.units (or "${ROOT}")`);
    }
    if (organization !== undefined) {
        for (const [key, account] of Object.entries(accounts)) {
            if (account?.allowedOnHub !== undefined) problems.push(`accounts.${key}.allowedOnHub is listed mode; with an organization the hub admits the workbench OUs' accounts: give organizationalUnit instead`);
            if (account?.organizationId !== undefined) problems.push(`accounts.${key}.organizationId: every account is in the scenario's organization; leave it out`);
        }
    }
    if (moves === undefined) return problems;
    if (!Array.isArray(moves)) return [...problems, "moves must be an array"];
    if (organization === undefined && moves.length > 0) problems.push("moves need the scenario's organization (an account moves between its OUs)");
    moves.forEach((raw, i) => {
        const where = `moves[${i}]`;
        if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
            problems.push(`${where} must be an object`);
            return;
        }
        const move = raw as Record<string, unknown>;
        for (const field of Object.keys(move)) if (!["at", "account", "to", "note", "expect"].includes(field)) problems.push(`${where}.${field} is not a field of a move (use at, account, to, note, expect)`);
        const at = seconds(move.at as number | string);
        if (!Number.isFinite(at) || at < 0) problems.push(`${where}.at must be seconds >= 0 or "m:ss"`);
        if (accounts[String(move.account)]?.role !== "workbench-account") problems.push(`${where}.account ${JSON.stringify(move.account)} is not a workbench account of the scenario`);
        if (!isUnit(move.to)) problems.push(`${where}.to ${JSON.stringify(move.to)} is not an OU of organization.units (or "${ROOT}")`);
        if (move.expect !== undefined) problems.push(...expectationProblems(`${where}.expect`, move.expect, ["forwarderRegions", "seatsReleased"]));
    });
    return problems;
}

/** The model of a scenario with an organization (accounts at the root unless they name an OU). */
export function organizationModel(scenario: { organization?: ScenarioOrganization; accounts: Record<string, { accountId: string; organizationalUnit?: string }>; moves?: AccountMove[] }, seconds: (at: number | string) => number): OrganizationModel | undefined {
    if (!scenario.organization) return undefined;
    const parents = new Map(Object.values(scenario.accounts).map((a) => [a.accountId, a.organizationalUnit ?? ROOT]));
    const moves = (scenario.moves ?? []).map((m) => ({ at: seconds(m.at), accountId: scenario.accounts[m.account].accountId, to: m.to }));
    return new OrganizationModel(scenario.organization, parents, moves);
}

/**
 * `aws:PrincipalOrgID` and `aws:PrincipalOrgPaths` of an account's principals at the scenario time `now()`: from
 * the model when the scenario has an organization, else the account's own `organizationId` (no OU path).
 */
export function principalOrganizationOf(
    accounts: Record<string, { accountId: string; organizationId?: string }>,
    model: OrganizationModel | undefined,
    now: () => number,
): OrganizationOf {
    return (accountId) => {
        if (model) return model.parentAt(accountId, now()) === undefined ? undefined : { id: model.organization.id, paths: model.principalOrgPaths(accountId, now()) };
        const id = Object.values(accounts).find((a) => a.accountId === accountId)?.organizationId;
        return id ? { id } : undefined;
    };
}

/**
 * The organisation as the Organizations stand-in lists it at the scenario time `now()`: the scenario's accounts
 * (named by their keys, all ACTIVE) under their parent then, and the OUs; ARNs carry the management account's id.
 */
export function organizationListing(model: OrganizationModel, accounts: Record<string, { accountId: string }>, managementAccountId: string, now: () => number): OrganizationListing {
    const org = model.organization.id;
    const arn = (kind: string, id: string) => `arn:aws:organizations::${managementAccountId}:${kind}/${org}/${id}`;
    const keyOfUnit = (id: string) => Object.entries(model.organization.units).find(([, u]) => u.id === id)?.[0] ?? id;
    return {
        hasParent: (parentId) => model.hasParent(parentId),
        parentArn: (parentId) => arn(parentId.startsWith("r-") ? "root" : "ou", parentId),
        accountsFor: (parentId) =>
            model.accountsUnder(parentId, now(), Object.values(accounts).map((a) => a.accountId)).map((id) => {
                const key = Object.keys(accounts).find((k) => accounts[k].accountId === id)!;
                return { Id: id, Arn: arn("account", id), Name: key, Email: `${key}@example.com`, Status: "ACTIVE" };
            }),
        unitsFor: (parentId) => model.unitsUnder(parentId).map((id) => ({ Id: id, Arn: arn("ou", id), Name: keyOfUnit(id) })),
    };
}
