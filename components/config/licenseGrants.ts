import { regionProblem, unknownArgumentProblems } from "../shared/argumentChecks";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { awsContext } from "../shared/awsContext";
import { componentType } from "../shared/componentType";
import { childPath, knownKeys, problemsMessage, unknownKeyProblems } from "../shared/configKeys";
import { ArgumentError, whenKnown } from "../shared/validation";

/** One received license (AWS Marketplace, or granted by a vendor) and the accounts it is distributed to. */
export interface LicenseDistribution {
    /**
     * ARN of the license this account received: `arn:<partition>:license-manager::<issuer account>:license:l-<32 hex>`
     * (the tracker's `received-licenses.csv`, or `aws license-manager list-received-licenses`). Required.
     */
    licenseArn: pulumi.Input<string>;
    /**
     * Who receives a grant, one grant each: 12-digit account ids, account root ARNs (`arn:aws:iam::<id>:root`), an
     * organization ARN (`arn:aws:organizations::<management account>:organization/o-...`) or an organizational
     * unit ARN (`.../ou/o-.../ou-...`). Required, at least one.
     */
    principals: string[];
    /**
     * What the grantees may do with the license (License Manager grant operations): a subset of the operations the
     * license allows. Default `["CheckoutLicense", "CheckInLicense", "ExtendConsumptionLicense", "ListPurchasedLicenses"]`
     * (no `CreateGrant`: grantees do not re-distribute).
     */
    allowedOperations?: string[];
    /** The license's home Region, where its grants are created. Default: the provider's Region. */
    homeRegion?: pulumi.Input<string>;
}

export interface LicenseGrantsArgs {
    /** Distributions by name (the name appears in the grant names). Required, at least one. */
    distributions: Record<string, LicenseDistribution>;
}

/** License Manager's grant operations (CreateGrant `AllowedOperations`). */
export const GRANT_OPERATIONS = [
    "CreateGrant",
    "CheckoutLicense",
    "CheckoutBorrowLicense",
    "CheckInLicense",
    "ExtendConsumptionLicense",
    "ListPurchasedLicenses",
    "CreateToken",
] as const;
export const DEFAULT_GRANT_OPERATIONS = ["CheckoutLicense", "CheckInLicense", "ExtendConsumptionLicense", "ListPurchasedLicenses"];

/** A license ARN has no Region: licenses are global with a home Region. */
export const LICENSE_ARN = /^arn:aws[a-z-]*:license-manager::\d{12}:license[:/]l-[0-9a-f]{32}$/;
/** A grant ARN, as the accepting account is given it. */
export const GRANT_ARN = /^arn:aws[a-z-]*:license-manager::\d{12}:grant[:/]g-[0-9a-f]{32}$/;
const ACCOUNT_ID = /^\d{12}$/;
const ACCOUNT_ROOT = /^arn:aws[a-z-]*:iam::\d{12}:root$/;
const ORGANIZATION = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/;
const ORGANIZATIONAL_UNIT = /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const DISTRIBUTION_NAME = /^[A-Za-z0-9_.-]{1,40}$/;
const LICENSE_ARN_HINT = "arn:aws:license-manager::<issuer account>:license:l-<32 hex>";

/**
 * Distributes licenses this account received (AWS Marketplace purchases, vendor grants) to accounts of the
 * organisation: one License Manager grant per license and principal. Each grantee accepts its grant (in its own
 * program: `LicenseGrantAcceptances`, or the console) and activates it before its instances can use the license.
 */
export class LicenseGrants extends pulumi.ComponentResource {
    /** Grants by distribution name, then by principal as written. */
    public readonly grants: Record<string, Record<string, aws.licensemanager.LicenseGrant>>;
    /** Grant ARNs by distribution name, then by principal as written: what each grantee accepts. */
    public readonly grantArns: pulumi.Output<Record<string, Record<string, string>>>;

    constructor(name: string, args: LicenseGrantsArgs, opts?: pulumi.ComponentResourceOptions) {
        const problems = [...unknownKeyProblems(args, ARG_KEYS, ""), ...licenseDistributionsProblems(args.distributions, "distributions")];
        if (problems.length > 0) throw new pulumi.ResourceError(problemsMessage(name, problems), undefined, true);
        super(componentType("LicenseGrants"), name, {}, opts);
        const { partition } = awsContext(this);

        this.grants = {};
        for (const [distribution, d] of Object.entries(args.distributions)) {
            const licenseArn = whenKnown(d.licenseArn, (arn) => {
                if (!LICENSE_ARN.test(arn)) throw new Error(`${name}: distributions.${distribution}.licenseArn "${arn}" is not a license ARN (${LICENSE_ARN_HINT})`);
            }, this);
            this.grants[distribution] = {};
            for (const principal of d.principals) {
                this.grants[distribution][principal] = new aws.licensemanager.LicenseGrant(
                    // Named by the principal (an account id as is, an ARN by a hash): stable when the list is reordered.
                    `${name}-${distribution}-${ACCOUNT_ID.test(principal) ? principal : shortHash(principal)}`,
                    {
                        name: `${name}-${distribution}`,
                        licenseArn,
                        principal: ACCOUNT_ID.test(principal) ? pulumi.interpolate`arn:${partition}:iam::${principal}:root` : principal,
                        allowedOperations: [...(d.allowedOperations ?? DEFAULT_GRANT_OPERATIONS)].sort(),
                        region: d.homeRegion,
                    },
                    { parent: this },
                );
            }
        }
        this.grantArns = pulumi
            .all(Object.fromEntries(Object.entries(this.grants).map(([distribution, byPrincipal]) => [distribution, pulumi.all(Object.fromEntries(Object.entries(byPrincipal).map(([p, g]) => [p, g.arn])))])))
            .apply((arns) => arns as Record<string, Record<string, string>>);
        this.registerOutputs({ grantArns: this.grantArns });
    }
}

export interface LicenseGrantAcceptancesArgs {
    /** Grants made to this account (`arn:<partition>:license-manager::<grantor>:grant:g-<32 hex>`), e.g. the governance stack's `licenseGrantArns`. Required, at least one. */
    grantArns: pulumi.Input<string>[];
}

/**
 * The grantee's side: accepts License Manager grants made to this account, so its instances can check the license
 * out. Activation stays a decision of the grantee (console or `aws license-manager create-grant-version --status ACTIVE`):
 * an activated grant consumes entitlements.
 */
export class LicenseGrantAcceptances extends pulumi.ComponentResource {
    /** One License Manager grant accepter per grant ARN. */
    public readonly accepters: aws.licensemanager.LicenseGrantAccepter[];

    constructor(name: string, args: LicenseGrantAcceptancesArgs, opts?: pulumi.ComponentResourceOptions) {
        const problems = [...unknownArgumentProblems(args, ACCEPTANCE_ARG_KEYS), ...grantArnProblems(args.grantArns, "grantArns")];
        if (problems.length > 0) throw new ArgumentError(problemsMessage(name, problems));
        super(componentType("LicenseGrantAcceptances"), name, {}, opts);
        this.accepters = args.grantArns.map((grantArn, i) => {
            const checked = whenKnown(grantArn, (arn) => {
                if (!GRANT_ARN.test(arn)) throw new Error(`${name}: grantArns[${i}] "${arn}" is not a License Manager grant ARN (arn:aws:license-manager::<account>:grant:g-<32 hex>)`);
            }, this);
            // Named by the grant id when known now (stable when the list is reordered), by position for an output.
            const key = typeof grantArn === "string" ? grantArn.slice(-34) : `input${i}`;
            return new aws.licensemanager.LicenseGrantAccepter(`${name}-${key}`, { grantArn: checked }, { parent: this });
        });
        this.registerOutputs({});
    }
}

/** Problems of a list of grant ARNs written by the user, paths `<path>[i]`. */
export function grantArnProblems(arns: unknown, path: string): string[] {
    if (!Array.isArray(arns) || arns.length === 0) return [`${path} must list at least one grant ARN (arn:aws:license-manager::<account>:grant:g-<32 hex>)`];
    const problems = arns.flatMap((arn, i) =>
        typeof arn !== "string" || GRANT_ARN.test(arn) ? [] : [`${path}[${i}]: ${JSON.stringify(arn)} is not a License Manager grant ARN (arn:aws:license-manager::<account>:grant:g-<32 hex>)`],
    );
    const dupes = arns.filter((a, i) => typeof a === "string" && arns.indexOf(a) !== i);
    if (dupes.length > 0) problems.push(`${path} lists ${[...new Set(dupes)].join(", ")} more than once`);
    return problems;
}

const ARG_KEYS = knownKeys<LicenseGrantsArgs>()("distributions");
const ACCEPTANCE_ARG_KEYS = knownKeys<LicenseGrantAcceptancesArgs>()("grantArns");
const DISTRIBUTION_KEYS = knownKeys<LicenseDistribution>()("licenseArn", "principals", "allowedOperations", "homeRegion");

function principalProblem(principal: unknown): string | undefined {
    if (typeof principal === "string" && [ACCOUNT_ID, ACCOUNT_ROOT, ORGANIZATION, ORGANIZATIONAL_UNIT].some((p) => p.test(principal))) return undefined;
    return `${JSON.stringify(principal)} is not an account id (12 digits), account root ARN (arn:aws:iam::<id>:root), organization ARN or organizational unit ARN`;
}

/** Every problem of the distributions, each starting with its path as the user wrote it (`distributions`, or a stack setting). */
export function licenseDistributionsProblems(distributions: unknown, path: string): string[] {
    if (typeof distributions !== "object" || distributions === null || Array.isArray(distributions) || Object.keys(distributions).length === 0) {
        return [`${path} must name at least one distribution, e.g. { cad-suite: { licenseArn: "${LICENSE_ARN_HINT}", principals: ["111111111111"] } }`];
    }
    return Object.entries(distributions as Record<string, Partial<LicenseDistribution>>).flatMap(([distribution, d]) => {
        const here = childPath(path, distribution);
        if (typeof d !== "object" || d === null) return [`${here} must be an object with licenseArn and principals`];
        const problems = unknownKeyProblems(d, DISTRIBUTION_KEYS, here);
        if (!DISTRIBUTION_NAME.test(distribution)) problems.push(`${here}: the name may have letters, digits, '.', '_' and '-' only (1-40)`);
        if (d.licenseArn === undefined) problems.push(`${here}.licenseArn is required (${LICENSE_ARN_HINT})`);
        else if (typeof d.licenseArn === "string" && !LICENSE_ARN.test(d.licenseArn)) {
            problems.push(`${here}.licenseArn "${d.licenseArn}" is not a license ARN (${LICENSE_ARN_HINT}; a license configuration is not a license)`);
        }
        if (!Array.isArray(d.principals) || d.principals.length === 0) problems.push(`${here}.principals must list at least one account id or organization/OU ARN`);
        else {
            d.principals.forEach((p, i) => {
                const why = principalProblem(p);
                if (why) problems.push(`${here}.principals[${i}]: ${why}`);
            });
            const dupes = d.principals.filter((p, i) => d.principals!.indexOf(p) !== i);
            if (dupes.length > 0) problems.push(`${here}.principals lists ${[...new Set(dupes)].join(", ")} more than once`);
        }
        if (d.allowedOperations !== undefined) {
            if (!Array.isArray(d.allowedOperations) || d.allowedOperations.length === 0) problems.push(`${here}.allowedOperations must list at least one operation (${GRANT_OPERATIONS.join(", ")})`);
            else {
                for (const op of d.allowedOperations) {
                    if (!(GRANT_OPERATIONS as readonly string[]).includes(op)) problems.push(`${here}.allowedOperations: "${op}" is not a grant operation (${GRANT_OPERATIONS.join(", ")})`);
                }
            }
        }
        if (typeof d.homeRegion === "string") {
            if (!REGION.test(d.homeRegion)) problems.push(`${here}.homeRegion "${d.homeRegion}" is not a Region name such as us-east-1`);
            else problems.push(...[regionProblem(`${here}.homeRegion`, d.homeRegion)].filter((p): p is string => p !== undefined));
        }
        return problems;
    });
}

function shortHash(value: string): string {
    return createHash("sha256").update(value).digest("hex").slice(0, 10);
}
