/**
 * Renders the CloudFormation template a StackSet deploys to every workbench account-region from
 * WorkbenchAccountForwarder itself: the component runs in-process under Pulumi mocks with sentinel values for what
 * differs per account (account, region, partition) and per organisation (hub bus, name prefix, alarm topic, tag keys,
 * schedule); every resource it registers is translated (cloudFormationTypes.ts); the sentinels become template
 * parameters and pseudo parameters. One definition of the forwarder, two ways to deploy it (docs/decisions/0003).
 *
 * Build time only: Pulumi mocks are process-wide, so this never runs inside a Pulumi program
 * (`npm run template:update` writes the committed template; a test keeps it current).
 */
import * as pulumi from "@pulumi/pulumi";
import { WorkbenchAccountForwarder } from "../../components/workbench/workbenchAccountForwarder";
import { DEFAULT_INVENTORY_SCHEDULE } from "../../components/workbench/workbenchAccountForwarder";
import { DEFAULT_TAG_KEYS } from "../../functions/workbench-forwarder/forwarder";
import { DEFAULT_TRUST_NAME_PREFIX } from "../../components/trust/trustNames";
import { FORWARDER_TEMPLATE_PARAMETERS, CODE_KEY_PREFIX, CloudFormationTemplate } from "../../components/stackset/forwarderTemplate";
import { CLOUDFORMATION_TYPES, LEFT_OUT, MERGED_INTO_OWNER } from "./cloudFormationTypes";
import { toIntrinsics } from "./intrinsics";

/** Values no real deployment has, each standing for a parameter or pseudo parameter of the template. */
const SENTINELS = {
    hubEventBusArn: "arn:aws:events:zz-sentinel-2:999999999999:event-bus/zz-sentinel-hub-bus",
    namePrefix: "zzsentinelprefix",
    alarmTopicArn: "arn:aws:sns:zz-sentinel-2:999999999999:zz-sentinel-alarm-topic",
    ownerTagKey: "zz-sentinel:owner-tag",
    typeTagKey: "zz-sentinel:type-tag",
    inventorySchedule: "rate(997 minutes)",
    account: "000000000000",
    region: "zz-sentinel-1",
} as const;

/** Sentinel -> what the template says instead, longest first so an ARN is replaced before the account inside it. */
const SUBSTITUTIONS: Array<[string, string]> = [
    [SENTINELS.hubEventBusArn, `\${${FORWARDER_TEMPLATE_PARAMETERS.hubEventBusArn}}`],
    [SENTINELS.alarmTopicArn, `\${${FORWARDER_TEMPLATE_PARAMETERS.alarmTopicArn}}`],
    [SENTINELS.ownerTagKey, `\${${FORWARDER_TEMPLATE_PARAMETERS.ownerTagKey}}`],
    [SENTINELS.typeTagKey, `\${${FORWARDER_TEMPLATE_PARAMETERS.typeTagKey}}`],
    [SENTINELS.inventorySchedule, `\${${FORWARDER_TEMPLATE_PARAMETERS.inventorySchedule}}`],
    [SENTINELS.namePrefix, `\${${FORWARDER_TEMPLATE_PARAMETERS.namePrefix}}`],
    [SENTINELS.account, "${AWS::AccountId}"],
    [SENTINELS.region, "${AWS::Region}"],
    ["arn:aws:", "arn:${AWS::Partition}:"],
];

const COMPONENT_NAME = "workbench";

interface Recorded {
    type: string;
    name: string;
    /** `R<n>` while rendering (the token outputs carry), the template's logical id once every resource is known. */
    logicalId: string;
    inputs: Record<string, any>;
    dependsOn: string[];
}

const key = (type: string, name: string) => `${type}::${name}`;

export async function renderForwarderTemplate(): Promise<CloudFormationTemplate> {
    const recorded: Recorded[] = [];
    const dependsOn = new Map<string, string[]>();
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                if (args.type.startsWith("licensing:")) return { id: args.name, state: {} };
                const logicalId = `R${recorded.length}`;
                const mapping = CLOUDFORMATION_TYPES[args.type];
                const outputs = Object.fromEntries(Object.entries(mapping?.outputs ?? {}).map(([key, value]) => [key, value.replaceAll("Self", logicalId)]));
                recorded.push({ type: args.type, name: args.name, logicalId, inputs: args.inputs, dependsOn: [] });
                return { id: outputs.id ?? `\${${logicalId}}`, state: { ...args.inputs, ...outputs } };
            },
            call(args) {
                switch (args.token) {
                    case "aws:index/getPartition:getPartition":
                        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
                    case "aws:index/getRegion:getRegion":
                        return { region: SENTINELS.region, name: SENTINELS.region, id: SENTINELS.region };
                    case "aws:index/getCallerIdentity:getCallerIdentity":
                        return { accountId: SENTINELS.account, arn: `arn:aws:iam::${SENTINELS.account}:user/render`, userId: "RENDER", id: SENTINELS.account };
                    default:
                        throw new Error(`the template render does not know the invoke ${args.token}`);
                }
            },
        },
        "license-ops",
        "stackset-template",
        false,
    );
    new WorkbenchAccountForwarder(
        COMPONENT_NAME,
        {
            hubEventBusArn: SENTINELS.hubEventBusArn,
            namePrefix: SENTINELS.namePrefix,
            alarmActions: [SENTINELS.alarmTopicArn],
            ownerTagKey: SENTINELS.ownerTagKey,
            workbenchTypeTagKey: SENTINELS.typeTagKey,
            inventorySchedule: SENTINELS.inventorySchedule,
        },
        {
            // Explicit ordering (a role policy before its function): CloudFormation needs it as DependsOn.
            transformations: [
                (args) => {
                    const deps = args.opts.dependsOn;
                    const list = (Array.isArray(deps) ? deps : deps ? [deps] : []) as pulumi.Resource[];
                    dependsOn.set(key(args.type, args.name), list.map((r) => { const res = r as unknown as { __pulumiType: string; __name: string }; return key(res.__pulumiType, res.__name); }));
                    return undefined;
                },
            ],
        },
    );
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
    const ids = logicalIds(recorded);
    for (const r of recorded) {
        r.dependsOn = (dependsOn.get(key(r.type, r.name)) ?? []).flatMap((k) => (ids.has(k) ? [ids.get(k)!] : []));
        r.inputs = renameTokens(r.inputs, (n) => ids.get(key(recorded[n].type, recorded[n].name))!);
        r.logicalId = ids.get(key(r.type, r.name))!;
    }
    return assemble(recorded);
}

function assemble(recorded: Recorded[]): CloudFormationTemplate {
    const resources: Record<string, { Type: string; DependsOn?: string[]; Properties: Record<string, unknown> }> = {};
    const leftOut: string[] = [];
    const substitute = (value: unknown) => toIntrinsics(replaceSentinels(value));
    for (const r of recorded) {
        if (r.type in LEFT_OUT) {
            leftOut.push(`${r.logicalId} (${r.type}): ${LEFT_OUT[r.type]}`);
            continue;
        }
        if (r.type in MERGED_INTO_OWNER) continue;
        const mapping = CLOUDFORMATION_TYPES[r.type];
        if (!mapping) throw new Error(`the template render has no CloudFormation mapping for ${r.type} (${r.name}): add one to tools/stackset/cloudFormationTypes.ts`);
        const properties = mapping.properties(r.inputs, r.logicalId);
        if (r.type === "aws:lambda/function:Function") properties.Code = bundleCode(r);
        resources[r.logicalId] = { Type: mapping.type, ...(r.dependsOn.length ? { DependsOn: r.dependsOn } : {}), Properties: substitute(dropUndefined(properties)) as Record<string, unknown> };
    }
    // Targets into their rules, bus policies into their buses.
    for (const r of recorded.filter((x) => x.type in MERGED_INTO_OWNER)) {
        const { owner } = MERGED_INTO_OWNER[r.type];
        const ownerRef = String(r.inputs[owner]).match(/^\$\{([A-Za-z0-9]+)\}$/)?.[1];
        const target = ownerRef && resources[ownerRef];
        if (!ownerRef || !target) throw new Error(`${r.name} (${r.type}) names ${owner} ${JSON.stringify(r.inputs[owner])}, which is no resource of the template`);
        const raw = replaceSentinels(dropUndefined(CLOUDFORMATION_TYPES[r.type].properties({ targetId: r.inputs.targetId ?? r.logicalId, ...r.inputs }, r.logicalId)));
        // A resource cannot reference itself: the owner's own ARN, written out from its fixed name.
        const ownerInputs = recorded.find((x) => x.logicalId === ownerRef)!.inputs;
        const selfArn = CLOUDFORMATION_TYPES[recorded.find((x) => x.logicalId === ownerRef)!.type].arnFromName?.(String(replaceSentinels(ownerInputs.name)));
        const properties = toIntrinsics(selfArn ? replaceText(raw, `\${${ownerRef}.Arn}`, selfArn) : raw) as Record<string, unknown>;
        if (JSON.stringify(properties).includes(`"${ownerRef}"`)) throw new Error(`${r.name} (${r.type}) would make ${ownerRef} reference itself`);
        for (const [name, value] of Object.entries(properties)) {
            const existing = target.Properties[name];
            target.Properties[name] = Array.isArray(existing) && Array.isArray(value) ? [...existing, ...value] : value;
        }
        // What the folded resource waited for, its owner now waits for (a target's role policy, say).
        const waits = [...new Set([...(target.DependsOn ?? []), ...r.dependsOn])].filter((id) => id !== ownerRef);
        if (waits.length > 0) target.DependsOn = waits;
    }
    return {
        AWSTemplateFormatVersion: "2010-09-09",
        Description:
            "license-ops WorkbenchAccountForwarder for one workbench account-region (rendered from the Pulumi component by npm run template:update; do not edit)",
        Metadata: {
            "license-ops": {
                renderedFrom: "components/workbench/workbenchAccountForwarder.ts",
                // Logical id -> the component's child (Pulumi type and name) it was translated from.
                sources: Object.fromEntries(recorded.map((r) => [r.logicalId, `${r.type} ${r.name}`])),
                leftOut,
            },
        },
        Parameters: {
            [FORWARDER_TEMPLATE_PARAMETERS.hubEventBusArn]: { Type: "String", AllowedPattern: "^arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:event-bus/[A-Za-z0-9._\\-/]+$", Description: "ARN of the LicenseServerHub's bus" },
            [FORWARDER_TEMPLATE_PARAMETERS.alarmTopicArn]: { Type: "String", AllowedPattern: "^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}$", Description: "SNS topic every alarm notifies" },
            [FORWARDER_TEMPLATE_PARAMETERS.namePrefix]: { Type: "String", Default: DEFAULT_TRUST_NAME_PREFIX, AllowedPattern: "^[A-Za-z][A-Za-z0-9+=,.@_-]{0,27}$", Description: "Prefix of the fixed names (the hub's workbenchNamePrefix)" },
            [FORWARDER_TEMPLATE_PARAMETERS.ownerTagKey]: { Type: "String", Default: DEFAULT_TAG_KEYS.ownerTagKey, Description: "Tag holding the workbench owner's user id" },
            [FORWARDER_TEMPLATE_PARAMETERS.typeTagKey]: { Type: "String", Default: DEFAULT_TAG_KEYS.typeTagKey, Description: "Tag holding the workbench type" },
            [FORWARDER_TEMPLATE_PARAMETERS.inventorySchedule]: { Type: "String", Default: DEFAULT_INVENTORY_SCHEDULE, AllowedPattern: "^(rate|cron)\\(.+\\)$", Description: "Schedule of the inventory" },
            [FORWARDER_TEMPLATE_PARAMETERS.codeBucketPrefix]: { Type: "String", AllowedPattern: "^[a-z0-9][a-z0-9.-]{1,40}$", Description: "Bundles are read from <prefix>-<region>" },
        },
        Resources: resources,
    };
}

/** The bundle a function is tagged with, in the organisation's code bucket of the stack's region. */
function bundleCode(r: Recorded): Record<string, string> {
    const handler = r.inputs.tags?.["licensing:handler"];
    const digest = r.inputs.tags?.["licensing:bundle-sha256"];
    if (!handler || !digest) throw new Error(`${r.name}: a bundled function without its licensing:handler / licensing:bundle-sha256 tags`);
    return { S3Bucket: `\${${FORWARDER_TEMPLATE_PARAMETERS.codeBucketPrefix}}-\${AWS::Region}`, S3Key: `${CODE_KEY_PREFIX}${handler}/${digest}.zip` };
}

/**
 * Logical ids from the component's child names: `workbench-forwarder-role` -> `ForwarderRole`; where names repeat
 * across types (`workbench-to-hub` is a rule, a role and its policy) each gets its Pulumi type's short name
 * (`ToHubEventRule`, `ToHubRole`, `ToHubRolePolicy`).
 */
function logicalIds(recorded: Recorded[]): Map<string, string> {
    const base = (name: string) =>
        (name.startsWith(`${COMPONENT_NAME}-`) ? name.slice(COMPONENT_NAME.length + 1) : name)
            .split(/[^A-Za-z0-9]+/)
            .filter(Boolean)
            .map((part) => part[0].toUpperCase() + part.slice(1))
            .join("");
    const counts = new Map<string, number>();
    for (const r of recorded) counts.set(base(r.name), (counts.get(base(r.name)) ?? 0) + 1);
    const ids = new Map<string, string>();
    for (const r of recorded) {
        const shortType = r.type.split(":").pop()!;
        const id = counts.get(base(r.name))! > 1 ? `${base(r.name)}${shortType}` : base(r.name);
        if ([...ids.values()].includes(id)) throw new Error(`two resources would both be ${id} in the template (${r.type} ${r.name})`);
        ids.set(key(r.type, r.name), id);
    }
    return ids;
}

/** Rewrites the render's `${R<n>...}` tokens to logical ids. */
function renameTokens(value: unknown, idOf: (index: number) => string): any {
    if (typeof value === "string") return value.replace(/\$\{R(\d+)(?=[.}])/g, (_, n) => `\${${idOf(Number(n))}`);
    if (Array.isArray(value)) return value.map((v) => renameTokens(v, idOf));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameTokens(v, idOf)]));
    return value;
}

function replaceSentinels(value: unknown): unknown {
    if (typeof value === "string") return SUBSTITUTIONS.reduce((text, [from, to]) => text.replaceAll(from, to), value);
    if (Array.isArray(value)) return value.map(replaceSentinels);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceSentinels(v)]));
    return value;
}

function replaceText(value: unknown, from: string, to: string): unknown {
    if (typeof value === "string") return value.replaceAll(from, to);
    if (Array.isArray(value)) return value.map((v) => replaceText(v, from, to));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceText(v, from, to)]));
    return value;
}

function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
    return JSON.parse(JSON.stringify(value));
}
