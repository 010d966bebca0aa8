/**
 * Provider logic of LicenseManagerServiceSettings, a Pulumi dynamic resource for License Manager's per-Region
 * service settings (GetServiceSettings / UpdateServiceSettings), which no Pulumi or Terraform resource covers.
 *
 * Pulumi serializes a dynamic provider's code into the stack state and runs it in its own process, so this file has
 * no runtime imports: the AWS SDK is required inside the functions, and everything the provider calls is a small
 * function or class of this file. Types are imported with `import type` only (erased at compile time).
 */
import type { GetServiceSettingsCommandOutput, LicenseManagerClient } from "@aws-sdk/client-license-manager";
import type * as dynamic from "@pulumi/pulumi/dynamic";

/** The settings this resource manages; an absent field is left alone. */
export interface ManagedSettings {
    /** OrganizationConfiguration.EnableIntegration: link License Manager with AWS Organizations. */
    organizationIntegration?: boolean;
    /** EnableCrossAccountsDiscovery: discover resources (and license usage) in the organisation's member accounts. */
    crossAccountDiscovery?: boolean;
}

export const MANAGED_FIELDS = ["organizationIntegration", "crossAccountDiscovery"] as const;
export type ManagedField = (typeof MANAGED_FIELDS)[number];

export interface ServiceSettingsInputs extends ManagedSettings {
    /** Region whose settings these are (settings are regional; changing it replaces the resource). */
    region: string;
    /** Leave the settings as they are when the resource is deleted. Default false: restore what was changed. */
    keepSettingsOnDelete?: boolean;
}

export interface ServiceSettingsOutputs extends ServiceSettingsInputs {
    /** Values of the managed fields before this resource first changed them: what delete restores. */
    previous: ManagedSettings;
}

/** Builds the License Manager client of one Region; tests inject one pointed at a local stand-in. */
export type LicenseManagerClientFactory = (region: string) => LicenseManagerClient;

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Validation for `check`: the failures Pulumi shows before anything runs. */
export function serviceSettingsCheckFailures(inputs: Partial<ServiceSettingsInputs>): dynamic.CheckFailure[] {
    const failures: dynamic.CheckFailure[] = [];
    if (typeof inputs.region !== "string" || !REGION.test(inputs.region)) {
        failures.push({ property: "region", reason: `"${String(inputs.region)}" is not an AWS Region name` });
    }
    for (const field of [...MANAGED_FIELDS, "keepSettingsOnDelete"] as const) {
        if (inputs[field] !== undefined && typeof inputs[field] !== "boolean") {
            failures.push({ property: field, reason: "must be true or false" });
        }
    }
    if (MANAGED_FIELDS.every((f) => inputs[f] === undefined)) {
        failures.push({ property: "organizationIntegration", reason: "manage at least one of organizationIntegration, crossAccountDiscovery" });
    }
    return failures;
}

/** Pure diff: no API call. A Region change replaces; any managed value or keepSettingsOnDelete change updates. */
export function diffServiceSettings(olds: ServiceSettingsOutputs, news: ServiceSettingsInputs): dynamic.DiffResult {
    const replaces = olds.region !== news.region ? ["region"] : [];
    const changed = MANAGED_FIELDS.filter((f) => olds[f] !== news[f]);
    const keepChanged = (olds.keepSettingsOnDelete ?? false) !== (news.keepSettingsOnDelete ?? false);
    return { changes: replaces.length > 0 || changed.length > 0 || keepChanged, replaces, deleteBeforeReplace: false };
}

/**
 * Create, update, delete and read of the settings of one Region. Every write is computed against the settings
 * read just before, and skipped when nothing differs, so each operation is idempotent (a retried create or delete
 * does not write again).
 */
export class ServiceSettingsLogic {
    constructor(private readonly clientFor: LicenseManagerClientFactory) {}

    /** Current values of the managed fields (the API reports absent booleans as off). */
    async current(region: string): Promise<Required<ManagedSettings>> {
        const { GetServiceSettingsCommand } = require("@aws-sdk/client-license-manager");
        const settings: GetServiceSettingsCommandOutput = await this.clientFor(region).send(new GetServiceSettingsCommand({}));
        return {
            organizationIntegration: settings.OrganizationConfiguration?.EnableIntegration ?? false,
            crossAccountDiscovery: settings.EnableCrossAccountsDiscovery ?? false,
        };
    }

    /** Writes the fields of `target` that differ from `current`; returns the fields written (none: no API call). */
    async apply(region: string, current: Required<ManagedSettings>, target: ManagedSettings): Promise<ManagedField[]> {
        const changes = MANAGED_FIELDS.filter((f) => target[f] !== undefined && target[f] !== current[f]);
        if (changes.length === 0) return [];
        const { UpdateServiceSettingsCommand } = require("@aws-sdk/client-license-manager");
        const request: Record<string, unknown> = {};
        if (changes.includes("organizationIntegration")) request.OrganizationConfiguration = { EnableIntegration: target.organizationIntegration };
        if (changes.includes("crossAccountDiscovery")) request.EnableCrossAccountsDiscovery = target.crossAccountDiscovery;
        await this.clientFor(region).send(new UpdateServiceSettingsCommand(request));
        return changes;
    }

    async create(inputs: ServiceSettingsInputs): Promise<dynamic.CreateResult<ServiceSettingsOutputs>> {
        const current = await this.current(inputs.region);
        // Remember what was there before, for every managed field, so delete can put it back.
        const previous: ManagedSettings = {};
        for (const f of MANAGED_FIELDS) if (inputs[f] !== undefined) previous[f] = current[f];
        await this.apply(inputs.region, current, inputs);
        // One settings object per account and Region: the id says which.
        return { id: `license-manager-service-settings:${inputs.region}`, outs: { ...inputs, previous } };
    }

    async update(olds: ServiceSettingsOutputs, news: ServiceSettingsInputs): Promise<dynamic.UpdateResult<ServiceSettingsOutputs>> {
        const current = await this.current(news.region);
        const previous: ManagedSettings = { ...olds.previous };
        const target: ManagedSettings = { ...news };
        for (const f of MANAGED_FIELDS) {
            if (news[f] !== undefined && olds[f] === undefined) {
                // Newly managed: its value now is what a later delete restores.
                previous[f] = current[f];
            } else if (news[f] === undefined && olds[f] !== undefined) {
                // No longer managed: treat like a delete of that one field.
                if (!news.keepSettingsOnDelete) {
                    const restore = restoreValue(f, olds, current);
                    if (restore !== undefined) target[f] = restore;
                }
                delete previous[f];
            }
        }
        await this.apply(news.region, current, target);
        return { outs: { ...news, previous } };
    }

    /** Restores every managed field this resource changed, unless someone changed it since; or nothing when kept. */
    async delete(props: ServiceSettingsOutputs): Promise<ManagedField[]> {
        if (props.keepSettingsOnDelete) return [];
        const current = await this.current(props.region);
        const target: ManagedSettings = {};
        for (const f of MANAGED_FIELDS) {
            const restore = restoreValue(f, props, current);
            if (restore !== undefined) target[f] = restore;
        }
        return this.apply(props.region, current, target);
    }

    /**
     * Refresh: the live values of the managed fields, so drift shows up as a diff against the program. Without
     * props (`pulumi import` of id `license-manager-service-settings:<region>`), both fields are adopted as they
     * are, with nothing to restore on delete.
     */
    async read(id: string, props: ServiceSettingsOutputs | undefined): Promise<dynamic.ReadResult<ServiceSettingsOutputs>> {
        const region = props?.region ?? id.slice(id.lastIndexOf(":") + 1);
        const current = await this.current(region);
        if (!props) return { id, props: { region, ...current, previous: { ...current } } };
        const live: ServiceSettingsOutputs = { ...props };
        for (const f of MANAGED_FIELDS) if (props[f] !== undefined) live[f] = current[f];
        return { id, props: live };
    }
}

/**
 * The value to put back for one field on delete: the previous value, when this resource changed the field (previous
 * differs from what it set) and the live value is still what it set. A field someone else changed since is theirs.
 */
function restoreValue(field: ManagedField, props: ServiceSettingsOutputs, current: Required<ManagedSettings>): boolean | undefined {
    const set = props[field];
    const before = props.previous?.[field];
    if (set === undefined || before === undefined || before === set) return undefined;
    return current[field] === set ? before : undefined;
}

/** The real client: the credentials and Region of whoever runs `pulumi up`, the Region from the resource's inputs. */
export function sdkClientFactory(region: string): LicenseManagerClient {
    const { LicenseManagerClient } = require("@aws-sdk/client-license-manager");
    return new LicenseManagerClient({ region });
}

/** A dynamic provider around ServiceSettingsLogic with the given client factory. */
export function serviceSettingsProvider(clientFor: LicenseManagerClientFactory): dynamic.ResourceProvider<ServiceSettingsInputs, ServiceSettingsOutputs> {
    return {
        async check(_olds, news) {
            const failures = serviceSettingsCheckFailures(news);
            return failures.length > 0 ? { failures } : { inputs: news };
        },
        async diff(_id, olds, news) {
            return diffServiceSettings(olds, news);
        },
        async create(inputs) {
            return new ServiceSettingsLogic(clientFor).create(inputs);
        },
        async update(_id, olds, news) {
            return new ServiceSettingsLogic(clientFor).update(olds, news);
        },
        async delete(_id, props) {
            await new ServiceSettingsLogic(clientFor).delete(props);
        },
        async read(id, props) {
            return new ServiceSettingsLogic(clientFor).read(id, props);
        },
    };
}
