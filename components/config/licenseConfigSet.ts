import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { awsContext } from "../shared/awsContext";
import { checkArgs } from "../shared/validation";
import {
    DEFINITION_NAME,
    HARD_LIMIT_EXEMPT_TAG_KEY,
    LICENSE_SET_TAG_KEY,
    LicenseDefinition,
    licenseDefinitionsProblems,
    licenseRuleStrings,
    tagProblems,
} from "./definitions";
import { LicenseManagerServiceSettings } from "./licenseManagerServiceSettings";
import { UtilisationAlerts, UtilisationAlertsArgs, alertArgsProblems, createUtilisationAlerts } from "./utilisationAlerts";
import { childPath, knownKeys, problemsMessage, unknownKeyProblems } from "../shared/configKeys";

/** A launch template created by the set, whose instances consume some of its licenses. */
export interface LicensedLaunchTemplateArgs {
    /** Names of the set's licenses that instances launched from this template consume. Required (at least one). */
    licenses: string[];
    /**
     * The template, as for `aws.ec2.LaunchTemplate`, without `licenseSpecifications` (added from `licenses`).
     * `updateDefaultVersion` defaults to true, so launches that name no version get the licensed one.
     */
    template: Omit<aws.ec2.LaunchTemplateArgs, "licenseSpecifications">;
}

/** License Manager's Organizations settings in the stack's Region (see LicenseManagerServiceSettings). */
export interface OrganizationSettingsArgs {
    /** Link License Manager with AWS Organizations. Default: not managed. */
    organizationIntegration?: boolean;
    /** Discover resources in member accounts (needs the Organizations link). Default: not managed. */
    crossAccountDiscovery?: boolean;
    /** Keep the settings when the set is destroyed. Default false: turn back what was turned on. */
    keepSettingsOnDelete?: boolean;
}

export interface LicenseConfigSetArgs {
    /** The licenses you own, by name (the License Manager configuration name). Required, 1-25 entries. */
    licenses: Record<string, LicenseDefinition>;
    /** Launch templates to create with license specifications, by name. Default: none. */
    launchTemplates?: Record<string, LicensedLaunchTemplateArgs>;
    /** Utilisation alerts (topic, scheduled checker, usage alarms); `false` turns them off. Default: on, with defaults. */
    alerts?: UtilisationAlertsArgs | false;
    /** License Manager's Organizations settings for this Region. Default: not managed. */
    organizationSettings?: OrganizationSettingsArgs;
    /** Tags for every child that takes tags. Default: none. */
    tags?: Record<string, string>;
}

export { LICENSE_SET_TAG_KEY };

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
    /** AMI associations, by license name and AMI id. */
    public readonly associations: Record<string, Record<string, aws.licensemanager.Association>>;
    /** Launch templates created with license specifications, by name. */
    public readonly launchTemplates: Record<string, aws.ec2.LaunchTemplate>;
    /** Alerting resources (absent with `alerts: false`). */
    public readonly alerts?: UtilisationAlerts;
    /** ARN of the alert topic (absent with `alerts: false`). */
    public readonly alertTopicArn?: pulumi.Output<string>;
    /** License Manager service settings (absent unless `organizationSettings` is given). */
    public readonly serviceSettings?: LicenseManagerServiceSettings;
    private readonly componentName: string;

    constructor(name: string, args: LicenseConfigSetArgs, opts?: pulumi.ComponentResourceOptions) {
        // Before super: a bad set registers nothing, not even the component.
        checkArgs(() => validateArgs(name, args));
        super("licensing:config:LicenseConfigSet", name, {}, opts);
        this.componentName = name;
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
                    licenseCount: definition.licenseCount,
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
            for (const amiId of definition.amiIds ?? []) {
                // AMI ARNs carry no account: arn:<partition>:ec2:<region>::image/<ami-id>.
                this.associations[license][amiId] = new aws.licensemanager.Association(
                    `${name}-${license}-${amiId}`,
                    {
                        licenseConfigurationArn: configuration.arn,
                        resourceArn: pulumi.interpolate`arn:${context.partition}:ec2:${context.region}::image/${amiId}`,
                    },
                    { parent: this },
                );
            }
        }
        this.configurationArns = pulumi
            .all(Object.fromEntries(Object.entries(this.configurations).map(([license, c]) => [license, c.arn])))
            .apply((arns) => arns as Record<string, string>);

        this.launchTemplates = {};
        for (const [templateName, spec] of Object.entries(args.launchTemplates ?? {})) {
            this.launchTemplates[templateName] = new aws.ec2.LaunchTemplate(
                `${name}-${templateName}`,
                {
                    ...spec.template,
                    updateDefaultVersion: spec.template.updateDefaultVersion ?? true,
                    licenseSpecifications: spec.licenses.map((license) => this.licenseSpecification(license)),
                    tags: pulumi.output(spec.template.tags).apply((tags) => ({ ...setTags, ...(tags ?? {}) })),
                },
                { parent: this },
            );
        }

        if (args.alerts !== false) {
            const configurations = Object.fromEntries(
                Object.entries(this.configurations).map(([license, c]) => [
                    license,
                    { arn: c.arn, countingType: args.licenses[license].countingType, hasCount: args.licenses[license].licenseCount !== undefined },
                ]),
            );
            this.alerts = createUtilisationAlerts(name, this, args.alerts ?? {}, context, configurations, setName, setTags);
            this.alertTopicArn = this.alerts.topic.arn;
        }

        if (args.organizationSettings) {
            const s = args.organizationSettings;
            this.serviceSettings = new LicenseManagerServiceSettings(
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
            launchTemplateIds: Object.fromEntries(Object.entries(this.launchTemplates).map(([n, t]) => [n, t.id])),
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
            throw new Error(`${this.componentName}: no license "${license}" in this set (have: ${Object.keys(this.configurations).join(", ")}).`);
        }
        return { licenseConfigurationArn: configuration.arn };
    }
}

const TEMPLATE_KEYS = knownKeys<LicensedLaunchTemplateArgs>()("licenses", "template");
const ORGANIZATION_KEYS = knownKeys<OrganizationSettingsArgs>()("organizationIntegration", "crossAccountDiscovery", "keepSettingsOnDelete");

/** Throws one message listing every problem of the arguments, each with its path (`licenses.<name>`, `alerts`, ...). */
function validateArgs(name: string, args: LicenseConfigSetArgs): void {
    const problems = licenseConfigSetProblems(args);
    if (problems.length > 0) throw new Error(problemsMessage(name, problems));
}

/** Every problem of the arguments beyond their TypeScript types, each starting with the path the caller wrote. */
export function licenseConfigSetProblems(args: LicenseConfigSetArgs): string[] {
    const problems = licenseDefinitionsProblems(args.licenses, "licenses");
    const licenses = new Set(Object.keys(args.licenses ?? {}));
    problems.push(...tagProblems(args.tags).map((p) => `tags: ${p}`));
    for (const [templateName, spec] of Object.entries(args.launchTemplates ?? {})) {
        const at = childPath("launchTemplates", templateName);
        problems.push(...unknownKeyProblems(spec, TEMPLATE_KEYS, at));
        if (!DEFINITION_NAME.test(templateName)) problems.push(`${at}: its name must be 1-64 letters, digits, dots, dashes or underscores`);
        if (!spec.licenses || spec.licenses.length === 0) problems.push(`${at}.licenses: must name at least one license of the set`);
        for (const license of spec.licenses ?? []) {
            if (!licenses.has(license)) problems.push(`${at}.licenses: license "${license}" is not defined in licenses`);
        }
        const dupes = (spec.licenses ?? []).filter((l, i, all) => all.indexOf(l) !== i);
        if (dupes.length > 0) problems.push(`${at}.licenses: lists ${[...new Set(dupes)].join(", ")} more than once`);
        if ((spec.template as { licenseSpecifications?: unknown } | undefined)?.licenseSpecifications !== undefined) {
            problems.push(`${at}.template: leave licenseSpecifications out; they come from licenses`);
        }
    }
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
    if (args.alerts !== false) problems.push(...alertArgsProblems(args.alerts ?? {}, "alerts"));
    return problems;
}

/** The set's name as it appears in tags and alert subjects (tag-value and subject safe). */
function safeSetName(name: string): string {
    return name.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 64) || "license-set";
}
