/**
 * Workbench instances must carry a valid owner and workbench type: the forwarder turns these tags into license
 * checkouts, and the user id ends up as an argument of the vendor's license CLI. An instance (or the instances a
 * launch template launches) is a workbench as soon as it carries either tag; then both must be present and valid.
 *
 * Every way a Pulumi program can put a tag on an instance is checked: the instance's tags (with provider default
 * tags), a launch template's instance tag specifications, a single `aws.ec2.Tag`, an autoscaling group's
 * propagated tags and `aws.autoscaling.Tag`, and spot fleet launch specifications.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { isValidUserId, isValidWorkbenchType, USER_ID_PATTERN, WORKBENCH_TYPE_PATTERN } from "../lib/workbenchContract";
import { CONFIG_SCHEMAS, DEFAULT_ENFORCEMENT, DEFAULTS, POLICY, WorkbenchTagsConfig, settings } from "../config";
import { Tags, effectiveTags, resourceTags } from "../lib/tags";
import { isRecord, isUnknown, known, show } from "../lib/values";

const INSTANCE = "aws:ec2/instance:Instance";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const EC2_TAG = "aws:ec2/tag:Tag";
const AUTOSCALING_GROUP = "aws:autoscaling/group:Group";
const AUTOSCALING_TAG = "aws:autoscaling/tag:Tag";
const SPOT_FLEET = "aws:ec2/spotFleetRequest:SpotFleetRequest";

export const workbenchInstanceTags: ResourceValidationPolicy = {
    name: POLICY.workbenchTags,
    description: "EC2 workbenches carry a valid owner user id and workbench type tag.",
    enforcementLevel: DEFAULT_ENFORCEMENT[POLICY.workbenchTags],
    configSchema: CONFIG_SCHEMAS[POLICY.workbenchTags],
    validateResource: validateWorkbenchTags,
};

export function validateWorkbenchTags(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    const keys = settings<WorkbenchTagsConfig>(args, DEFAULTS[POLICY.workbenchTags]);
    const props = known(args.props) as Record<string, unknown>;

    if (args.type === EC2_TAG || args.type === AUTOSCALING_TAG) {
        // One tag at a time (the other may come from elsewhere): its value must be valid for its key.
        const tag = args.type === EC2_TAG ? props : props.tag;
        if (!isRecord(tag) || isUnknown(tag.key) || isUnknown(tag.value)) return;
        if (args.type === AUTOSCALING_TAG && tag.propagateAtLaunch !== true && !isUnknown(tag.propagateAtLaunch)) return;
        const where = args.type === EC2_TAG ? `aws.ec2.Tag on ${show(props.resourceId)}` : "the instances of the autoscaling group (aws.autoscaling.Tag)";
        checkValue(String(tag.key), tag.value, keys, where, reportViolation);
        return;
    }
    if (args.type === AUTOSCALING_GROUP) {
        const tags = props.tags;
        if (!Array.isArray(tags)) return;
        const propagated: Tags = {};
        for (const tag of tags) {
            if (isRecord(tag) && typeof tag.key === "string" && (tag.propagateAtLaunch === true || isUnknown(tag.propagateAtLaunch))) {
                propagated[tag.key] = isUnknown(tag.value) ? (tag.value as Tags[string]) : String(tag.value);
            }
        }
        checkWorkbench(propagated, keys, "the instances of the autoscaling group (propagated tags)", reportViolation);
        return;
    }
    if (args.type === SPOT_FLEET) {
        const specs = props.launchSpecifications;
        if (!Array.isArray(specs)) return;
        specs.forEach((spec, i) => {
            if (!isRecord(spec)) return;
            const tags = resourceTags(spec);
            if (!isUnknown(tags)) checkWorkbench(tags, keys, `launchSpecifications[${i}]`, reportViolation);
        });
        return;
    }
    if (args.type !== INSTANCE && args.type !== LAUNCH_TEMPLATE) return;

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
    else checkValue(keys.ownerTagKey, owner, keys, where, reportViolation);
    if (type === undefined) missing(keys.ownerTagKey, keys.typeTagKey);
    else checkValue(keys.typeTagKey, type, keys, where, reportViolation);
}

/** Reports a known owner or type value that the forwarder would refuse; other keys pass. */
function checkValue(key: string, value: unknown, keys: WorkbenchTagsConfig, where: string, reportViolation: ReportViolation): void {
    if (isUnknown(value)) return;
    if (key === keys.ownerTagKey && !isValidUserId(value)) {
        reportViolation(`${keys.ownerTagKey} on ${where} is ${show(value)}, which is not a valid user id (${USER_ID_PATTERN}).`);
    }
    if (key === keys.typeTagKey && !isValidWorkbenchType(value)) {
        reportViolation(`${keys.typeTagKey} on ${where} is ${show(value)}, which is not a valid workbench type (${WORKBENCH_TYPE_PATTERN}).`);
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
