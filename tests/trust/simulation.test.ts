/**
 * The trust model, proven offline: the policy documents the components render (workbench bus, hub bus in each
 * mode, forwarding role, guardrail SCP) evaluated by a real IAM policy evaluator as an allow/deny matrix. Every
 * forged path must be denied; the table is printed so a reader sees the whole model at once.
 */
import { expect } from "chai";
import { LicenseServerHub } from "../../components/hub/licenseServerHub";
import { WorkbenchAccountForwarder } from "../../components/workbench/workbenchAccountForwarder";
import { WorkbenchGuardrails } from "../../components/trust/workbenchGuardrails";
import { WORKBENCH_DETAIL_TYPES, WORKBENCH_EVENT_DETAIL_TYPE, WORKBENCH_EVENT_SOURCE, WORKBENCH_SNAPSHOT_DETAIL_TYPE } from "../../functions/shared/workbenchEvent";
import { Decision, PolicySet, PolicyRequest, evaluate } from "../../sandbox/aws/iamEvaluator";
import { RecordedResource, named, runUnderMocks } from "../support/pulumiMocks";
import { CATALOG } from "../hub/support/fixtures";

const HUB_ACCOUNT = "999999999999";
const LISTED = "222222222222";
const UNLISTED_SAME_ORG = "444444444444";
const OTHER_ORG_ACCOUNT = "555555555555";
const ORG = "o-aaaaaaaaaa";
const OTHER_ORG = "o-bbbbbbbbbb";
const REGION = "eu-central-1";
const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const FORWARDER = `license-ops-workbench-forwarder-${REGION}`;
const TO_HUB = `license-ops-workbench-to-hub-${REGION}`;
/** The forwarding role's name before names carried a region (decision 0001): admitted during the migration. */
const TO_HUB_SINGLE_REGION = "license-ops-workbench-to-hub";
const INVENTORY = `license-ops-workbench-inventory-${REGION}`;
const OU_PATH = `${ORG}/r-ab12/ou-ab12-workbench1/`;
const inOu = (context: Record<string, string[]>, path = `${OU_PATH}ou-ab12-regional1/`) => ({ ...context, "aws:PrincipalOrgPaths": [path] });
const ADMIN = "workbench-admin";
const DEPLOY = "pulumi-deploy";
const PROVISIONER = "workbench-provisioner";
const ADMIN_POLICY = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
const WORKBENCH_EVENT: Record<string, string[]> = { "events:source": [WORKBENCH_EVENT_SOURCE], "events:detail-type": [...WORKBENCH_DETAIL_TYPES] };
const SNAPSHOT: Record<string, string[]> = { "events:source": [WORKBENCH_EVENT_SOURCE], "events:detail-type": [WORKBENCH_SNAPSHOT_DETAIL_TYPE] };
const STATE_CHANGE: Record<string, string[]> = { "events:source": [WORKBENCH_EVENT_SOURCE], "events:detail-type": [WORKBENCH_EVENT_DETAIL_TYPE] };

const busPolicyOf = (resources: RecordedResource[], name: string) => JSON.parse(named(resources, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", name).inputs.policy);
const rolePolicyOf = (resources: RecordedResource[], name: string) => JSON.parse(named(resources, "aws:iam/rolePolicy:RolePolicy", name).inputs.policy);

interface Row {
    path: string;
    request: PolicyRequest;
    policies: PolicySet;
    expected: Decision | "Denied";
}

describe("trust model: allow/deny matrix of the rendered policies (iam-simulate)", function () {
    this.timeout(120_000);
    const rows: Row[] = [];
    const results: Array<{ row: Row; actual: Decision }> = [];

    before(async () => {
        const hub = (name: string, args: object) =>
            runUnderMocks(() => new LicenseServerHub(name, { catalog: CATALOG, ...args }), { account: { accountId: HUB_ACCOUNT } }).then((r) => r.resources);
        const listHub = await hub("hub", { workbenchAccountIds: [LISTED, "333333333333"] });
        const orgHub = await hub("org", { organizationId: ORG, workbenchOrganizationalUnitPaths: [OU_PATH] });
        const bothHub = await hub("both", { workbenchAccountIds: [LISTED], organizationId: ORG });
        const hubBus = `arn:aws:events:${REGION}:${HUB_ACCOUNT}:event-bus/hub-workbench-events`;
        const busArn = (name: string) => `arn:aws:events:${REGION}:${HUB_ACCOUNT}:event-bus/${name}-workbench-events`;

        const { resources: workbench } = await runUnderMocks(() => new WorkbenchAccountForwarder("wb", { hubEventBusArn: hubBus }), { account: { accountId: LISTED } });
        const workbenchBus = `arn:aws:events:${REGION}:${LISTED}:event-bus/license-ops-workbench-events`;
        const forwarderPolicy = rolePolicyOf(workbench, "wb-forwarder-policy");
        const inventoryPolicy = rolePolicyOf(workbench, "wb-inventory-policy");
        const toHubPolicy = rolePolicyOf(workbench, "wb-to-hub");
        // The forwarding role's policy as rendered for a workbench account pointed at another hub bus.
        const toHubPolicyFor = async (bus: string) =>
            rolePolicyOf((await runUnderMocks(() => new WorkbenchAccountForwarder("wb", { hubEventBusArn: bus }), { account: { accountId: LISTED } })).resources, "wb-to-hub");

        const { resources: governance } = await runUnderMocks(
            () =>
                new WorkbenchGuardrails("guard", {
                    deploymentRoleArns: [`arn:aws:iam::*:role/${DEPLOY}`],
                    provisioningRoleArns: [`arn:aws:iam::*:role/${PROVISIONER}`],
                    targetIds: ["ou-ab12-workbench1"],
                    hubEventBusArn: hubBus,
                }),
        );
        const scp = JSON.parse(named(governance, "aws:organizations/policy:Policy", "guard-scp").inputs.content);

        const put = (path: string, principal: string, org: string | undefined, bus: string, resourcePolicy: unknown, identity: unknown, expected: Row["expected"], context = WORKBENCH_EVENT) =>
            rows.push({
                path,
                request: { principalArn: principal, organizationId: org, action: "events:PutEvents", resourceArn: bus, resourceAccountId: bus.split(":")[4], context },
                policies: { identityPolicies: [identity], resourcePolicy },
                expected,
            });
        const workbenchBusPolicy = busPolicyOf(workbench, "wb-bus");
        put("forwarder role publishes a state change on its workbench bus", role(LISTED, FORWARDER), ORG, workbenchBus, workbenchBusPolicy, forwarderPolicy, "Allowed", STATE_CHANGE);
        put("FORGED: admin role of the same account publishes on the workbench bus", role(LISTED, ADMIN), ORG, workbenchBus, workbenchBusPolicy, ADMIN_POLICY, "ExplicitlyDenied");
        put("inventory role publishes a snapshot on its workbench bus", role(LISTED, INVENTORY), ORG, workbenchBus, workbenchBusPolicy, inventoryPolicy, "Allowed", SNAPSHOT);
        put("FORGED: inventory role publishes a state change (its policy admits snapshots only)", role(LISTED, INVENTORY), ORG, workbenchBus, workbenchBusPolicy, inventoryPolicy, "Denied", STATE_CHANGE);
        put("FORGED: forwarder role publishes a snapshot (its policy admits state changes only)", role(LISTED, FORWARDER), ORG, workbenchBus, workbenchBusPolicy, forwarderPolicy, "Denied", SNAPSHOT);
        put("FORGED: forwarder role publishes another source on its bus", role(LISTED, FORWARDER), ORG, workbenchBus, workbenchBusPolicy, forwarderPolicy, "Denied", { "events:source": ["licensing.hub"], "events:detail-type": [WORKBENCH_EVENT_DETAIL_TYPE] });
        put("FORGED: admin role of the same account publishes a snapshot on the workbench bus", role(LISTED, ADMIN), ORG, workbenchBus, workbenchBusPolicy, ADMIN_POLICY, "ExplicitlyDenied", SNAPSHOT);
        put("FORGED: another role of the same account named like a publisher but not it", role(LISTED, `${INVENTORY}-copy`), ORG, workbenchBus, workbenchBusPolicy, ADMIN_POLICY, "ExplicitlyDenied", SNAPSHOT);
        put("FORGED: admin role publishes on the account's default bus (not forwarded: no rule there)", role(LISTED, ADMIN), ORG, `arn:aws:events:${REGION}:${LISTED}:event-bus/default`, undefined, ADMIN_POLICY, "Allowed");

        const listPolicy = busPolicyOf(listHub, "hub-workbench-events");
        put("list mode: forwarding role of a listed account reaches the hub", role(LISTED, TO_HUB), ORG, busArn("hub"), listPolicy, toHubPolicy, "Allowed");
        put("list mode: forwarding role of another region of a listed account", role(LISTED, "license-ops-workbench-to-hub-us-east-1"), ORG, busArn("hub"), listPolicy, toHubPolicy, "Allowed");
        put("list mode: single-region forwarding role of an earlier release (migration)", role(LISTED, TO_HUB_SINGLE_REGION), ORG, busArn("hub"), listPolicy, toHubPolicy, "Allowed");
        put("list mode: forwarding role carries an inventory snapshot to the hub", role(LISTED, TO_HUB), ORG, busArn("hub"), listPolicy, toHubPolicy, "Allowed", SNAPSHOT);
        put("FORGED: list mode: admin role of a listed account puts a snapshot on the hub bus", role(LISTED, ADMIN), ORG, busArn("hub"), listPolicy, ADMIN_POLICY, "Denied", SNAPSHOT);
        put("FORGED: list mode: forwarding role sends another detail-type", role(LISTED, TO_HUB), ORG, busArn("hub"), listPolicy, toHubPolicy, "Denied", {
            "events:source": [WORKBENCH_EVENT_SOURCE],
            "events:detail-type": ["Seat Table Changed"],
        });
        put("FORGED: list mode: forwarding role sends another source", role(LISTED, TO_HUB), ORG, busArn("hub"), listPolicy, toHubPolicy, "Denied", {
            "events:source": ["licensing.hub"],
            "events:detail-type": [...WORKBENCH_DETAIL_TYPES],
        });
        put("FORGED: list mode: admin role of a listed account puts directly on the hub bus", role(LISTED, ADMIN), ORG, busArn("hub"), listPolicy, ADMIN_POLICY, "Denied");
        put("FORGED: list mode: same role name in an unlisted account", role(UNLISTED_SAME_ORG, TO_HUB), ORG, busArn("hub"), listPolicy, ADMIN_POLICY, "Denied");

        const orgPolicy = busPolicyOf(orgHub, "org-workbench-events");
        const orgToHub = await toHubPolicyFor(busArn("org"));
        put("org mode: forwarding role of an account in a workbench OU (nested)", role(UNLISTED_SAME_ORG, TO_HUB), ORG, busArn("org"), orgPolicy, orgToHub, "Allowed", inOu(WORKBENCH_EVENT));
        put("FORGED: org mode: same role name in an account of the organisation outside the workbench OUs", role(UNLISTED_SAME_ORG, TO_HUB), ORG, busArn("org"), orgPolicy, ADMIN_POLICY, "Denied", inOu(WORKBENCH_EVENT, `${ORG}/r-ab12/ou-ab12-sandboxes/`));
        put("FORGED: org mode: same role name in another organisation", role(OTHER_ORG_ACCOUNT, TO_HUB), OTHER_ORG, busArn("org"), orgPolicy, ADMIN_POLICY, "Denied", inOu(WORKBENCH_EVENT, `${OTHER_ORG}/r-cd34/ou-cd34-workbench1/`));
        put("FORGED: org mode: same role name outside any organisation", role(OTHER_ORG_ACCOUNT, TO_HUB), undefined, busArn("org"), orgPolicy, ADMIN_POLICY, "Denied");
        put("FORGED: org mode: admin role of an account in a workbench OU", role(UNLISTED_SAME_ORG, ADMIN), ORG, busArn("org"), orgPolicy, ADMIN_POLICY, "Denied", inOu(WORKBENCH_EVENT));

        const bothPolicy = busPolicyOf(bothHub, "both-workbench-events");
        put("accounts + org: forwarding role of the listed account", role(LISTED, TO_HUB), ORG, busArn("both"), bothPolicy, await toHubPolicyFor(busArn("both")), "Allowed");
        put("FORGED: accounts + org: admin role of a listed account", role(LISTED, ADMIN), ORG, busArn("both"), bothPolicy, ADMIN_POLICY, "Denied");
        put("FORGED: forwarding role puts on a bus other than the hub's", role(LISTED, TO_HUB), ORG, `arn:aws:events:${REGION}:${LISTED}:event-bus/license-ops-workbench-events`, workbenchBusPolicy, toHubPolicy, "Denied");

        const guarded = (path: string, principal: string, action: string, resourceArn: string, context: Record<string, string | string[]>, expected: Row["expected"]) =>
            rows.push({
                path,
                request: { principalArn: principal, organizationId: ORG, action, resourceArn, resourceAccountId: resourceArn === "*" ? LISTED : resourceArn.split(":")[4] || LISTED, context },
                policies: { identityPolicies: [ADMIN_POLICY], serviceControlPolicies: [scp] },
                expected,
            });
        const instance = `arn:aws:ec2:${REGION}:${LISTED}:instance/i-0123456789abcdef0`;
        const OWNER_TAGGED = { "aws:ResourceTag/vew:workbench:ownerId": "jdoe" };
        guarded("provisioning role sets the owner tag", role(LISTED, PROVISIONER), "ec2:CreateTags", instance, { "aws:TagKeys": ["vew:workbench:ownerId"] }, "Allowed");
        guarded("FORGED: admin re-tags a workbench's owner", role(LISTED, ADMIN), "ec2:CreateTags", instance, { "aws:TagKeys": ["vew:workbench:ownerId"] }, "ExplicitlyDenied");
        guarded("FORGED: admin changes a workbench's type", role(LISTED, ADMIN), "ec2:CreateTags", instance, { "aws:TagKeys": ["Name", "vew:workbench:type"] }, "ExplicitlyDenied");
        guarded("FORGED: admin removes a workbench's owner tag", role(LISTED, ADMIN), "ec2:DeleteTags", instance, { "aws:TagKeys": ["vew:workbench:ownerId"] }, "ExplicitlyDenied");
        guarded("FORGED: admin deletes every tag of a workbench (DeleteTags without keys)", role(LISTED, ADMIN), "ec2:DeleteTags", instance, OWNER_TAGGED, "ExplicitlyDenied");
        guarded("FORGED: admin deletes every tag of a workbench known by its type tag", role(LISTED, ADMIN), "ec2:DeleteTags", instance, { "aws:ResourceTag/vew:workbench:type": "cae" }, "ExplicitlyDenied");
        guarded("provisioning role deletes every tag of a workbench", role(LISTED, PROVISIONER), "ec2:DeleteTags", instance, OWNER_TAGGED, "Allowed");
        guarded("admin deletes every tag of an instance that is not a workbench", role(LISTED, ADMIN), "ec2:DeleteTags", instance, { "aws:ResourceTag/Name": "build" }, "Allowed");
        guarded("admin sets an unrelated tag", role(LISTED, ADMIN), "ec2:CreateTags", instance, { "aws:TagKeys": ["Name"] }, "Allowed");
        const forwarderRole = `arn:aws:iam::${LISTED}:role/${FORWARDER}`;
        guarded("FORGED: admin re-trusts the forwarder role", role(LISTED, ADMIN), "iam:UpdateAssumeRolePolicy", forwarderRole, {}, "ExplicitlyDenied");
        guarded("FORGED: admin passes the forwarder role to a new function", role(LISTED, ADMIN), "iam:PassRole", forwarderRole, {}, "ExplicitlyDenied");
        guarded("FORGED: admin adds a policy to the forwarding role", role(LISTED, ADMIN), "iam:PutRolePolicy", `arn:aws:iam::${LISTED}:role/${TO_HUB}`, {}, "ExplicitlyDenied");
        guarded("FORGED: admin creates the forwarding role of a region without a stack", role(LISTED, ADMIN), "iam:CreateRole", `arn:aws:iam::${LISTED}:role/license-ops-workbench-to-hub-ap-south-2`, {}, "ExplicitlyDenied");
        guarded("deployment role updates the forwarder role", role(LISTED, DEPLOY), "iam:UpdateAssumeRolePolicy", forwarderRole, {}, "Allowed");
        const inventoryRole = `arn:aws:iam::${LISTED}:role/${INVENTORY}`;
        guarded("FORGED: admin passes the inventory role to a new function", role(LISTED, ADMIN), "iam:PassRole", inventoryRole, {}, "ExplicitlyDenied");
        guarded("FORGED: admin adds a policy to the inventory role", role(LISTED, ADMIN), "iam:PutRolePolicy", inventoryRole, {}, "ExplicitlyDenied");

        // The functions, by their fixed names (no tag in the request context: the name alone guards them).
        const fn = (name: string, region = REGION) => `arn:aws:lambda:${region}:${LISTED}:function:${name}`;
        const forwarderFunction = fn("license-ops-workbench-forwarder");
        const inventoryFunction = fn("license-ops-workbench-inventory");
        for (const [what, arn] of [["forwarder", forwarderFunction], ["inventory", inventoryFunction]] as const) {
            guarded(`FORGED: admin replaces the ${what}'s code`, role(LISTED, ADMIN), "lambda:UpdateFunctionCode", arn, {}, "ExplicitlyDenied");
            guarded(`FORGED: admin changes the ${what}'s configuration (environment, role, timeout)`, role(LISTED, ADMIN), "lambda:UpdateFunctionConfiguration", arn, {}, "ExplicitlyDenied");
            guarded(`FORGED: admin freezes the ${what} (reserved concurrency 0)`, role(LISTED, ADMIN), "lambda:PutFunctionConcurrency", arn, {}, "ExplicitlyDenied");
            guarded(`FORGED: admin drops the ${what}'s events (event-invoke config: no retries, 60 s)`, role(LISTED, ADMIN), "lambda:PutFunctionEventInvokeConfig", arn, {}, "ExplicitlyDenied");
            guarded(`FORGED: admin changes the ${what}'s event-invoke config`, role(LISTED, ADMIN), "lambda:UpdateFunctionEventInvokeConfig", arn, {}, "ExplicitlyDenied");
            guarded(`FORGED: admin lets another rule invoke the ${what}`, role(LISTED, ADMIN), "lambda:AddPermission", arn, {}, "ExplicitlyDenied");
            guarded(`FORGED: admin removes the ${what}'s invoke permission`, role(LISTED, ADMIN), "lambda:RemovePermission", arn, {}, "ExplicitlyDenied");
            guarded(`FORGED: admin invokes the ${what} with a made-up payload`, role(LISTED, ADMIN), "lambda:InvokeFunction", arn, {}, "ExplicitlyDenied");
            guarded(`FORGED: admin opens a function URL on the ${what}`, role(LISTED, ADMIN), "lambda:CreateFunctionUrlConfig", arn, {}, "ExplicitlyDenied");
            guarded(`FORGED: admin deletes the ${what}`, role(LISTED, ADMIN), "lambda:DeleteFunction", arn, {}, "ExplicitlyDenied");
            guarded(`deployment role updates the ${what}'s code and concurrency`, role(LISTED, DEPLOY), "lambda:UpdateFunctionCode", arn, {}, "Allowed");
            guarded(`deployment role sets the ${what}'s event-invoke config`, role(LISTED, DEPLOY), "lambda:PutFunctionEventInvokeConfig", arn, {}, "Allowed");
        }
        guarded("FORGED: admin creates the forwarder function in a region without a stack", role(LISTED, ADMIN), "lambda:CreateFunction", fn("license-ops-workbench-forwarder", "ap-south-2"), {}, "ExplicitlyDenied");
        guarded("admin changes an unrelated function", role(LISTED, ADMIN), "lambda:PutFunctionConcurrency", fn("build-agent"), {}, "Allowed");

        // The rules, by their fixed names: the default bus's EC2 state-change and inventory rules, the forwarding rule.
        const rule = (name: string) => `arn:aws:events:${REGION}:${LISTED}:rule/${name}`;
        const ec2Rule = rule("license-ops-workbench-ec2-state");
        const inventoryRule = rule("license-ops-workbench-inventory");
        const forwardRule = rule("license-ops-workbench-events/license-ops-workbench-to-hub");
        guarded("FORGED: admin retargets the EC2 rule with an Input (a forged stop for the forwarder)", role(LISTED, ADMIN), "events:PutTargets", ec2Rule, {}, "ExplicitlyDenied");
        guarded("FORGED: admin removes the EC2 rule's target", role(LISTED, ADMIN), "events:RemoveTargets", ec2Rule, {}, "ExplicitlyDenied");
        guarded("FORGED: admin disables the EC2 rule (the account freezes)", role(LISTED, ADMIN), "events:DisableRule", ec2Rule, {}, "ExplicitlyDenied");
        guarded("FORGED: admin narrows the EC2 rule's pattern", role(LISTED, ADMIN), "events:PutRule", ec2Rule, {}, "ExplicitlyDenied");
        guarded("FORGED: admin deletes the EC2 rule", role(LISTED, ADMIN), "events:DeleteRule", ec2Rule, {}, "ExplicitlyDenied");
        guarded("FORGED: admin disables the inventory's schedule (silence)", role(LISTED, ADMIN), "events:DisableRule", inventoryRule, {}, "ExplicitlyDenied");
        guarded("FORGED: admin retargets the inventory's schedule", role(LISTED, ADMIN), "events:PutTargets", inventoryRule, {}, "ExplicitlyDenied");
        guarded("FORGED: admin adds a target to the forwarding rule", role(LISTED, ADMIN), "events:PutTargets", forwardRule, {}, "ExplicitlyDenied");
        guarded("FORGED: admin disables the forwarding rule", role(LISTED, ADMIN), "events:DisableRule", forwardRule, {}, "ExplicitlyDenied");
        guarded("deployment role retargets the EC2 rule", role(LISTED, DEPLOY), "events:PutTargets", ec2Rule, {}, "Allowed");
        guarded("deployment role changes the forwarding rule", role(LISTED, DEPLOY), "events:PutTargets", forwardRule, {}, "Allowed");
        guarded("admin changes an unrelated default-bus rule", role(LISTED, ADMIN), "events:PutTargets", rule("nightly-backup"), {}, "Allowed");
        // PutPermission has no resource-level permissions: IAM evaluates it on "*".
        guarded("FORGED: admin opens the workbench bus (any bus policy)", role(LISTED, ADMIN), "events:PutPermission", "*", {}, "ExplicitlyDenied");
        guarded("FORGED: hub-account admin adds a target to a hub bus rule", role(HUB_ACCOUNT, ADMIN), "events:PutTargets", `arn:aws:events:${REGION}:${HUB_ACCOUNT}:rule/hub-workbench-events/hub-workbench-events`, {}, "ExplicitlyDenied");
        guarded("FORGED: admin deletes the workbench bus", role(LISTED, ADMIN), "events:DeleteEventBus", workbenchBus, {}, "ExplicitlyDenied");

        for (const row of rows) results.push({ row, actual: await evaluate(row.request, row.policies) });
        const width = Math.max(...rows.map((r) => r.path.length));
        const principalWidth = Math.max(...rows.map((r) => r.request.principalArn.length));
        console.log(`\n      ${"path".padEnd(width)}  ${"principal".padEnd(principalWidth)}  expected          actual`);
        for (const { row, actual } of results) {
            console.log(`      ${row.path.padEnd(width)}  ${row.request.principalArn.padEnd(principalWidth)}  ${row.expected.padEnd(16)}  ${actual}`);
        }
    });

    const matches = (expected: Row["expected"], actual: Decision) => (expected === "Denied" ? actual !== "Allowed" : actual === expected);

    it("decides every row as the trust model says", () => {
        const wrong = results.filter(({ row, actual }) => !matches(row.expected, actual)).map(({ row, actual }) => `${row.path}: expected ${row.expected}, got ${actual}`);
        expect(wrong).to.deep.equal([]);
        expect(results).to.have.length(rows.length).and.length.above(25);
    });

    it("denies every forged path", () => {
        const forged = results.filter(({ row }) => row.path.startsWith("FORGED") && !row.path.includes("default bus"));
        expect(forged.length).to.be.above(15);
        for (const { row, actual } of forged) expect(actual, row.path).not.to.equal("Allowed");
    });
});
