import { expect } from "chai";
import { LicenseManagerClient } from "@aws-sdk/client-license-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import {
    CheckerPorts,
    ConfigurationUsage,
    atOrAboveThreshold,
    checkUtilisation,
    utilisationBand,
    utilisationPercent,
} from "../../functions/license-utilisation-checker/checker";
import { awsCheckerPorts, listLicenseConfigurations } from "../../functions/license-utilisation-checker/awsPorts";
import { CHECKER_ENV, CheckerSettings, readCheckerSettings } from "../../functions/license-utilisation-checker/environment";
import { AwsServiceError, JsonService, LOCAL_CLIENT_CONFIG, startJsonService } from "../../sandbox/aws/awsJsonServer";
import { LicenseManagerStandin, StandinLicenseConfiguration, startLicenseManagerStandin } from "../../sandbox/aws/licenseManagerStandin";
import { SnsStandin, startSnsStandin } from "../../sandbox/aws/snsStandin";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { loadDeployedHandler } from "../support/bundles";

const REGION = LOCAL_CLIENT_CONFIG.region;
const arn = (i: number, region = REGION) => `arn:aws:license-manager:${region}:111111111111:license-configuration:lic-${i.toString(16).padStart(32, "0")}`;
const TOPIC = `arn:aws:sns:${REGION}:111111111111:license-alerts`;
const T0 = new Date("2026-03-02T08:00:00Z");
const hours = (h: number) => new Date(T0.getTime() + h * 3600_000);

function settings(arns: string[], overrides: Partial<CheckerSettings> = {}): CheckerSettings {
    return {
        configurationArns: arns,
        thresholdPercent: 80,
        bandWidthPercent: 10,
        reminderIntervalHours: 0,
        topicArn: TOPIC,
        stateParameterName: "prod-alert-state",
        setName: "prod",
        ...overrides,
    };
}

/** In-memory ports: configurations by ARN, state, and every published message. */
class FakePorts implements CheckerPorts {
    configurations = new Map<string, ConfigurationUsage>();
    state: string | undefined;
    published: Array<{ subject: string; message: string }> = [];
    failPublish = false;
    async listConfigurations(arns: string[]) {
        return arns.flatMap((a) => (this.configurations.has(a) ? [this.configurations.get(a)!] : []));
    }
    async readState() {
        return this.state;
    }
    async writeState(value: string) {
        this.state = value;
    }
    async publish(subject: string, message: string) {
        if (this.failPublish) throw new Error("SNS unavailable");
        this.published.push({ subject, message });
    }
    set(i: number, name: string, consumedLicenses: number, licenseCount?: number, countingType = "Core") {
        this.configurations.set(arn(i), { arn: arn(i), name, countingType, licenseCount, consumedLicenses });
    }
}

describe("license utilisation checker", () => {
    describe("utilisation arithmetic", () => {
        it("is not applicable without a count (unset or 0) and never divides by zero", () => {
            expect(utilisationPercent({ consumedLicenses: 5 })).to.equal(undefined);
            expect(utilisationPercent({ consumedLicenses: 5, licenseCount: 0 })).to.equal(undefined);
            expect(atOrAboveThreshold(5, 0, 80)).to.equal(false);
            expect(utilisationPercent({ consumedLicenses: 3, licenseCount: 4 })).to.equal(75);
        });

        it("treats exactly the threshold as alerting and 79.99 % as not, without floating-point drift", () => {
            for (const [consumed, count] of [[4, 5], [8, 10], [80, 100], [56, 70], [800, 1000]]) {
                expect(atOrAboveThreshold(consumed, count, 80), `${consumed}/${count}`).to.equal(true);
            }
            expect(atOrAboveThreshold(7999, 10000, 80)).to.equal(false);
            expect(atOrAboveThreshold(7, 10, 70)).to.equal(true); // 7/10*100 is 70.00000000000001 in floating point
            expect(atOrAboveThreshold(69, 100, 70)).to.equal(false);
        });

        it("bands utilisation above the threshold, with full and over-the-count bands", () => {
            expect(utilisationBand(80, 100, 80, 10)).to.equal("80");
            expect(utilisationBand(89, 100, 80, 10)).to.equal("80");
            expect(utilisationBand(90, 100, 80, 10)).to.equal("90");
            expect(utilisationBand(99, 100, 80, 10)).to.equal("90");
            expect(utilisationBand(100, 100, 80, 10)).to.equal("full");
            expect(utilisationBand(101, 100, 80, 10)).to.equal("over");
            expect(utilisationBand(85, 100, 80, 5)).to.equal("85");
        });
    });

    describe("alerting and suppression (in-memory ports)", () => {
        let ports: FakePorts;
        let telemetry: RecordingTelemetry;
        const all = [1, 2, 3, 4, 5, 6].map((i) => arn(i));

        beforeEach(() => {
            ports = new FakePorts();
            telemetry = new RecordingTelemetry();
            ports.set(1, "windows-server", 80, 100); // exactly 80 %
            ports.set(2, "sql-server", 7999, 10000); // 79.99 %
            ports.set(3, "oracle", 10, 8, "vCPU"); // 125 %: soft limit exceeded
            ports.set(4, "agent", 3, undefined, "Instance"); // no count
            ports.set(5, "agent-zero", 3, 0, "Instance"); // count 0
            ports.set(6, "full", 16, 16); // exactly 100 %
        });

        it("publishes one message naming every configuration at or above the threshold, and only those", async () => {
            const result = await checkUtilisation(settings(all), ports, telemetry, T0);
            expect(result.outcome).to.equal("alerted");
            expect(result.alerting.map((a) => [a.name, a.band])).to.deep.equal([
                ["oracle", "over"],
                ["full", "full"],
                ["windows-server", "80"],
            ]);
            expect(result.notApplicable).to.have.members(["agent", "agent-zero"]);
            expect(ports.published).to.have.length(1);
            const { subject, message } = ports.published[0];
            expect(subject).to.equal("3 license configurations at or above 80%: prod");
            expect(message).to.contain("- oracle (vCPU): 10 / 8 = 125%  OVER THE LICENSE COUNT");
            expect(message).to.contain("- full (Core): 16 / 16 = 100%  all licenses in use");
            expect(message).to.contain("- windows-server (Core): 80 / 100 = 80%");
            expect(message).to.contain(arn(3));
            expect(message).not.to.contain("sql-server");
            expect(message).not.to.match(/agent/);
            expect(telemetry.total("AlertsPublished")).to.equal(1);
            expect(telemetry.total("ConfigurationsAtOrAboveThreshold")).to.equal(3);
        });

        it("suppresses the same alert on the next runs, and re-alerts when a band or the set changes", async () => {
            await checkUtilisation(settings(all), ports, telemetry, T0);
            const again = await checkUtilisation(settings(all), ports, telemetry, hours(1));
            expect(again.outcome).to.equal("suppressed");
            expect(await checkUtilisation(settings(all), ports, telemetry, hours(2))).to.include({ outcome: "suppressed" });
            expect(ports.published).to.have.length(1);
            expect(telemetry.total("AlertsSuppressed")).to.equal(2);

            // Within the same band: still quiet.
            ports.set(1, "windows-server", 85, 100);
            expect((await checkUtilisation(settings(all), ports, telemetry, hours(3))).outcome).to.equal("suppressed");

            // windows-server moves to the 90 band: one new message with the full list.
            ports.set(1, "windows-server", 92, 100);
            const banded = await checkUtilisation(settings(all), ports, telemetry, hours(4));
            expect(banded.outcome).to.equal("alerted");
            expect(ports.published).to.have.length(2);
            expect(ports.published[1].message).to.contain("windows-server (Core): 92 / 100 = 92%");
            expect(ports.published[1].message).to.contain("oracle");

            // sql-server crosses 80 %: the set changed.
            ports.set(2, "sql-server", 8000, 10000);
            expect((await checkUtilisation(settings(all), ports, telemetry, hours(5))).outcome).to.equal("alerted");
            expect(ports.published[2].subject).to.equal("4 license configurations at or above 80%: prod");
        });

        it("names what recovered, sends one all-clear when nothing is alerting any more, then stays quiet", async () => {
            await checkUtilisation(settings(all), ports, telemetry, T0);
            ports.set(3, "oracle", 4, 8, "vCPU");
            const partial = await checkUtilisation(settings(all), ports, telemetry, hours(1));
            expect(partial.outcome).to.equal("alerted");
            expect(partial.recovered).to.deep.equal(["oracle"]);
            expect(ports.published[1].message).to.contain("Back below 80% since the last alert: oracle");

            ports.set(1, "windows-server", 10, 100);
            ports.set(6, "full", 1, 16);
            const cleared = await checkUtilisation(settings(all), ports, telemetry, hours(2));
            expect(cleared.outcome).to.equal("cleared");
            expect(ports.published[2].subject).to.equal("Licenses back below 80%: prod");
            expect((await checkUtilisation(settings(all), ports, telemetry, hours(3))).outcome).to.equal("quiet");
            expect(ports.published).to.have.length(3);
        });

        it("re-sends an unchanged alert only after the reminder interval", async () => {
            const withReminder = settings(all, { reminderIntervalHours: 24 });
            await checkUtilisation(withReminder, ports, telemetry, T0);
            expect((await checkUtilisation(withReminder, ports, telemetry, hours(23))).outcome).to.equal("suppressed");
            expect((await checkUtilisation(withReminder, ports, telemetry, hours(24))).outcome).to.equal("reminded");
            expect(ports.published[1].subject).to.match(/^Reminder: 3 license configurations/);
            expect((await checkUtilisation(withReminder, ports, telemetry, hours(25))).outcome).to.equal("suppressed");
        });

        it("alerts again after a failed publish (state written only after publishing) and on unreadable state", async () => {
            ports.failPublish = true;
            let failed: unknown;
            try {
                await checkUtilisation(settings(all), ports, telemetry, T0);
            } catch (err) {
                failed = err;
            }
            expect(String(failed)).to.contain("SNS unavailable");
            expect(ports.state).to.equal(undefined);
            ports.failPublish = false;
            expect((await checkUtilisation(settings(all), ports, telemetry, hours(1))).outcome).to.equal("alerted");

            ports.state = "{not json";
            expect((await checkUtilisation(settings(all), ports, telemetry, hours(2))).outcome).to.equal("alerted");
        });

        it("reports configurations License Manager did not return, without calling them recovered", async () => {
            await checkUtilisation(settings(all), ports, telemetry, T0);
            ports.configurations.delete(arn(3));
            const result = await checkUtilisation(settings(all), ports, telemetry, hours(1));
            expect(result.missing).to.deep.equal([arn(3)]);
            expect(result.recovered).to.deep.equal([]);
            expect(result.outcome).to.equal("suppressed");
            expect(telemetry.total("ConfigurationsMissing")).to.equal(1);
        });
    });

    describe("environment", () => {
        it("parses the component's variables and refuses a misconfiguration, naming each problem", () => {
            const parsed = readCheckerSettings({
                [CHECKER_ENV.configurationArns]: `${arn(1)},${arn(2)},${arn(1)}`,
                [CHECKER_ENV.thresholdPercent]: "75.5",
                [CHECKER_ENV.topicArn]: TOPIC,
                [CHECKER_ENV.stateParameterName]: "prod-alert-state-1a2b3c",
                [CHECKER_ENV.setName]: "prod",
            });
            expect(parsed).to.deep.include({ configurationArns: [arn(1), arn(2)], thresholdPercent: 75.5, bandWidthPercent: 10, reminderIntervalHours: 0 });
            expect(() =>
                readCheckerSettings({
                    [CHECKER_ENV.configurationArns]: "arn:aws:s3:::bucket",
                    [CHECKER_ENV.thresholdPercent]: "0",
                    [CHECKER_ENV.bandWidthPercent]: "2.5",
                    [CHECKER_ENV.topicArn]: TOPIC,
                    [CHECKER_ENV.stateParameterName]: "p",
                    [CHECKER_ENV.setName]: "prod",
                }),
            ).to.throw(/not a license configuration ARN.*THRESHOLD_PERCENT must be a number from 1 to 100.*BAND_WIDTH_PERCENT must be an integer/);
        });
    });

    describe("against local License Manager, SNS and SSM stand-ins (real SDK clients)", () => {
        let lm: LicenseManagerStandin;
        let sns: SnsStandin;
        let ssm: JsonService & { parameters: Map<string, string> };
        let ports: CheckerPorts;
        let licenseManager: LicenseManagerClient;

        const configuration = (i: number, name: string, consumed: number, count?: number, region = REGION): StandinLicenseConfiguration => ({
            LicenseConfigurationArn: arn(i, region),
            Name: name,
            LicenseCountingType: "Core",
            LicenseCount: count,
            LicenseCountHardLimit: true,
            ConsumedLicenses: consumed,
        });

        before(async () => {
            lm = await startLicenseManagerStandin();
            sns = await startSnsStandin([TOPIC]);
            const parameters = new Map<string, string>();
            const service = await startJsonService("AmazonSSM", {
                GetParameter(input: { Name: string }) {
                    if (!parameters.has(input.Name)) throw new AwsServiceError("ParameterNotFound", `${input.Name} not found`);
                    return { Parameter: { Name: input.Name, Type: "String", Value: parameters.get(input.Name), Version: 1 } };
                },
                PutParameter(input: { Name: string; Value: string; Overwrite?: boolean }) {
                    if (parameters.has(input.Name) && !input.Overwrite) throw new AwsServiceError("ParameterAlreadyExists", "exists");
                    parameters.set(input.Name, input.Value);
                    return { Version: 2, Tier: "Standard" };
                },
            });
            ssm = Object.assign(service, { parameters });
            licenseManager = new LicenseManagerClient({ ...LOCAL_CLIENT_CONFIG, endpoint: lm.endpoint });
            ports = awsCheckerPorts(
                licenseManager,
                new SNSClient({ ...LOCAL_CLIENT_CONFIG, endpoint: sns.endpoint }),
                new SSMClient({ ...LOCAL_CLIENT_CONFIG, endpoint: ssm.endpoint }),
                TOPIC,
                "prod-alert-state",
            );
        });

        after(async () => {
            await Promise.all([lm.close(), sns.close(), ssm.close()]);
        });

        beforeEach(() => {
            lm.state.configurations.clear();
            lm.calls.length = 0;
            sns.published.length = 0;
            ssm.parameters.clear();
        });

        it("lists only the set's configurations, following every page", async () => {
            for (let i = 1; i <= 7; i++) lm.state.configurations.set(arn(i), configuration(i, `license-${i}`, i, 10));
            lm.state.configurations.set(arn(99), configuration(99, "not-in-the-set", 10, 10));
            lm.state.configurations.set(arn(8, "us-east-1"), configuration(8, "other-region", 10, 10, "us-east-1"));
            const set = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => arn(i));

            const listed = await listLicenseConfigurations(licenseManager, set, 2);
            expect(listed.map((c) => c.name)).to.deep.equal(["license-1", "license-2", "license-3", "license-4", "license-5", "license-6", "license-7"]);
            const calls = lm.calls.filter((c) => c.operation === "ListLicenseConfigurations");
            expect(calls).to.have.length(4);
            expect(calls[0].input.LicenseConfigurationArns).to.deep.equal(set);
            expect(calls.map((c) => c.input.NextToken)).to.deep.equal([undefined, "2", "4", "6"]);
            expect(listed[2]).to.deep.equal({ arn: arn(3), name: "license-3", countingType: "Core", licenseCount: 10, consumedLicenses: 3 });
        });

        it("refuses a NextToken that repeats instead of looping", async () => {
            const looping = await startJsonService("AWSLicenseManager", {
                ListLicenseConfigurations: () => ({ LicenseConfigurations: [], NextToken: "same" }),
            });
            try {
                const client = new LicenseManagerClient({ ...LOCAL_CLIENT_CONFIG, endpoint: looping.endpoint });
                let error: unknown;
                try {
                    await listLicenseConfigurations(client, [arn(1)]);
                } catch (err) {
                    error = err;
                }
                expect(String(error)).to.match(/same NextToken twice/);
                expect(looping.calls).to.have.length(2);
            } finally {
                await looping.close();
            }
        });

        it("publishes through SNS once, keeps its state in SSM, and re-alerts when a band changes", async () => {
            lm.state.configurations.set(arn(1), configuration(1, "windows-server", 40, 50));
            lm.state.configurations.set(arn(2), configuration(2, "sql-server", 3, 50));
            lm.state.configurations.set(arn(3), configuration(3, "agent", 12));
            const run = (at: Date) => checkUtilisation(settings([arn(1), arn(2), arn(3)]), ports, new RecordingTelemetry(), at);

            expect(await ports.readState()).to.equal(undefined);
            expect((await run(T0)).outcome).to.equal("alerted");
            expect(sns.published).to.have.length(1);
            expect(sns.published[0]).to.deep.include({ TopicArn: TOPIC, Subject: "1 license configuration at or above 80%: prod" });
            expect(sns.published[0].Message).to.contain("- windows-server (Core): 40 / 50 = 80%");
            expect(JSON.parse(ssm.parameters.get("prod-alert-state")!)).to.deep.equal({ version: 1, bands: { [arn(1)]: "80" }, lastAlertAt: T0.toISOString() });

            expect((await run(hours(1))).outcome).to.equal("suppressed");
            expect(sns.published).to.have.length(1);

            lm.state.configurations.set(arn(1), configuration(1, "windows-server", 51, 50));
            expect((await run(hours(2))).outcome).to.equal("alerted");
            expect(sns.published).to.have.length(2);
            expect(sns.published[1].Message).to.contain("51 / 50 = 102%  OVER THE LICENSE COUNT");
        });

        it("the deployed artifact (bundled handler) runs a check end to end with the component's environment", async () => {
            lm.state.configurations.set(arn(1), configuration(1, "windows-server", 60, 64));
            lm.state.configurations.set(arn(2), configuration(2, "sql-server", 10, 64));
            const saved = { ...process.env };
            Object.assign(process.env, {
                AWS_REGION: REGION,
                AWS_ACCESS_KEY_ID: "AKIDLOCAL",
                AWS_SECRET_ACCESS_KEY: "local-secret",
                AWS_ENDPOINT_URL_LICENSE_MANAGER: lm.endpoint,
                AWS_ENDPOINT_URL_SNS: sns.endpoint,
                AWS_ENDPOINT_URL_SSM: ssm.endpoint,
                POWERTOOLS_METRICS_DISABLED: "true",
                POWERTOOLS_LOG_LEVEL: "SILENT",
                [CHECKER_ENV.configurationArns]: `${arn(1)},${arn(2)}`,
                [CHECKER_ENV.thresholdPercent]: "90",
                [CHECKER_ENV.topicArn]: TOPIC,
                [CHECKER_ENV.stateParameterName]: "bundle-alert-state",
                [CHECKER_ENV.setName]: "bundled",
            });
            // Loaded as Lambda loads it: a fresh index.js in its own folder.
            const { handler, remove } = loadDeployedHandler("license-utilisation-checker");
            try {
                const first = await handler({ source: "aws.events", "detail-type": "Scheduled Event" });
                expect(first.outcome).to.equal("alerted");
                expect(first.alerting.map((a: any) => a.name)).to.deep.equal(["windows-server"]);
                expect(sns.published).to.have.length(1);
                expect(sns.published[0].Subject).to.equal("1 license configuration at or above 90%: bundled");
                expect(ssm.parameters.has("bundle-alert-state")).to.equal(true);
                expect((await handler({})).outcome).to.equal("suppressed");
                expect(sns.published).to.have.length(1);
            } finally {
                process.env = saved;
                remove();
            }
        });

        it("leaves the state untouched when SNS refuses the message, so the next run alerts again", async () => {
            lm.state.configurations.set(arn(1), configuration(1, "windows-server", 45, 50));
            sns.failNext("KMSAccessDenied");
            let error: unknown;
            try {
                await checkUtilisation(settings([arn(1)]), ports, new RecordingTelemetry(), T0);
            } catch (err) {
                error = err;
            }
            expect((error as Error).name).to.equal("KMSAccessDeniedException");
            expect(ssm.parameters.has("prod-alert-state")).to.equal(false);
            expect((await checkUtilisation(settings([arn(1)]), ports, new RecordingTelemetry(), T0)).outcome).to.equal("alerted");
        });
    });
});
