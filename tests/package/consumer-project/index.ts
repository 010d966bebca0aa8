// A platform team's own Pulumi program using the installed package: it creates its own resources and passes their
// outputs into the components' arguments. Compiled with tsc (Pulumi's TypeScript defaults) and run with plain node
// under mocks by tests/package/consumer.test.ts, which reads the JSON it prints: every resource registered.
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { CountingType, LicenseAnalytics, LicenseConfigSet, LicenseServerHub, MultiRegionLicenseTracker, ReportLayout, WorkbenchAccountForwarder, WorkbenchGuardrails } from "pulumi-license-ops";

const ACCOUNT = "111111111111";
const REGION = "eu-central-1";
const registered: { type: string; name: string; inputs: Record<string, unknown> }[] = [];

function mockedOutputs(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, unknown> } {
    const service = type.split(":")[1].split("/")[0];
    const arn = (resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
    const physical = inputs.name ?? name;
    switch (type) {
        case "aws:organizations/organization:Organization":
            return { id: "o-abcdef1234", state: { ...inputs, arn: `arn:aws:organizations::${ACCOUNT}:organization/o-abcdef1234` } };
        case "aws:organizations/account:Account":
            return { id: "222222222222", state: { ...inputs, arn: `arn:aws:organizations::${ACCOUNT}:account/o-abcdef1234/222222222222` } };
        case "aws:ec2/instance:Instance":
            return { id: "i-0123456789abcdef0", state: inputs };
        case "aws:cloudwatch/eventBus:EventBus":
            return { id: physical, state: { ...inputs, name: physical, arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${physical}` } };
        case "aws:kms/key:Key":
            return { id: `${name}-key`, state: { ...inputs, arn: arn(`key/${name}`) } };
        case "aws:licensemanager/licenseConfiguration:LicenseConfiguration": {
            const id = createHash("sha256").update(physical).digest("hex").slice(0, 32);
            return { id, state: { ...inputs, arn: `arn:aws:license-manager:${REGION}:${ACCOUNT}:license-configuration:lic-${id}` } };
        }
        case "aws:s3/bucket:Bucket":
            return { id: name, state: { ...inputs, bucket: name, arn: `arn:aws:s3:::${name}` } };
        case "aws:sqs/queue:Queue":
            return { id: name, state: { ...inputs, arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`, url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}` } };
        case "aws:lambda/function:Function":
            return { id: name, state: { ...inputs, name, arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}` } };
        default:
            return { id: `${name}-id`, state: { ...inputs, name: physical, arn: arn(`${type.split(":")[2].toLowerCase()}/${physical}`) } };
    }
}

/** A reported input without Pulumi's secret envelope: values read from SSM parameters arrive as secrets. */
function revealed(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(revealed);
    if (value === null || typeof value !== "object") return value;
    const object = value as Record<string, unknown>;
    if (object[SIG_KEY] === SECRET_SIG) return revealed(object.value);
    return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, revealed(inner)]));
}
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

pulumi.runtime.setMocks(
    {
        newResource(args) {
            // The Lambda code archives are checked through their digest tags; leave their bytes out of the report.
            const { code, ...inputs } = args.inputs;
            void code;
            registered.push({ type: args.type, name: args.name, inputs: revealed(inputs) as Record<string, unknown> });
            return mockedOutputs(args.type, args.name, args.inputs);
        },
        call(args) {
            switch (args.token) {
                case "aws:index/getPartition:getPartition":
                    return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
                case "aws:index/getRegion:getRegion":
                    return { region: REGION, name: REGION, id: REGION };
                case "aws:index/getCallerIdentity:getCallerIdentity":
                    return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/ci`, userId: "AIDCI", id: ACCOUNT };
                case "aws:ec2/getAmi:getAmi":
                    return { id: "ami-0fedcba9876543210", imageId: "ami-0fedcba9876543210" };
                default:
                    return args.inputs;
            }
        },
    },
    "consumer",
    "test",
    false,
);

// The team's own resources and settings; every value below reaches a component as an output.
const setting = (name: string, value: string) => new aws.ssm.Parameter(name, { type: "String", value }).value;
const organization = new aws.organizations.Organization("org", { featureSet: "ALL" });
const workbenchAccount = new aws.organizations.Account("workbench", { name: "workbench", email: "workbench@example.com" });
const serverRole = new aws.iam.Role("license-server", { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) });
const server = new aws.ec2.Instance("license-server", { ami: "ami-0123456789abcdef0", instanceType: "t3.small" });
const opsTopic = new aws.sns.Topic("ops");
const reportKey = new aws.kms.Key("reports", { enableKeyRotation: true });
const existing = new aws.licensemanager.LicenseConfiguration("existing", { licenseCountingType: "vCPU", licenseCount: 8, licenseCountHardLimit: true });
const workstationAmi = aws.ec2.getAmiOutput({ owners: ["self"], mostRecent: true, filters: [{ name: "name", values: ["workstation-*"] }] });
// CONSUMER_MISTAKE makes one value, which arrives as an output, wrong: the test checks how the mistake is reported.
const mistake = process.env.CONSUMER_MISTAKE;
const seats = setting("matlab-seats", mistake === "hub" ? "0" : "25").apply(Number);

const hub = new LicenseServerHub("hub", {
    catalog: {
        workbenchTypes: { "cae-standard": ["matlab"] },
        products: { matlab: { licenseServerInstanceId: server.id, seats } },
    },
    organizationId: organization.id,
    workbenchAccountIds: [workbenchAccount.id],
    syncSchedule: setting("sync-schedule", "rate(2 minutes)"),
    syncTimeoutSeconds: setting("sync-timeout", "400").apply(Number),
    licenseServerRoleNames: [serverRole.name],
    alarmActions: [opsTopic.arn],
});

const forwarder = new WorkbenchAccountForwarder("workbench", { hubEventBusArn: hub.busArn, alarmActions: [opsTopic.arn], logRetentionDays: seats.apply(() => 90) });

const licenses = new LicenseConfigSet("licenses", {
    licenses: {
        workstation: { countingType: CountingType.Core, licenseCount: setting("workstation-count", mistake === "config-set" ? "-4" : "64").apply(Number), amiIds: [workstationAmi.id] },
    },
    alerts: {
        emailAddresses: [setting("alert-email", "licensing@example.com")],
        thresholdPercent: setting("alert-threshold", "75").apply(Number),
        schedule: setting("alert-schedule", "rate(3 hours)"),
    },
});

const tracker = new MultiRegionLicenseTracker("usage", {
    licenseConfigurationArns: [licenses.configurationArns.apply((arns) => arns.workstation), existing.arn],
    scheduleExpression: setting("report-schedule", "cron(0 6 * * ? *)"),
    layout: ReportLayout.hive,
    concurrency: setting("report-concurrency", "4").apply(Number),
    bucket: { kmsKeyArn: reportKey.arn },
    alarmActions: [opsTopic.arn],
});

// Analytics over the team's own ledger bucket and the tracker's reports: its named queries are SQL files the package ships.
const ledger = new aws.s3.Bucket("ledger");
new LicenseAnalytics("analytics", { ledgerBucketName: ledger.bucket, usageReports: { bucketName: tracker.bucketName } });

if (mistake === "guardrails") {
    new WorkbenchGuardrails("guardrails", {
        deploymentRoleArns: [setting("deploy-role", "arn:aws:iam::*:role/*")],
        provisioningRoleArns: ["arn:aws:iam::*:role/workbench-provisioner"],
        targetIds: ["ou-ab12-workbench1"],
    });
}

export const outputs = { busArn: hub.busArn, forwarder: forwarder.forwarderFunctionName, alerts: licenses.alertTopicArn, reports: tracker.bucketName };

let reported = false;
process.on("beforeExit", () => {
    if (reported) return;
    reported = true;
    console.log(JSON.stringify(registered));
});
