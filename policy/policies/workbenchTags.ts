/**
 * Workbench instances must carry a valid owner and workbench type: the forwarder turns these tags into license
 * checkouts, and the user id ends up as an argument of the vendor's license CLI. An instance (or the instances a
 * launch template launches) is a workbench as soon as it carries either tag; then both must be present and valid.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { isValidUserId, isValidWorkbenchType, USER_ID_PATTERN, WORKBENCH_TYPE_PATTERN } from "../lib/workbenchContract";
import { CONFIG_SCHEMAS, DEFAULT_ENFORCEMENT, DEFAULTS, POLICY, WorkbenchTagsConfig, settings } from "../config";
import { Tags, effectiveTags, resourceTags } from "../lib/tags";
import { isRecord, isUnknown, known, show } from "../lib/values";

const INSTANCE = "aws:ec2/instance:Instance";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

export const workbenchInstanceTags: ResourceValidationPolicy = {
    name: POLICY.workbenchTags,
    description: "EC2 workbenches carry a valid owner user id and workbench type tag.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.workbenchTags],
    configSchema: CONFIG_SCHEMAS[POLICY.workbenchTags],
    validateResource: validateWorkbenchTags,
};

export function validateWorkbenchTags(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    if (args.type !== INSTANCE && args.type !== LAUNCH_TEMPLATE) return;
    const keys = settings<WorkbenchTagsConfig>(args, DEFAULTS[POLICY.workbenchTags]);
    const props = known(args.props) as Record<string, unknown>;

    if (args.type === INSTANCE) {
        // EC2 reports default tags among the instance's tags, so the forwarder sees them too.
        const tags = effectiveTags(args.type, props, args.provider);
        if (!isUnknown(tags)) checkWorkbench(tags.tags, keys, "the instance", reportViolation, tags.defaultsUnknown);
        return;
    }

    // Launch templates: only tag specifications for instances reach the instances.
    const specs = props.tagSpecifications;
    if (Array.isArray(specs)) {
        specs.forEach((spec, i) => {
            if (!isRecord(spec) || spec.resourceType !== "instance") return;
            const tags = resourceTags(spec);
            if (!isUnknown(tags)) checkWorkbench(tags, keys, `tagSpecifications[${i}] (instance)`, reportViolation);
        });
    }
    const ownTags = resourceTags(props);
    if (!isUnknown(ownTags) && (keys.ownerTagKey in ownTags || keys.typeTagKey in ownTags) && !launchesWorkbenches(specs, keys)) {
        reportViolation(
            `Launch template tags ${keys.ownerTagKey} / ${keys.typeTagKey} are not applied to the instances it launches; ` +
                `put them in a tagSpecifications entry with resourceType "instance".`,
        );
    }
}

/** `maybeMore`: default tags not known yet (preview) might still supply a missing tag. */
function checkWorkbench(tags: Tags, keys: WorkbenchTagsConfig, where: string, reportViolation: ReportViolation, maybeMore = false): void {
    const owner = tags[keys.ownerTagKey];
    const type = tags[keys.typeTagKey];
    if (owner === undefined && type === undefined) return; // not a workbench
    const missing = (present: string, absent: string) => {
        if (!maybeMore) reportViolation(`Workbench tag ${present} is set on ${where} but ${absent} is missing; both are required.`);
    };

    if (owner === undefined) missing(keys.typeTagKey, keys.ownerTagKey);
    else if (!isUnknown(owner) && !isValidUserId(owner)) {
        reportViolation(`${keys.ownerTagKey} on ${where} is ${show(owner)}, which is not a valid user id (${USER_ID_PATTERN}).`);
    }
    if (type === undefined) missing(keys.ownerTagKey, keys.typeTagKey);
    else if (!isUnknown(type) && !isValidWorkbenchType(type)) {
        reportViolation(`${keys.typeTagKey} on ${where} is ${show(type)}, which is not a valid workbench type (${WORKBENCH_TYPE_PATTERN}).`);
    }
}

function launchesWorkbenches(specs: unknown, keys: WorkbenchTagsConfig): boolean {
    if (isUnknown(specs)) return true; // cannot tell during preview
    if (!Array.isArray(specs)) return false;
    return specs.some((spec) => {
        if (isUnknown(spec)) return true;
        if (!isRecord(spec) || spec.resourceType !== "instance") return false;
        const tags = resourceTags(spec);
        return isUnknown(tags) || keys.ownerTagKey in tags || keys.typeTagKey in tags;
    });
}
