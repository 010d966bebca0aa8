import { assertArguments } from "../shared/argumentChecks";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { awsContext } from "../shared/awsContext";
import { TypeScriptOnly } from "../shared/typeScriptOnly";
import { componentType, withFormerType } from "../shared/componentType";
import { checkArgs, validated, whenKnown } from "../shared/validation";
import {
    HARD_LIMIT_EXEMPT_TAG_KEY,
    LICENSE_SET_TAG_KEY,
    LicenseDefinition,
    amiIdProblem,
    licenseCountProblem,
    licenseDefinitionsProblems,
    licenseRuleStrings,
    tagProblems,
} from "./definitions";
import { LicenseManagerServiceSettings } from "./licenseManagerServiceSettings";
import { AlertSettings, UtilisationAlerts, alertArgsProblems, createUtilisationAlerts } from "./utilisationAlerts";
import { knownKeys, problemsMessage, unknownKeyProblems } from "../shared/configKeys";

/** License Manager's Organizations settings in the stack's Region (see LicenseManagerServiceSettings). */
export interface OrganizationSettings {
    /** Link License Manager with AWS Organizations. Default: not managed. */
    organizationIntegration?: boolean;
    /** Discover resources in member accounts (needs the Organizations link). Default: not managed. */
    crossAccountDiscovery?: boolean;
    /** Keep the settings when the set is destroyed. Default false: turn back what was turned on. */
    keepSettingsOnDelete?: boolean;
}

/** The former name of OrganizationSettings. */
export type OrganizationSettingsArgs = OrganizationSettings;

export interface LicenseConfigSetArgs {
    /**
     * The licenses you own, by name (the License Manager configuration name). Required, 1-25 entries. Launch
     * templates consume them through `licenseSpecification(name)` (TypeScript) or the `configurationArns` output.
     */
    licenses: Record<string, LicenseDefinition>;
    /** Utilisation alerts (topic, scheduled checker, usage alarms); `{ enabled: false }` turns them off. Default: on, with defaults. */
    alerts?: AlertSettings;
    /** License Manager's Organizations settings for this Region. Default: not managed. */
    organizationSettings?: OrganizationSettings;
    /** Tags for every child that takes tags. Default: none. */
    tags?: Record<string, string>;
}

export { LICENSE_SET_TAG_KEY };

/** `alerts` is settings or nothing: `false` (or any other non-object) reads as "off" but would turn nothing off. */
function alertsShapeProblems(alerts: unknown): string[] {
    if (pulumi.Output.isInstance(alerts)) return ["alerts must be a plain object (its fields may be Outputs): whether there are alerts decides which resources exist"];
    if (alerts === undefined || (typeof alerts === "object" && alerts !== null && !Array.isArray(alerts))) return [];
    return [`alerts: ${JSON.stringify(alerts)} is not an alerts setting; write { enabled: false } to turn the alerts off, or leave it out for the defaults`];
}

/** Every argument of LicenseConfigSetArgs (checked both ways at compile time): anything else is refused by name. */
const LICENSE_CONFIG_SET_ARGUMENTS = knownKeys<LicenseConfigSetArgs>()("licenses", "alerts", "organizationSettings", "tags");

/**
 * License Manager configurations for a set of licenses you own, and everything that makes them effective: hard
 * limits (enforced unless explicitly exempted), associations with the AMIs and launch templates that consume them,
 * utilisation alerts before they run out, and (optionally) License Manager's Organizations settings.
 *
 * Every definition is validated before anything is created; one error lists every problem, each naming its license.
 */
export class LicenseConfigSet extends pulumi.ComponentResource {
    /** License Manager configurations, by license name. */
    public readonly configurations: Record<string, aws.licensemanager.LicenseConfiguration>;
    /** Configuration ARNs, by license name. */
    public readonly configurationArns: pulumi.Output<Record<string, string>>;
    /** AMI associations, by license name and AMI id (or `ami<position>` for an id given as an output). */
    public readonly associations: Record<string, Record<string, aws.licensemanager.Association>>;
    /** ARN of the alert topic (absent with alerts disabled). */
    public readonly alertTopicArn?: pulumi.Output<string>;

    /** Alerting resources (absent with alerts disabled; TypeScript only). */
    public get alerts(): UtilisationAlerts | undefined {
        return setMembers.get(this).alerts;
    }
    /** License Manager service settings (absent unless `organizationSettings` is given; TypeScript only). */
    public get serviceSettings(): LicenseManagerServiceSettings | undefined {
        return setMembers.get(this).serviceSettings;
    }

    constructor(name: string, args: LicenseConfigSetArgs, opts?: pulumi.ComponentResourceOptions) {
        // Before super: a bad set registers nothing, not even the component.
        checkArgs(() => validateArgs(name, args));
        super(componentType("LicenseConfigSet"), name, {}, withFormerType("licensing:config:LicenseConfigSet", opts));
        assertArguments(name, args, LICENSE_CONFIG_SET_ARGUMENTS, this, { plain: { "alerts.enabled": args.alerts?.enabled }, more: alertsShapeProblems(args.alerts) });
        const members: SetMembers = { componentName: name };
        setMembers.set(this, members);
        const context = awsContext(this);
        const setName = safeSetName(name);
        const setTags = { ...(args.tags ?? {}) };

        this.configurations = {};
        this.associations = {};
        for (const [license, definition] of Object.entries(args.licenses)) {
            const hardLimit = definition.hardLimit ?? true;
            const configuration = new aws.licensemanager.LicenseConfiguration(
                `${name}-${license}`,
                {
                    name: license,
                    description: definition.description,
                    licenseCountingType: definition.countingType,
                    licenseCount:
                        definition.licenseCount === undefined
                            ? undefined
                            : whenKnown(definition.licenseCount, (count) => assertNoProblems(name, license, licenseCountProblem(count)), this),
                    licenseCountHardLimit: hardLimit,
                    licenseRules: licenseRuleStrings(definition.countingType, definition.rules),
                    tags: {
                        ...setTags,
                        ...(definition.tags ?? {}),
                        [LICENSE_SET_TAG_KEY]: setName,
                        ...(hardLimit ? {} : { [HARD_LIMIT_EXEMPT_TAG_KEY]: definition.hardLimitExemptReason!.trim() }),
                    },
                },
                { parent: this },
            );
            this.configurations[license] = configuration;

            this.associations[license] = {};
            (definition.amiIds ?? []).forEach((amiInput, position) => {
                // Named by the id when known now (stable when the list is reordered), by position for an output.
                const key = typeof amiInput === "string" ? amiInput : `ami${position}`;
                // AMI ARNs carry no account: arn:<partition>:ec2:<region>::image/<ami-id>.
                const resourceArn = validated(
                    { partition: context.partition, region: context.region, ami: amiInput },
                    ({ partition, region, ami }) => {
                        assertNoProblems(name, license, amiIdProblem(ami));
                        return `arn:${partition}:ec2:${region}::image/${ami}`;
                    },
                    this,
                );
                this.associations[license][key] = new aws.licensemanager.Association(
                    `${name}-${license}-${key}`,
                    { licenseConfigurationArn: configuration.arn, resourceArn },
                    { parent: this },
                );
            });
        }
        this.configurationArns = pulumi
            .all(Object.fromEntries(Object.entries(this.configurations).map(([license, c]) => [license, c.arn])))
            .apply((arns) => arns as Record<string, string>);

        if (args.alerts?.enabled ?? true) {
            const configurations = Object.fromEntries(
                Object.entries(this.configurations).map(([license, c]) => [
                    license,
                    { arn: c.arn, countingType: args.licenses[license].countingType, hasCount: args.licenses[license].licenseCount !== undefined },
                ]),
            );
            members.alerts = createUtilisationAlerts(name, this, args.alerts ?? {}, context, configurations, setName, setTags);
            this.alertTopicArn = members.alerts.topic.arn;
        }

        if (args.organizationSettings) {
            const s = args.organizationSettings;
            members.serviceSettings = new LicenseManagerServiceSettings(
                `${name}-service-settings`,
                {
                    region: context.region,
                    organizationIntegration: s.organizationIntegration,
                    crossAccountDiscovery: s.crossAccountDiscovery,
                    keepSettingsOnDelete: s.keepSettingsOnDelete ?? false,
                },
                { parent: this },
            );
        }

        this.registerOutputs({
            configurationArns: this.configurationArns,
            alertTopicArn: this.alertTopicArn,
        });
    }

    /**
     * The license specification to add to a launch template you manage yourself, e.g.
     * `licenseSpecifications: [set.licenseSpecification("windows-server")]`.
     */
    public licenseSpecification(license: string): { licenseConfigurationArn: pulumi.Output<string> } {
        const configuration = this.configurations[license];
        if (!configuration) {
            throw new Error(`${setMembers.get(this).componentName}: no license "${license}" in this set (have: ${Object.keys(this.configurations).join(", ")}).`);
        }
        return { licenseConfigurationArn: configuration.arn };
    }
}

const ORGANIZATION_KEYS = knownKeys<OrganizationSettings>()("organizationIntegration", "crossAccountDiscovery", "keepSettingsOnDelete");

/** Throws one message listing every problem of the arguments, each with its path (`licenses.<name>`, `alerts`, ...). */
function validateArgs(name: string, args: LicenseConfigSetArgs): void {
    const problems = licenseConfigSetProblems(args);
    if (problems.length > 0) throw new Error(problemsMessage(name, problems));
}

/** Every problem of the arguments beyond their TypeScript types, each starting with the path the caller wrote. */
export function licenseConfigSetProblems(args: LicenseConfigSetArgs): string[] {
    const problems = licenseDefinitionsProblems(args.licenses, "licenses");
    problems.push(...tagProblems(args.tags).map((p) => `tags: ${p}`));
    const s = args.organizationSettings;
    if (s) {
        problems.push(...unknownKeyProblems(s, ORGANIZATION_KEYS, "organizationSettings"));
        if (s.organizationIntegration === undefined && s.crossAccountDiscovery === undefined) {
            problems.push("organizationSettings: set organizationIntegration and/or crossAccountDiscovery");
        }
        if (s.crossAccountDiscovery === true && s.organizationIntegration === false) {
            problems.push("organizationSettings: cross-account discovery needs the Organizations integration (organizationIntegration: false contradicts it)");
        }
    }
    if (args.alerts?.enabled ?? true) problems.push(...alertArgsProblems(args.alerts ?? {}, "alerts"));
    return problems;
}

/** Members of a set kept out of the schema (see TypeScriptOnly). */
interface SetMembers {
    componentName: string;
    alerts?: UtilisationAlerts;
    serviceSettings?: LicenseManagerServiceSettings;
}
const setMembers = new TypeScriptOnly<SetMembers>();

/** Throws the problems found in a license's value once it is known, naming the set and the license. */
function assertNoProblems(set: string, license: string, problems: string[]): void {
    if (problems.length > 0) throw new Error(`${set}: licenses.${license}: ${problems.join("; ")}`);
}

/** The set's name as it appears in tags and alert subjects (tag-value and subject safe). */
function safeSetName(name: string): string {
    return name.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 64) || "license-set";
}
