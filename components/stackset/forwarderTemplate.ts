/**
 * The CloudFormation template of the workbench forwarder that the StackSet deploys to every workbench account-region,
 * rendered from WorkbenchAccountForwarder by `npm run template:update` (tools/stackset) and committed beside this
 * file; `npm test` keeps it equal to a fresh render and checks it against CloudFormation's resource schemas.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The template's parameters: what differs per organisation (the StackSet sets them once for every instance). */
export const FORWARDER_TEMPLATE_PARAMETERS = {
    hubEventBusArn: "HubEventBusArn",
    alarmTopicArn: "AlarmTopicArn",
    namePrefix: "NamePrefix",
    ownerTagKey: "OwnerTagKey",
    typeTagKey: "WorkbenchTypeTagKey",
    inventorySchedule: "InventorySchedule",
    codeBucketPrefix: "CodeBucketPrefix",
} as const;

/** Key prefix of the Lambda bundles in the organisation's code buckets: `<prefix><handler>/<bundle digest>.zip`. */
export const CODE_KEY_PREFIX = "workbench-bundles/";

export const FORWARDER_TEMPLATE_FILE = path.join(__dirname, "workbench-forwarder.template.json");

export interface CloudFormationTemplate {
    AWSTemplateFormatVersion: "2010-09-09";
    Description: string;
    Metadata: Record<string, unknown>;
    Parameters: Record<string, { Type: string; Default?: string; AllowedPattern?: string; Description?: string }>;
    Resources: Record<string, { Type: string; DependsOn?: string[]; Properties: Record<string, unknown> }>;
}

/** The committed template. */
export function forwarderTemplate(): CloudFormationTemplate {
    return JSON.parse(fs.readFileSync(FORWARDER_TEMPLATE_FILE, "utf8"));
}

/** The Lambda bundles the template's functions read: handler -> S3 key under the code bucket. */
export function templateBundles(template: CloudFormationTemplate): Array<{ handler: string; key: string }> {
    return Object.values(template.Resources)
        .filter((r) => r.Type === "AWS::Lambda::Function")
        .map((r) => {
            const key = (r.Properties.Code as { S3Key: string }).S3Key;
            return { handler: key.slice(CODE_KEY_PREFIX.length).split("/")[0], key };
        });
}
