import { createHash } from "node:crypto";
import { expect } from "chai";
import { errorOf, messageOf } from "../support/errors";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { LicenseConfigSet, LicenseConfigSetArgs } from "../../components/config/licenseConfigSet";
import { CHECKER_ENV, HARD_LIMIT_EXEMPT_TAG_KEY } from "../../components/config/definitions";
import { RecordedResource, allowStatements, named, ofType, runUnderMocks } from "../support/pulumiMocks";

const WINDOWS_AMI = "ami-0123456789abcdef0";
const SQL_AMI = "ami-0fedcba9876543210";
/** The ARN the mocks give a license configuration: the real format, with an id derived from the name. */
const ARN = (license: string) =>
    `arn:aws:license-manager:eu-central-1:111111111111:license-configuration:lic-${createHash("sha256").update(license).digest("hex").slice(0, 32)}`;

/** The worked example of the README: four licenses, alerts and Organizations settings. */
export const EXAMPLE: LicenseConfigSetArgs = {
    licenses: {
        "windows-server": {
            countingType: "Core",
            licenseCount: 256,
            description: "Windows Server Datacenter, BYOL on Dedicated Hosts",
            rules: { allowedTenancy: "EC2-DedicatedHost", licenseAffinityToHostDays: 90 },
            amiIds: [WINDOWS_AMI, SQL_AMI],
        },
        "sql-server": {
            countingType: "Core",
            licenseCount: 64,
            rules: { allowedTenancy: "EC2-DedicatedHost", minimumCores: 4 },
            amiIds: [SQL_AMI],
        },
        oracle: { countingType: "vCPU", licenseCount: 32, rules: { honorVcpuOptimization: true, maximumVcpus: 16 } },
        "backup-agent": {
            countingType: "Instance",
            hardLimit: false,
            hardLimitExemptReason: "Site licence - usage tracked only",
            tags: { "cost-centre": "it-ops" },
        },
    },
    alerts: { emailAddresses: ["licensing@example.com"], httpsEndpoints: ["https://hooks.example.com/licenses"] },
    organizationSettings: { organizationIntegration: true, crossAccountDiscovery: true },
    tags: { team: "licensing" },
};

describe("LicenseConfigSet (Pulumi mocks)", () => {
    let resources: RecordedResource[];
    const config = (license: string) => named(resources, "aws:licensemanager/licenseConfiguration:LicenseConfiguration", `prod-${license}`).inputs;

    before(async () => {
        ({ resources } = await runUnderMocks(() => {
            const set = new LicenseConfigSet("prod", EXAMPLE);
            // A launch template the user manages, consuming two of the set's licenses.
            new aws.ec2.LaunchTemplate("prod-sql-node", {
                imageId: SQL_AMI,
                instanceType: "r6i.2xlarge",
                licenseSpecifications: [set.licenseSpecification("windows-server"), set.licenseSpecification("sql-server")],
            });
        }));
    });

    it("registers as licensing:index:LicenseConfigSet with every child named after it", () => {
        expect(named(resources, "licensing:index:LicenseConfigSet", "prod")).to.exist;
        for (const child of resources.filter((r) => r.type !== "licensing:index:LicenseConfigSet")) {
            expect(child.name.startsWith("prod-"), child.name).to.equal(true);
        }
    });

    it("turns each definition into the right License Manager configuration", () => {
        expect(config("windows-server")).to.deep.include({
            name: "windows-server",
            licenseCountingType: "Core",
            licenseCount: 256,
            licenseCountHardLimit: true,
            licenseRules: ["#allowedTenancy=EC2-DedicatedHost", "#licenseAffinityToHost=90"],
            description: "Windows Server Datacenter, BYOL on Dedicated Hosts",
        });
        expect(config("sql-server")).to.deep.include({ licenseCountingType: "Core", licenseCount: 64, licenseCountHardLimit: true });
        expect(config("sql-server").licenseRules).to.deep.equal(["#allowedTenancy=EC2-DedicatedHost", "#minimumCores=4"]);
        expect(config("oracle")).to.deep.include({ licenseCountingType: "vCPU", licenseCount: 32, licenseCountHardLimit: true });
        expect(config("oracle").licenseRules).to.deep.equal(["#honorVcpuOptimization=True", "#maximumVcpus=16"]);
        const agent = config("backup-agent");
        expect(agent).to.deep.include({ licenseCountingType: "Instance", licenseCountHardLimit: false });
        expect(agent.licenseCount).to.equal(undefined);
        expect(agent.tags).to.deep.equal({
            team: "licensing",
            "cost-centre": "it-ops",
            "licensing:license-set": "prod",
            [HARD_LIMIT_EXEMPT_TAG_KEY]: "Site licence - usage tracked only",
        });
        expect(config("windows-server").tags).not.to.have.property(HARD_LIMIT_EXEMPT_TAG_KEY);
    });

    it("associates each AMI with its licenses, with stable names and partition-aware AMI ARNs", () => {
        const associations = ofType(resources, "aws:licensemanager/association:Association");
        expect(associations.map((a) => a.name).sort()).to.deep.equal([
            `prod-sql-server-${SQL_AMI}`,
            `prod-windows-server-${SQL_AMI}`,
            `prod-windows-server-${WINDOWS_AMI}`,
        ].sort());
        const windows = named(resources, "aws:licensemanager/association:Association", `prod-windows-server-${WINDOWS_AMI}`).inputs;
        expect(windows).to.deep.include({ licenseConfigurationArn: ARN("windows-server"), resourceArn: `arn:aws:ec2:eu-central-1::image/${WINDOWS_AMI}` });
    });

    it("hands launch templates the license specifications of the licenses they consume", () => {
        const template = named(resources, "aws:ec2/launchTemplate:LaunchTemplate", "prod-sql-node").inputs;
        expect(template.licenseSpecifications).to.deep.equal([
            { licenseConfigurationArn: ARN("windows-server") },
            { licenseConfigurationArn: ARN("sql-server") },
        ]);
    });

    it("encrypts the alert topic with a dedicated rotating key that only this set's alarms may use besides the account", () => {
        const topic = named(resources, "aws:sns/topic:Topic", "prod-alerts").inputs;
        expect(topic.kmsMasterKeyId).to.equal("arn:aws:kms:eu-central-1:111111111111:key/prod-alerts");
        const key = named(resources, "aws:kms/key:Key", "prod-alerts").inputs;
        expect(key.enableKeyRotation).to.equal(true);
        const statements = JSON.parse(key.policy).Statement;
        const cloudwatch = statements.find((s: any) => s.Principal.Service === "cloudwatch.amazonaws.com");
        expect(cloudwatch.Action).to.deep.equal(["kms:Decrypt", "kms:GenerateDataKey"]);
        expect(cloudwatch.Condition).to.deep.equal({
            StringEquals: { "aws:SourceAccount": "111111111111" },
            ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:eu-central-1:111111111111:alarm:prod-*" },
        });
        expect(statements.map((s: any) => s.Principal.AWS ?? s.Principal.Service)).to.deep.equal([
            "arn:aws:iam::111111111111:root",
            "cloudwatch.amazonaws.com",
        ]);
    });

    it("lets only the checker role and this set's alarms publish to the topic, over TLS", () => {
        const policy = JSON.parse(named(resources, "aws:sns/topicPolicy:TopicPolicy", "prod-alerts").inputs.policy);
        const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
        const topicArn = "arn:aws:sns:eu-central-1:111111111111:prod-alerts";
        const checkerRole = "arn:aws:iam::111111111111:role/prod-checker-role";
        expect(bySid.CheckerPublishes).to.deep.include({ Effect: "Allow", Principal: { AWS: checkerRole }, Action: "sns:Publish", Resource: topicArn });
        expect(bySid.AlarmsOfThisSetPublish.Principal).to.deep.equal({ Service: "cloudwatch.amazonaws.com" });
        expect(bySid.AlarmsOfThisSetPublish.Condition.ArnLike["aws:SourceArn"]).to.equal("arn:aws:cloudwatch:eu-central-1:111111111111:alarm:prod-*");
        expect(bySid.NobodyElsePublishes).to.deep.include({ Effect: "Deny", Principal: "*", Action: "sns:Publish" });
        expect(bySid.NobodyElsePublishes.Condition).to.deep.equal({
            StringNotEquals: { "aws:PrincipalArn": checkerRole },
            Bool: { "aws:PrincipalIsAWSService": "false" },
        });
        expect(bySid.DenyInsecureTransport.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": "false" } });
    });

    it("subscribes the e-mail and HTTPS endpoints, without putting addresses in resource names", () => {
        const subscriptions = ofType(resources, "aws:sns/topicSubscription:TopicSubscription");
        expect(subscriptions.map((s) => [s.inputs.protocol, s.inputs.endpoint]).sort()).to.deep.equal([
            ["email", "licensing@example.com"],
            ["https", "https://hooks.example.com/licenses"],
        ]);
        for (const s of subscriptions) {
            expect(s.name).to.match(/^prod-alerts-(email|https)-[0-9a-f]{10}$/);
            expect(s.inputs.topic).to.equal("arn:aws:sns:eu-central-1:111111111111:prod-alerts");
        }
    });

    it("runs the utilisation checker hourly with the set's ARNs, threshold and state parameter", () => {
        const fn = named(resources, "aws:lambda/function:Function", "prod-checker").inputs;
        expect(fn.runtime).to.equal("nodejs22.x");
        const env = fn.environment.variables;
        expect(env[CHECKER_ENV.configurationArns].split(",")).to.deep.equal(["windows-server", "sql-server", "oracle", "backup-agent"].map(ARN));
        expect(env).to.deep.include({
            [CHECKER_ENV.thresholdPercent]: "80",
            [CHECKER_ENV.bandWidthPercent]: "10",
            [CHECKER_ENV.reminderIntervalHours]: "0",
            [CHECKER_ENV.topicArn]: "arn:aws:sns:eu-central-1:111111111111:prod-alerts",
            [CHECKER_ENV.stateParameterName]: "prod-alert-state",
            [CHECKER_ENV.setName]: "prod",
        });
        expect(named(resources, "aws:cloudwatch/eventRule:EventRule", "prod-check").inputs.scheduleExpression).to.equal("rate(1 hour)");
        expect(named(resources, "aws:cloudwatch/eventTarget:EventTarget", "prod-check-target").inputs.arn).to.match(/:function:prod-checker$/);
        const state = named(resources, "aws:ssm/parameter:Parameter", "prod-alert-state").inputs;
        expect(state).to.deep.include({ type: "String", tier: "Intelligent-Tiering" });
        expect(JSON.parse(state.insecureValue)).to.deep.equal({ version: 1, bands: {} });
        // The checker's own errors alarm notifies the same topic.
        expect(named(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "prod-checker-errors").inputs.alarmActions).to.deep.equal([
            "arn:aws:sns:eu-central-1:111111111111:prod-alerts",
        ]);
    });

    it("grants the checker exactly its calls: no wildcard actions, resource * only for ListLicenseConfigurations", () => {
        for (const s of allowStatements(resources)) {
            for (const action of s.Action) expect(action, JSON.stringify(s)).not.to.contain("*");
            if (s.Resource.includes("*")) expect(s.Action).to.deep.equal(["license-manager:ListLicenseConfigurations"]);
        }
        const policy = JSON.parse(named(resources, "aws:iam/rolePolicy:RolePolicy", "prod-checker-policy").inputs.policy);
        const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
        expect(Object.keys(bySid).sort()).to.deep.equal(["AlertState", "EncryptAlerts", "ListLicenseConfigurations", "PublishAlerts", "SendFailedInvocations", "WriteOwnLogs"]);
        expect(bySid.ListLicenseConfigurations).to.deep.include({ Action: ["license-manager:ListLicenseConfigurations"], Resource: ["*"] });
        expect(bySid.PublishAlerts).to.deep.include({ Action: ["sns:Publish"], Resource: ["arn:aws:sns:eu-central-1:111111111111:prod-alerts"] });
        expect(bySid.AlertState).to.deep.include({
            Action: ["ssm:GetParameter", "ssm:PutParameter"],
            Resource: ["arn:aws:ssm:eu-central-1:111111111111:parameter/prod-alert-state"],
        });
        expect(bySid.EncryptAlerts).to.deep.include({
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: ["arn:aws:kms:eu-central-1:111111111111:key/prod-alerts"],
            Condition: { StringEquals: { "kms:ViaService": "sns.eu-central-1.amazonaws.com" } },
        });
    });

    it("alarms on License Manager's documented usage-percentage metric for each license with a count", () => {
        const alarms = ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.startsWith("prod-usage-"));
        expect(alarms.map((a) => a.name).sort()).to.deep.equal(["prod-usage-oracle", "prod-usage-sql-server", "prod-usage-windows-server"]);
        const windows = named(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "prod-usage-windows-server").inputs;
        expect(windows.metricQueries).to.have.length(1);
        expect(windows.metricQueries[0]).to.deep.include({ id: "usage", period: 3600, returnData: true });
        expect(windows.metricQueries[0].expression).to.equal(
            'SELECT MAX(LicenseConfigurationUsagePercentage) FROM SCHEMA("AWSLicenseManager/licenseUsage", LicenseConfigurationArn, LicenseConfigurationType) ' +
                `WHERE LicenseConfigurationArn = '${ARN("windows-server")}'`,
        );
        expect(windows).to.deep.include({ threshold: 80, comparisonOperator: "GreaterThanOrEqualToThreshold", treatMissingData: "notBreaching" });
        expect(windows.alarmActions).to.deep.equal(["arn:aws:sns:eu-central-1:111111111111:prod-alerts"]);
        expect(windows.okActions).to.deep.equal(["arn:aws:sns:eu-central-1:111111111111:prod-alerts"]);
    });

    it("manages License Manager's Organizations settings through the dynamic provider when asked", () => {
        const settings = named(resources, "pulumi-nodejs:dynamic:Resource", "prod-service-settings").inputs;
        expect(settings).to.deep.include({ region: "eu-central-1", organizationIntegration: true, crossAccountDiscovery: true, keepSettingsOnDelete: false });
        expect(settings.__provider).to.be.a("string").and.to.contain("UpdateServiceSettingsCommand");
    });

    it("uses a given key instead of creating one, and creates nothing for alerts or settings when not asked", async () => {
        const givenKey = "arn:aws:kms:eu-central-1:111111111111:key/2f1c0c7e-1111-2222-3333-444455556666";
        const { resources: withKey } = await runUnderMocks(
            () => new LicenseConfigSet("keyed", { licenses: { agent: { countingType: "Instance", licenseCount: 10 } }, alerts: { kmsKeyArn: givenKey, thresholdPercent: 90 } }),
        );
        expect(ofType(withKey, "aws:kms/key:Key")).to.have.length(0);
        expect(named(withKey, "aws:sns/topic:Topic", "keyed-alerts").inputs.kmsMasterKeyId).to.equal(givenKey);
        const policy = JSON.parse(named(withKey, "aws:iam/rolePolicy:RolePolicy", "keyed-checker-policy").inputs.policy);
        expect(policy.Statement.find((s: any) => s.Sid === "EncryptAlerts").Resource).to.deep.equal([givenKey]);
        expect(named(withKey, "aws:cloudwatch/metricAlarm:MetricAlarm", "keyed-usage-agent").inputs.threshold).to.equal(90);
        expect(ofType(withKey, "pulumi-nodejs:dynamic:Resource")).to.have.length(0);

        const { resources: bare } = await runUnderMocks(
            () => new LicenseConfigSet("bare", { licenses: { agent: { countingType: "Instance", licenseCount: 10 } }, alerts: { enabled: false } }),
        );
        expect(bare.map((r) => r.type).sort()).to.deep.equal(["aws:licensemanager/licenseConfiguration:LicenseConfiguration", "licensing:index:LicenseConfigSet"]);
    });

    it("refuses bad definitions before creating anything, naming each definition and problem", async () => {
        const bad = () =>
            new LicenseConfigSet("bad", {
                licenses: {
                    oracle: { countingType: "vCPU", licenseCount: 8, rules: { minimumCores: 2 } },
                    windows: { countingType: "Core", licenseCount: 16, rules: { allowedTenancy: "EC2-Default", minimumCores: 8, maximumCores: 4 } },
                    agent: { countingType: "Instance", hardLimit: true },
                    "per-socket": { countingType: "Socket", licenseCount: -1 },
                },
            });
        const { resources: created } = await runUnderMocks(() => {
            expect(bad).to.throw(Error);
        });
        expect(created).to.deep.equal([]);
        let message = "";
        try {
            bad();
        } catch (err) {
            message = (err as Error).message;
        }
        expect(message).to.match(/^bad: 5 problems:\n  - /);
        expect(message).to.contain('licenses.oracle: rule minimumCores (rules.minimumCores) is not valid for counting type vCPU');
        expect(message).to.contain('licenses.windows: allowedTenancy must be EC2-DedicatedHost for counting type Core');
        expect(message).to.contain('licenses.windows: minimumCores (8) is greater than maximumCores (4)');
        expect(message).to.contain('licenses.agent: a hard limit needs a licenseCount');
        expect(message).to.contain('licenses.per-socket: licenseCount must be a positive integer (got -1)');
    });

    it("refuses a misspelt license key (amiId would create no association) with one line, before super", () => {
        const error = errorOf(() => new LicenseConfigSet("typo", { licenses: { oracle: { countingType: "vCPU", licenseCount: 8, amiId: "ami-0123456789abcdef0" } as any } }));
        expect(error.message).to.equal('typo: licenses.oracle: unknown key "amiId" (did you mean "amiIds"?)');
        expect(pulumi.ResourceError.isInstance(error) && error.hideStack).to.equal(true);
        expect(messageOf(() => new LicenseConfigSet("typo2", { licenses: { oracle: { countingType: "vCPU", licenseCount: 8, rules: { maximumVcpu: 4 } as any } } }))).to.equal(
            'typo2: licenses.oracle: rules: unknown key "maximumVcpu" (did you mean "maximumVcpus"?)',
        );
        expect(messageOf(() => new LicenseConfigSet("typo3", { licenses: { oracle: { countingType: "vCPU", licenseCount: 8 } }, alerts: { emails: ["a@example.com"] } as any }))).to.equal(
            'typo3: alerts: unknown key "emails" (known: enabled, thresholdPercent, bandWidthPercent, reminderIntervalHours, schedule, kmsKeyArn, emailAddresses, httpsEndpoints, usageAlarms, logRetentionDays, admitAlarmsNamed, admitBudgets)',
        );
    });

    it("refuses settings and alerts that contradict the set", () => {
        const licenses = { windows: { countingType: "Core" as const, licenseCount: 16 } };
        expect(() => new LicenseConfigSet("org", { licenses, organizationSettings: { organizationIntegration: false, crossAccountDiscovery: true } })).to.throw(
            /cross-account discovery needs the Organizations integration/,
        );
        expect(() => new LicenseConfigSet("org2", { licenses, organizationSettings: {} })).to.throw(/set organizationIntegration and\/or crossAccountDiscovery/);
        expect(() => new LicenseConfigSet("al", { licenses, alerts: { thresholdPercent: 0, emailAddresses: ["not-an-address"] } })).to.throw(
            /^al: 2 problems:\n  - alerts.thresholdPercent must be a number from 1 to 100 \(got 0\)\n  - alerts.emailAddresses: "not-an-address" is not an e-mail address$/,
        );
        expect(() => new LicenseConfigSet("al2", { licenses, alerts: { httpsEndpoints: ["http://insecure.example.com"] } })).to.throw(/is not an https:\/\/ URL/);
        expect(() => new LicenseConfigSet("al3", { licenses, alerts: { kmsKeyArn: "alias/aws/sns" } })).to.throw(/kmsKeyArn "alias\/aws\/sns" is not a KMS key ARN/);
        expect(() => new LicenseConfigSet("al4", { licenses, alerts: { schedule: "every hour" } })).to.throw(/^al4: alerts.schedule: "every hour" is not an EventBridge rate/);
        expect(() => new LicenseConfigSet("tg", { licenses, tags: { "licensing:license-set": "spoofed" } })).to.throw(/tg: tags: tag key "licensing:license-set" is set by the component/);
    });

    it("takes outputs for counts, AMI ids, e-mail addresses, threshold and schedule", async () => {
        const { resources: made } = await runUnderMocks(() => {
            const count = pulumi.output(12);
            new LicenseConfigSet("outs", {
                licenses: { windows: { countingType: "Core", licenseCount: count, amiIds: [pulumi.output(WINDOWS_AMI), SQL_AMI] } },
                alerts: { emailAddresses: [pulumi.output("ops@example.com")], thresholdPercent: pulumi.output(90), schedule: pulumi.output("rate(2 hours)") },
            });
        });
        expect(named(made, "aws:licensemanager/licenseConfiguration:LicenseConfiguration", "outs-windows").inputs.licenseCount).to.equal(12);
        expect(named(made, "aws:licensemanager/association:Association", "outs-windows-ami0").inputs.resourceArn).to.contain(WINDOWS_AMI);
        expect(named(made, "aws:licensemanager/association:Association", `outs-windows-${SQL_AMI}`)).to.exist;
        expect(named(made, "aws:sns/topicSubscription:TopicSubscription", "outs-alerts-email-input0").inputs.endpoint).to.equal("ops@example.com");
        expect(named(made, "aws:cloudwatch/eventRule:EventRule", "outs-check").inputs.scheduleExpression).to.equal("rate(2 hours)");
    });

    it("hands out license specifications for launch templates managed elsewhere", async () => {
        await runUnderMocks(() => {
            const set = new LicenseConfigSet("spec", { licenses: { windows: { countingType: "Core", licenseCount: 16 } }, alerts: { enabled: false } });
            expect(set.licenseSpecification("windows")).to.have.property("licenseConfigurationArn");
            expect(() => set.licenseSpecification("sql")).to.throw(/spec: no license "sql" in this set \(have: windows\)/);
        });
    });
});
