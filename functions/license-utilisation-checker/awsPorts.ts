import { LicenseManagerClient, ListLicenseConfigurationsCommand } from "@aws-sdk/client-license-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { CheckerPorts, ConfigurationUsage } from "./checker";

/** Pages of 100 (the API's maximum page size is not documented; 100 keeps the number of calls low). */
const PAGE_SIZE = 100;
/** A NextToken that never ends would keep the function running until its timeout; stop long before. */
const MAX_PAGES = 1000;

/**
 * All configurations with the given ARNs, every page. The License Manager SDK client ships no paginator for
 * ListLicenseConfigurations, so this follows NextToken itself and refuses a token that repeats.
 */
export async function listLicenseConfigurations(client: LicenseManagerClient, arns: string[], pageSize = PAGE_SIZE): Promise<ConfigurationUsage[]> {
    const found: ConfigurationUsage[] = [];
    const seenTokens = new Set<string>();
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
        const result = await client.send(new ListLicenseConfigurationsCommand({ LicenseConfigurationArns: arns, MaxResults: pageSize, NextToken: nextToken }));
        for (const c of result.LicenseConfigurations ?? []) {
            if (!c.LicenseConfigurationArn) continue;
            found.push({
                arn: c.LicenseConfigurationArn,
                name: c.Name ?? c.LicenseConfigurationArn,
                countingType: c.LicenseCountingType ?? "unknown",
                licenseCount: c.LicenseCount,
                consumedLicenses: c.ConsumedLicenses ?? 0,
            });
        }
        nextToken = result.NextToken || undefined;
        if (nextToken === undefined) return found;
        if (seenTokens.has(nextToken)) throw new Error("ListLicenseConfigurations returned the same NextToken twice; refusing to loop.");
        seenTokens.add(nextToken);
    }
    throw new Error(`ListLicenseConfigurations returned more than ${MAX_PAGES} pages; refusing to continue.`);
}

/** The checker's ports backed by License Manager, SNS and one SSM parameter. */
export function awsCheckerPorts(
    licenseManager: LicenseManagerClient,
    sns: SNSClient,
    ssm: SSMClient,
    topicArn: string,
    stateParameterName: string,
): CheckerPorts {
    return {
        listConfigurations: (arns) => listLicenseConfigurations(licenseManager, arns),
        async readState() {
            try {
                const result = await ssm.send(new GetParameterCommand({ Name: stateParameterName }));
                return result.Parameter?.Value;
            } catch (err) {
                // The component creates the parameter; if someone deleted it, start from "nothing alerted".
                if (err instanceof ParameterNotFound) return undefined;
                throw err;
            }
        },
        async writeState(value) {
            // Intelligent-Tiering: a large set's state may outgrow the 4 KB of a standard parameter.
            await ssm.send(new PutParameterCommand({ Name: stateParameterName, Value: value, Type: "String", Overwrite: true, Tier: "Intelligent-Tiering" }));
        },
        async publish(subject, message) {
            await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
        },
    };
}
