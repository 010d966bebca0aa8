import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { awsContext } from "../shared/awsContext";
import { componentType } from "../shared/componentType";
import { childPath, knownKeys, problemsMessage, unknownKeyProblems } from "../shared/configKeys";
import { policyDocument } from "../shared/iam";
import { whenKnown } from "../shared/validation";
import { INVENTORY_DOCUMENT, managedNodeStatements } from "../shared/managedNodePolicy";
import type { DiscoveredProduct } from "./discoveryRulesProvider";
import { LicenseDiscoveryRules } from "./licenseDiscoveryRules";
import { TypeScriptOnly } from "../shared/typeScriptOnly";

/** License Manager counts `products` for this configuration wherever Systems Manager inventory finds them. */
export interface OnPremisesDiscoveryArgs {
    /** The license configuration to count against (e.g. an output of LicenseConfigSet). Required. */
    licenseConfigurationArn: pulumi.Input<string>;
    /** The software that consumes it, as inventory names it; one rule per product. Required, at least one. */
    products: DiscoveredProduct[];
}

export interface OnPremisesServersArgs {
    /** How many servers may register with the activation (1-1000). Default 10. */
    registrationLimit?: pulumi.Input<number>;
    /**
     * When the activation stops accepting registrations: an ISO 8601 date and time in the future and at most 30 days
     * ahead (SSM CreateActivation's range), checked at preview; a date that has passed is refused at the next preview
     * (replace it, which makes a new activation, or remove it). Default: AWS's 24 hours.
     */
    expirationDate?: pulumi.Input<string>;
    /** How often managed nodes report their software inventory: `rate(N minutes|hours|days)`, at least 30 minutes. Default `rate(12 hours)`. */
    inventorySchedule?: string;
    /** License configurations whose usage License Manager discovers from that inventory. Default: none. */
    discovery?: OnPremisesDiscoveryArgs[];
    /** Tags for the activation, role and association. Default: none. */
    tags?: Record<string, string>;
}

export const DEFAULT_REGISTRATION_LIMIT = 10;
export const DEFAULT_INVENTORY_SCHEDULE = "rate(12 hours)";
const INVENTORY_RATE = /^rate\((\d+) (minutes|hours|days)\)$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** How far ahead SSM CreateActivation accepts an expiration date. */
export const MAX_ACTIVATION_DAYS = 30;

/**
 * On-premises (and other non-EC2) servers under Systems Manager, so License Manager counts the licenses they use:
 * a hybrid activation (servers register with its id and code and become managed nodes), the service role they run
 * with, a software-inventory association for every managed node, and per license configuration the automated
 * discovery rules that turn that inventory into license usage.
 *
 * The activation code is a secret output: whoever holds it (with the id) can register a server into this account
 * until the activation expires or its registration limit is reached. Keep the limit and expiry tight.
 */
export class OnPremisesServers extends pulumi.ComponentResource {
    /** The Systems Manager hybrid activation servers register with. */
    public readonly activation: aws.ssm.Activation;
    /** The activation's id, given to `amazon-ssm-agent -register` together with the code. */
    public readonly activationId: pulumi.Output<string>;
    /** The activation code (secret). */
    public readonly activationCode: pulumi.Output<string>;
    /** The role registered servers run with: only what the SSM Agent needs for registration, inventory and Run Command. */
    public readonly managedNodeRole: aws.iam.Role;
    /** The association that collects software inventory from the registered servers. */
    public readonly inventoryAssociation: aws.ssm.Association;
    /** Discovery rules, by license configuration index in `discovery` (TypeScript only: a resource of this package's own). */
    public get discoveryRules(): LicenseDiscoveryRules[] {
        return discoveryRules.get(this);
    }

    constructor(name: string, args: OnPremisesServersArgs, opts?: pulumi.ComponentResourceOptions) {
        const schedule = args.inventorySchedule ?? DEFAULT_INVENTORY_SCHEDULE;
        validateArgs(name, args);
        super(componentType("OnPremisesServers"), name, {}, opts);
        const { partition, region, accountId } = awsContext(this);

        this.managedNodeRole = new aws.iam.Role(
            `${name}-managed-node`,
            {
                description: "Role of on-premises servers registered with Systems Manager through the hybrid activation",
                // Only Systems Manager of this account and Region may assume it (the confused-deputy guard AWS documents
                // for hybrid activations).
                assumeRolePolicy: pulumi.all([partition, region, accountId]).apply(([p, r, a]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Service: "ssm.amazonaws.com" },
                                Action: "sts:AssumeRole",
                                Condition: { StringEquals: { "aws:SourceAccount": a }, ArnEquals: { "aws:SourceArn": `arn:${p}:ssm:${r}:${a}:*` } },
                            },
                        ],
                    }),
                ),
                tags: args.tags,
            },
            { parent: this },
        );
        this.inventoryAssociation = new aws.ssm.Association(
            `${name}-inventory`,
            {
                name: INVENTORY_DOCUMENT,
                associationName: `${name}-software-inventory`,
                // Every managed node of the account and Region: EC2 and registered servers alike.
                targets: [{ key: "InstanceIds", values: ["*"] }],
                scheduleExpression: schedule,
                parameters: { applications: "Enabled", awsComponents: "Enabled", instanceDetailedInformation: "Enabled", services: "Enabled", windowsRoles: "Enabled" },
                tags: args.tags,
            },
            { parent: this },
        );
        // Not AmazonSSMManagedInstanceCore: it lets every node read every SSM parameter of the account (#21 item 9).
        const agentPolicy = new aws.iam.RolePolicy(
            `${name}-managed-node-agent`,
            {
                role: this.managedNodeRole.name,
                policy: policyDocument(managedNodeStatements({ partition, region, accountId }, this.inventoryAssociation.associationId), `${name}: managed node policy`),
            },
            { parent: this },
        );

        this.activation = new aws.ssm.Activation(
            `${name}-activation`,
            {
                description: `Registers on-premises servers for license tracking (${name})`,
                iamRole: this.managedNodeRole.name,
                registrationLimit: args.registrationLimit ?? DEFAULT_REGISTRATION_LIMIT,
                expirationDate: args.expirationDate === undefined ? undefined : whenKnown(args.expirationDate, (date) => throwProblems(name, expirationDateProblems(date, "expirationDate")), this),
                tags: args.tags,
            },
            // The role must carry its policy before a server registers with it.
            { parent: this, dependsOn: [agentPolicy], additionalSecretOutputs: ["activationCode"] },
        );
        this.activationId = this.activation.id;
        this.activationCode = pulumi.secret(this.activation.activationCode);

        discoveryRules.set(this, (args.discovery ?? []).map(
            (d, i) => new LicenseDiscoveryRules(`${name}-discovery-${i}`, { licenseConfigurationArn: d.licenseConfigurationArn, products: d.products }, { parent: this }),
        ));

        this.registerOutputs({
            activationId: this.activationId,
            activationCode: this.activationCode,
            managedNodeRoleName: this.managedNodeRole.name,
            inventoryAssociationId: this.inventoryAssociation.associationId,
        });
    }
}

const discoveryRules = new TypeScriptOnly<LicenseDiscoveryRules[]>();
const ARG_KEYS = knownKeys<OnPremisesServersArgs>()("registrationLimit", "expirationDate", "inventorySchedule", "discovery", "tags");
const PRODUCT_KEYS = knownKeys<DiscoveredProduct>()("applicationName", "applicationPublisher", "applicationVersion", "platformName");

/**
 * Every problem of the activation settings at once, each starting with its path as the user wrote it (`path` is
 * the stack setting or empty for the component's arguments). Values not known yet (outputs) are checked by AWS.
 */
export function activationProblems(args: Omit<OnPremisesServersArgs, "discovery">, path: string, now: number = Date.now()): string[] {
    const at = (key: string) => (path === "" ? key : childPath(path, key));
    const problems = unknownKeyProblems(args, [...ARG_KEYS], path);
    const limit = args.registrationLimit;
    if (typeof limit === "number" && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) problems.push(`${at("registrationLimit")} must be an integer from 1 to 1000 (got ${limit})`);
    if (typeof args.expirationDate === "string") problems.push(...expirationDateProblems(args.expirationDate, at("expirationDate"), now));
    const schedule = args.inventorySchedule ?? DEFAULT_INVENTORY_SCHEDULE;
    const rate = INVENTORY_RATE.exec(schedule);
    const minutes = rate ? Number(rate[1]) * { minutes: 1, hours: 60, days: 1440 }[rate[2] as "minutes" | "hours" | "days"] : 0;
    if (!rate || minutes < 30) problems.push(`${at("inventorySchedule")} "${schedule}" must be rate(N minutes|hours|days) of at least 30 minutes, e.g. "rate(12 hours)"`);
    return problems;
}

/**
 * Problems of an activation's expiration date, naming `path`: ISO 8601 with a time and zone, in the future, and at
 * most MAX_ACTIVATION_DAYS ahead of `now` (SSM CreateActivation refuses anything later; a past date would create an
 * activation no server can use).
 */
export function expirationDateProblems(value: unknown, path: string, now: number = Date.now()): string[] {
    const example = new Date((Math.floor(now / 86_400_000) + 7) * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    if (typeof value !== "string" || !ISO_DATE_TIME.test(value) || !isCalendarDate(value)) {
        return [`${path} ${JSON.stringify(value)} must be an ISO 8601 date and time, e.g. ${example}`];
    }
    const at = Date.parse(value);
    if (at <= now) return [`${path} "${value}" has passed: give a time within the next ${MAX_ACTIVATION_DAYS} days (e.g. ${example}), or none for AWS's 24 hours`];
    if (at > now + MAX_ACTIVATION_DAYS * 86_400_000) {
        return [`${path} "${value}" is more than ${MAX_ACTIVATION_DAYS} days ahead, which SSM does not accept: give a time before ${new Date(now + MAX_ACTIVATION_DAYS * 86_400_000).toISOString()}`];
    }
    return [];
}

/** Whether the date part names a real day (Date.parse rolls 2026-02-30 over to March). */
function isCalendarDate(value: string): boolean {
    const [year, month, day] = value.slice(0, 10).split("-").map(Number);
    const date = new Date(Date.UTC(year, month - 1, day));
    return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && !Number.isNaN(Date.parse(value));
}

/** Problems of one configuration's product list, paths under `path` (e.g. `discovery[0].products`). */
export function discoveredProductsProblems(products: unknown, path: string): string[] {
    if (!Array.isArray(products) || products.length === 0) return [`${path} must name at least one product`];
    return products.flatMap((p: Partial<DiscoveredProduct>, j) => [
        ...unknownKeyProblems(p, [...PRODUCT_KEYS], `${path}[${j}]`),
        ...(typeof p?.applicationName !== "string" || p.applicationName.trim() === "" ? [`${path}[${j}].applicationName is required`] : []),
    ]);
}

function validateArgs(name: string, args: OnPremisesServersArgs): void {
    const { discovery, ...activation } = args;
    const problems = [
        ...activationProblems(activation, ""),
        ...(discovery ?? []).flatMap((d, i) => [...unknownKeyProblems(d, ["licenseConfigurationArn", "products"], `discovery[${i}]`), ...discoveredProductsProblems(d.products, `discovery[${i}].products`)]),
    ];
    throwProblems(name, problems);
}

function throwProblems(name: string, problems: string[]): void {
    if (problems.length > 0) throw new pulumi.ResourceError(problemsMessage(name, problems), undefined, true);
}
