/**
 * The local AWS the sandbox's functions talk to, all on 127.0.0.1 with free ports: per account-region an EventBridge
 * (PutEvents), SSM (parameters and Run Command) and EC2 (DescribeInstances, CreateTags, DeleteTags) stand-in, so
 * accounts and regions stay apart as they do in AWS (a forwarder reads the EC2 of its own region); and, shared because their names or ARNs already carry the account, DynamoDB (dynalite), S3 (s3rver), License
 * Manager and SNS stand-ins. Each function reaches them through the SDK's standard AWS_ENDPOINT_URL_<SERVICE>
 * variables, so the deployed bundles run unchanged.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { startDynalite, LocalDynamo } from "../aws/dynalite";
import { startS3rver, LocalS3 } from "../aws/s3rver";
import { startEventBridgeStandin, EventBridgeStandin } from "../aws/eventBridgeStandin";
import { startSsmStandin, SsmStandin } from "../aws/ssmStandin";
import { startEc2Standin, Ec2Standin } from "../aws/ec2Standin";
import { emptyLicenseManagerState, startLicenseManagerStandin, LicenseManagerStandin } from "../aws/licenseManagerStandin";
import { startSnsStandin, SnsStandin } from "../aws/snsStandin";
import { startStsStandin, StsStandin } from "../aws/stsStandin";
import { startOrganizationsStandin, OrganizationsStandin } from "../aws/organizationsStandin";
import type { LocalDeployment } from "../world/deployment";

/** The regional services of one account in one region. */
export interface AccountServices {
    accountId: string;
    region: string;
    eventBridge: EventBridgeStandin;
    ssm: SsmStandin;
    ec2: Ec2Standin;
}

export interface SandboxServices {
    dynamo: LocalDynamo;
    s3: LocalS3;
    licenseManager: LicenseManagerStandin;
    sns: SnsStandin;
    /** STS AssumeRole (a caller's endpoint names it: callerEndpoint) and the Organizations listings its sessions may read. */
    sts: StsStandin;
    organizations: OrganizationsStandin;
    /** Every account-region's services (accountRegionKey), in the order they were asked for. */
    accounts: Map<string, AccountServices>;
    /** The services of an account in a region; throws for an account-region no stack was deployed to. */
    in(accountId: string, region: string): AccountServices;
    /** The AWS_ENDPOINT_URL_<SERVICE> variables of a function running in `accountId` and `region`. */
    endpointsFor(accountId: string, region: string): Record<string, string>;
    close(): Promise<void>;
}

/** The key of an account-region in `SandboxServices.accounts`. */
export function accountRegionKey(accountId: string, region: string): string {
    return `${accountId}/${region}`;
}

/** Starts every service; on a failure, stops what was started and rethrows. */
export async function startServices(accountRegions: Array<{ accountId: string; region: string }>): Promise<SandboxServices> {
    const started: Array<{ close(): Promise<void> }> = [];
    const keep = <T extends { close(): Promise<void> }>(service: T) => {
        started.push(service);
        return service;
    };
    const closeAll = async () => {
        for (const service of started.reverse()) await service.close().catch(() => undefined);
    };
    try {
        const dynamo = keep(await startDynalite());
        const s3 = keep(await startS3rver());
        const licenseManager = keep(await startLicenseManagerStandin(emptyLicenseManagerState()));
        const sns = keep(await startSnsStandin());
        const sts = keep(await startStsStandin());
        const organizations = keep(await startOrganizationsStandin(sts));
        const accounts = new Map<string, AccountServices>();
        for (const { accountId, region } of accountRegions) {
            accounts.set(accountRegionKey(accountId, region), {
                accountId,
                region,
                eventBridge: keep(await startEventBridgeStandin()),
                ssm: keep(await startSsmStandin()),
                ec2: keep(await startEc2Standin()),
            });
        }
        const servicesIn = (accountId: string, region: string) => {
            const account = accounts.get(accountRegionKey(accountId, region));
            if (!account) throw new Error(`account ${accountId} has no services in ${region} in the sandbox (no stack was deployed there)`);
            return account;
        };
        return {
            dynamo,
            s3,
            licenseManager,
            sns,
            sts,
            organizations,
            accounts,
            in: servicesIn,
            endpointsFor(accountId, region) {
                const account = servicesIn(accountId, region);
                return {
                    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
                    AWS_ENDPOINT_URL_S3: s3.endpoint,
                    AWS_ENDPOINT_URL_LICENSE_MANAGER: licenseManager.endpoint,
                    AWS_ENDPOINT_URL_SNS: sns.endpoint,
                    AWS_ENDPOINT_URL_ORGANIZATIONS: organizations.endpoint,
                    AWS_ENDPOINT_URL_EVENTBRIDGE: account.eventBridge.endpoint,
                    AWS_ENDPOINT_URL_SSM: account.ssm.endpoint,
                    AWS_ENDPOINT_URL_EC2: account.ec2.endpoint,
                };
            },
            close: closeAll,
        };
    } catch (err) {
        await closeAll();
        throw err;
    }
}

/** Creates what the stacks declared: tables, buckets and their objects, SSM parameters, SNS topics. */
export async function provision(services: SandboxServices, deployment: LocalDeployment): Promise<void> {
    // Each table is used only once ACTIVE (dynalite, like DynamoDB, answers CreateTable with CREATING).
    for (const table of deployment.tables) {
        await services.dynamo.createTable({
            TableName: table.name,
            KeySchema: [
                { AttributeName: table.hashKey, KeyType: "HASH" },
                ...(table.rangeKey ? [{ AttributeName: table.rangeKey, KeyType: "RANGE" as const }] : []),
            ],
            AttributeDefinitions: table.attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type as "S" | "N" | "B" })),
            BillingMode: "PAY_PER_REQUEST",
        });
    }
    for (const bucket of deployment.buckets) await services.s3.createBucket(bucket.name);
    for (const object of deployment.objects) {
        await services.s3.client.send(new PutObjectCommand({ Bucket: object.bucket, Key: object.key, Body: object.content, ContentType: object.contentType }));
    }
    for (const parameter of deployment.parameters) {
        services.in(parameter.accountId, parameter.region).ssm.parameters.set(parameter.name, { name: parameter.name, type: parameter.type, value: parameter.value, version: 1, lastModified: new Date() });
    }
    for (const topic of deployment.topics) services.sns.topics.add(topic.arn);
}
