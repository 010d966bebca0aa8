import { deployedHubConfiguration } from "./support/hubConfigurationFixture";
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { LicenseServerHub, LicenseServerHubArgs } from "../../components/hub/licenseServerHub";
import { HUB_TABLE, SYNC_ENVIRONMENT, ASSIGNMENT_ENVIRONMENT, CHANGE_MARKER_ENVIRONMENT, seatChangeEventPattern, seatChangeStreamFilter } from "../../components/hub/definitions";
import { SEAT_CHANGE_EVENT } from "../../functions/hub-change-marker/seatChangeEvent";
import { workbenchEventPattern } from "../../functions/shared/workbenchEvent";
import { LICENSE_DOCUMENT_PARAMETERS } from "../../functions/hub-shared/userList";
import { matchesPattern } from "../../sandbox/aws/eventPattern";
import { RecordedResource, allowStatements, named, ofType, runUnderMocks } from "../support/pulumiMocks";
import { ANSYS_SERVER, CATALOG, MATLAB_SERVER } from "./support/fixtures";
import { errorOf, messageOf } from "../support/errors";

const ACCOUNT = "111111111111";
const ARGS: LicenseServerHubArgs = { catalog: CATALOG, workbenchAccountIds: ["222222222222", "333333333333"] };

async function deploy(args: LicenseServerHubArgs, name = "hub"): Promise<RecordedResource[]> {
    const { resources } = await runUnderMocks(() => new LicenseServerHub(name, args));
    return resources;
}

function policyOf(resources: RecordedResource[], name: string): any[] {
    return JSON.parse(named(resources, "aws:iam/rolePolicy:RolePolicy", name).inputs.policy).Statement;
}

function bySid(statements: any[]): Record<string, any> {
    return Object.fromEntries(statements.map((s) => [s.Sid, s]));
}

describe("LicenseServerHub (Pulumi mocks)", () => {
    let resources: RecordedResource[];

    before(async () => {
        resources = await deploy(ARGS);
    });

    it("registers with the licensing token and names every child after the component", () => {
        expect(named(resources, "licensing:index:LicenseServerHub", "hub")).to.exist;
        for (const child of resources.filter((r) => r.type.startsWith("aws:"))) {
            expect(child.name.startsWith("hub-"), child.name).to.equal(true);
        }
    });

    describe("bus policy", () => {
        const BUS_ARN = (name: string) => `arn:aws:events:eu-central-1:${ACCOUNT}:event-bus/${name}-workbench-events`;
        const WORKBENCH_EVENTS = { "ForAllValues:StringEquals": { "events:source": ["licensing.workbench"], "events:detail-type": ["Workbench State Change", "Workbench Inventory Snapshot"] } };
        const policyOfHub = (deployed: RecordedResource[], name: string) => JSON.parse(named(deployed, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", `${name}-workbench-events`).inputs.policy);

        it("admits only the listed accounts' forwarding roles (any region), only for workbench events, on this bus only", () => {
            expect(policyOfHub(resources, "hub").Statement).to.deep.equal([
                {
                    Sid: "WorkbenchForwardersPutEvents",
                    Effect: "Allow",
                    Principal: "*",
                    Action: "events:PutEvents",
                    Resource: BUS_ARN("hub"),
                    Condition: {
                        ArnLike: { "aws:PrincipalArn": ["arn:aws:iam::222222222222:role/license-ops-workbench-to-hub*", "arn:aws:iam::333333333333:role/license-ops-workbench-to-hub*"] },
                        ...WORKBENCH_EVENTS,
                    },
                },
            ]);
            expect(JSON.stringify(policyOfHub(resources, "hub"))).not.to.contain(":root");
            expect(ofType(resources, "aws:cloudwatch/eventPermission:EventPermission")).to.have.length(0);
        });

        it("in organisation mode, admits the forwarding roles of the organisation's workbench OUs in one statement", async () => {
            const paths = ["o-abcdef1234/r-ab12/ou-ab12-workbench1/", "o-abcdef1234/r-ab12/ou-ab12-workbench2/ou-ab12-regional1"];
            const org = await deploy({ catalog: CATALOG, organizationId: "o-abcdef1234", workbenchOrganizationalUnitPaths: paths, workbenchNamePrefix: "acme" }, "org");
            expect(policyOfHub(org, "org").Statement).to.deep.equal([
                {
                    Sid: "OrganizationForwardersPutEvents",
                    Effect: "Allow",
                    Principal: "*",
                    Action: "events:PutEvents",
                    Resource: BUS_ARN("org"),
                    Condition: {
                        ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/acme-workbench-to-hub*" },
                        StringEquals: { "aws:PrincipalOrgID": "o-abcdef1234" },
                        "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": ["o-abcdef1234/r-ab12/ou-ab12-workbench1/*", "o-abcdef1234/r-ab12/ou-ab12-workbench2/ou-ab12-regional1/*"] },
                        ...WORKBENCH_EVENTS,
                    },
                },
            ]);
            // Without listed accounts, the Lambda accepts any account the bus admitted.
            expect(deployedHubConfiguration(org, "org").admission.accountIds).to.deep.equal([]);
            const whole = await deploy({ catalog: CATALOG, organizationId: "o-abcdef1234", admitWholeOrganization: true }, "whole");
            expect(policyOfHub(whole, "whole").Statement[0].Condition).not.to.have.property("ForAnyValue:StringLike");
        });

        it("with accounts and an organisation, admits the organisation at the bus and leaves the list to the assignment Lambda", async () => {
            const both = await deploy({ ...ARGS, organizationId: "o-abcdef1234" }, "both");
            const [statement, ...others] = policyOfHub(both, "both").Statement;
            expect(others).to.deep.equal([]);
            expect(statement.Sid).to.equal("OrganizationForwardersPutEvents");
            expect(statement.Condition.StringEquals).to.deep.equal({ "aws:PrincipalOrgID": "o-abcdef1234" });
            expect(deployedHubConfiguration(both, "both").admission.accountIds).to.deep.equal(["222222222222", "333333333333"]);
        });

        it("refuses a bus open to everyone, an organisation with no admitted set, and malformed ids, naming the field", () => {
            const refusal = (args: Partial<LicenseServerHubArgs>) => messageOf(() => new LicenseServerHub("bad", { catalog: CATALOG, ...args }));
            expect(refusal({})).to.match(/^bad: name the workbench accounts \(workbenchAccountIds\) and\/or the organisation/);
            expect(refusal({ organizationId: "o-abcdef1234" })).to.match(/^bad: organizationId alone admits every account of the organisation.*workbenchOrganizationalUnitPaths.*admitWholeOrganization: true/);
            expect(refusal({ workbenchAccountIds: ["12345"] })).to.match(/bad: workbenchAccountIds: "12345" is not a 12-digit account id/);
            expect(refusal({ workbenchAccountIds: ["222222222222", "222222222222"] })).to.match(/workbenchAccountIds lists 222222222222 more than once/);
            expect(refusal({ organizationId: "org-1", admitWholeOrganization: true })).to.match(/bad: organizationId: "org-1" is not an AWS Organizations id/);
            expect(refusal({ organizationId: "o-abcdef1234", workbenchOrganizationalUnitPaths: ["ou-ab12-workbench1"] })).to.match(/workbenchOrganizationalUnitPaths\[0\]: "ou-ab12-workbench1" is not an OU path/);
            expect(refusal({ organizationId: "o-abcdef1234", workbenchOrganizationalUnitPaths: ["o-zzzzzzzzzz/r-ab12/ou-ab12-workbench1/"] })).to.match(/workbenchOrganizationalUnitPaths\[0\]: .* is not in organizationId o-abcdef1234/);
            expect(refusal({ ...ARGS, admitWholeOrganization: true })).to.match(/admitWholeOrganization needs organizationId/);
            expect(refusal({ ...ARGS, workbenchNamePrefix: "-x" })).to.match(/bad: workbenchNamePrefix "-x" must start with a letter/);
            expect(refusal({ ...ARGS, workbenchNamePrefix: "a".repeat(29) })).to.match(/at most 28/);
        });

        it("routes workbench events of the contract to the assignment Lambda with a dead-letter queue", () => {
            const rule = named(resources, "aws:cloudwatch/eventRule:EventRule", "hub-workbench-events");
            expect(rule.inputs.eventBusName).to.equal("hub-workbench-events");
            expect(JSON.parse(rule.inputs.eventPattern)).to.deep.equal(workbenchEventPattern());
            const target = named(resources, "aws:cloudwatch/eventTarget:EventTarget", "hub-workbench-events-target");
            expect(target.inputs.arn).to.match(/:function:hub-assignment$/);
            expect(target.inputs.eventBusName).to.equal("hub-workbench-events");
            expect(target.inputs.deadLetterConfig.arn).to.match(/:hub-undelivered$/);
        });
    });

    describe("table and stream", () => {
        it("declares the key schema of the definitions, on-demand, encrypted, recoverable, with TTL and a full-image stream", () => {
            const table = named(resources, "aws:dynamodb/table:Table", "hub-seats").inputs;
            expect(table.hashKey).to.equal(HUB_TABLE.keySchema[0].attributeName);
            expect(table.rangeKey).to.equal(HUB_TABLE.keySchema[1].attributeName);
            expect(table.attributes).to.deep.equal([{ name: "pk", type: "S" }, { name: "sk", type: "S" }]);
            expect(table.billingMode).to.equal("PAY_PER_REQUEST");
            expect(table.streamEnabled).to.equal(true);
            expect(table.streamViewType).to.equal("NEW_AND_OLD_IMAGES");
            expect(table.pointInTimeRecovery).to.deep.equal({ enabled: true });
            expect(table.serverSideEncryption).to.deep.equal({ enabled: true });
            expect(table.ttl).to.deep.equal({ attributeName: "expiresAt", enabled: true });
            expect(table.deletionProtectionEnabled).to.equal(true);
        });

        it("maps the stream to the change marker, filtered to seat rows being created or deleted, with partial-failure reporting", () => {
            const mapping = named(resources, "aws:lambda/eventSourceMapping:EventSourceMapping", "hub-seat-changes").inputs;
            expect(mapping.eventSourceArn).to.match(/:table\/hub-seats\/stream\//);
            expect(mapping.functionName).to.match(/:function:hub-change-marker$/);
            expect(mapping.functionResponseTypes).to.deep.equal(["ReportBatchItemFailures"]);
            expect(mapping.bisectBatchOnFunctionError).to.equal(true);
            expect(mapping.maximumRetryAttempts).to.be.within(1, 10000);
            expect(mapping.startingPosition).to.equal("TRIM_HORIZON");
            expect(mapping.destinationConfig.onFailure.destinationArn).to.match(/:hub-stream-failures$/);
            const filters = mapping.filterCriteria.filters;
            expect(filters).to.have.length(1);
            const pattern = JSON.parse(filters[0].pattern);
            expect(pattern).to.deep.equal(seatChangeStreamFilter());

            const record = (eventName: string, pk: string) => ({ eventName, dynamodb: { Keys: { pk: { S: pk }, sk: { S: "USER#alice" } } } });
            expect(matchesPattern(pattern, record("INSERT", "SEAT#matlab"))).to.equal(true);
            expect(matchesPattern(pattern, record("REMOVE", "SEAT#matlab"))).to.equal(true);
            expect(matchesPattern(pattern, record("MODIFY", "SEAT#matlab"))).to.equal(false);
            expect(matchesPattern(pattern, record("INSERT", "INSTANCE#222222222222/eu-central-1/i-0aaaaaaaaaaaaaaa1"))).to.equal(false);
            expect(matchesPattern(pattern, record("INSERT", "SYNC"))).to.equal(false);
        });

        it("gives the change marker the stream, the change marks (their own attributes only), its failure queue and the sync trigger, nothing else", () => {
            const statements = bySid(policyOf(resources, "hub-change-marker-policy"));
            expect(Object.keys(statements).sort()).to.deep.equal(["ListStreams", "MarkChangedProducts", "ReadSeatStream", "SendFailedBatches", "TriggerSync", "WriteOwnLogs"]);
            expect(statements.ListStreams).to.deep.include({ Action: ["dynamodb:ListStreams"], Resource: ["*"] });
            expect(statements.ReadSeatStream.Resource).to.have.length(1);
            expect(statements.ReadSeatStream.Resource[0]).to.match(/:table\/hub-seats\/stream\//);
            expect(statements.MarkChangedProducts).to.deep.equal({
                Sid: "MarkChangedProducts",
                Effect: "Allow",
                Action: ["dynamodb:UpdateItem"],
                Resource: [`arn:aws:dynamodb:eu-central-1:${ACCOUNT}:table/hub-seats`],
                Condition: {
                    "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["CHANGED"], "dynamodb:Attributes": ["pk", "sk", "changes", "lastChangeAt", "firstChangeAt"] },
                    StringEqualsIfExists: { "dynamodb:ReturnValues": "NONE" },
                },
            });
            const fn = named(resources, "aws:lambda/function:Function", "hub-change-marker").inputs;
            expect(fn.environment.variables[CHANGE_MARKER_ENVIRONMENT.tableName]).to.equal("hub-seats");
            expect(resources.filter((r) => r.type === "aws:ssm/parameter:Parameter")).to.deep.equal([]);
        });
    });

    describe("sync", () => {
        it("runs every minute by default, one at a time", () => {
            const rule = named(resources, "aws:cloudwatch/eventRule:EventRule", "hub-sync");
            expect(rule.inputs.scheduleExpression).to.equal("rate(1 minute)");
            const target = named(resources, "aws:cloudwatch/eventTarget:EventTarget", "hub-sync-target");
            expect(target.inputs.arn).to.match(/:function:hub-sync$/);
            const fn = named(resources, "aws:lambda/function:Function", "hub-sync").inputs;
            expect(fn.reservedConcurrentExecutions).to.equal(1);
            expect(fn.timeout).to.equal(300);
            const env = fn.environment.variables;
            expect(env[SYNC_ENVIRONMENT.tableName]).to.equal("hub-seats");
            expect(env[SYNC_ENVIRONMENT.documentName]).to.equal("hub-install-user-list");
            expect(env[SYNC_ENVIRONMENT.configurationFingerprint]).to.match(/^[0-9a-f]{64}$/);
            expect(env).not.to.have.property("HUB_PRODUCTS");
            expect(deployedHubConfiguration(resources, "hub").products).to.deep.equal({
                matlab: { instanceId: MATLAB_SERVER, seats: 50, command: CATALOG.products.matlab.command },
                ansys: { instanceId: ANSYS_SERVER },
            });
        });

        it("runs the safety net's full check every 10 scheduled ticks by default, or as configured, and refuses nonsense", async () => {
            const env = (rs: RecordedResource[], fn: string) => named(rs, "aws:lambda/function:Function", fn).inputs.environment.variables;
            expect(env(resources, "hub-sync")[SYNC_ENVIRONMENT.fullCheckEveryTicks]).to.equal("10");
            const custom = await deploy({ ...ARGS, fullCheckEveryTicks: 3 }, "checked");
            expect(env(custom, "checked-sync")[SYNC_ENVIRONMENT.fullCheckEveryTicks]).to.equal("3");
            for (const bad of [0, 2.5, 5000]) {
                expect(() => new LicenseServerHub("bad", { ...ARGS, fullCheckEveryTicks: bad })).to.throw(/bad: fullCheckEveryTicks must be an integer from 1 to 1440/);
            }
        });

        it("takes a custom schedule and refuses one EventBridge would not run", async () => {
            const custom = await deploy({ ...ARGS, syncSchedule: "rate(5 minutes)" }, "slow");
            expect(named(custom, "aws:cloudwatch/eventRule:EventRule", "slow-sync").inputs.scheduleExpression).to.equal("rate(5 minutes)");
            expect(() => new LicenseServerHub("bad", { ...ARGS, syncSchedule: "every minute" })).to.throw(/not an EventBridge rate/);
            expect(() => new LicenseServerHub("bad", { ...ARGS, syncTimeoutSeconds: 120 })).to.throw(/bad: syncTimeoutSeconds \(120\) must leave room/);
        });

        it("takes outputs of other resources for server ids, seats, accounts, organisation, schedule and timeouts", async () => {
            const out = pulumi.output;
            const made = await deploy(
                {
                    catalog: {
                        ...CATALOG,
                        products: {
                            matlab: { ...CATALOG.products.matlab, licenseServerInstanceId: out(MATLAB_SERVER), seats: out(7) },
                            ansys: { licenseServerInstanceId: out(ANSYS_SERVER) },
                        },
                    },
                    workbenchAccountIds: out(["222222222222"]),
                    organizationId: out("o-abcdef1234"),
                    syncSchedule: out("rate(2 minutes)"),
                    syncTimeoutSeconds: out(400),
                    tableDeletionProtection: out(false),
                },
                "outs",
            );
            expect(deployedHubConfiguration(made, "outs").products).to.deep.equal({
                matlab: { instanceId: MATLAB_SERVER, seats: 7, command: CATALOG.products.matlab.command },
                ansys: { instanceId: ANSYS_SERVER },
            });
            expect(named(made, "aws:lambda/function:Function", "outs-sync").inputs.timeout).to.equal(400);
            expect(named(made, "aws:cloudwatch/eventRule:EventRule", "outs-sync").inputs.scheduleExpression).to.equal("rate(2 minutes)");
            expect(named(made, "aws:dynamodb/table:Table", "outs-seats").inputs.deletionProtectionEnabled).to.equal(false);
            const busPolicy = JSON.parse(named(made, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", "outs-workbench-events").inputs.policy);
            // Accounts and an organisation both given: the organisation statement; the assignment Lambda checks the list.
            expect(busPolicy.Statement.map((st: any) => st.Sid)).to.deep.equal(["OrganizationForwardersPutEvents"]);
            expect(bySid(policyOf(made, "outs-sync-policy")).InstallUserLists.Resource).to.include(`arn:aws:ec2:eu-central-1:${ACCOUNT}:instance/${ANSYS_SERVER}`);
        });

        it("may send commands only with the hub's document to the catalog's license servers", () => {
            const statements = bySid(policyOf(resources, "hub-sync-policy"));
            expect(statements.InstallUserLists.Action).to.deep.equal(["ssm:SendCommand"]);
            expect([...statements.InstallUserLists.Resource].sort()).to.deep.equal(
                [
                    `arn:aws:ssm:eu-central-1:${ACCOUNT}:document/hub-install-user-list`,
                    `arn:aws:ec2:eu-central-1:${ACCOUNT}:instance/${MATLAB_SERVER}`,
                    `arn:aws:ec2:eu-central-1:${ACCOUNT}:instance/${ANSYS_SERVER}`,
                ].sort(),
            );
            expect(statements.ReadCommandResults).to.deep.include({ Action: ["ssm:GetCommandInvocation"], Resource: ["*"] });
            expect(Object.values(statements).flatMap((st: any) => st.Action).filter((a: string) => a.startsWith("ssm:"))).to.deep.equal(["ssm:SendCommand", "ssm:GetCommandInvocation"]);
            expect(statements.WriteUserLists).to.deep.include({ Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::hub-user-lists/user-lists/*"] });
            expect(statements.ReadSeatRows.Condition).to.deep.equal({ "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["SEAT#*"] } });
            expect(statements.KeepSyncState).to.deep.include({ Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"] });
            expect(statements.KeepSyncState.Condition).to.deep.equal({ "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["SYNC"] } });
            expect(statements.FollowChangeMarks).to.deep.include({ Action: ["dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:UpdateItem"] });
            expect(statements.FollowChangeMarks.Condition).to.deep.equal({ "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["CHANGED"] } });
            // Every DynamoDB statement names its partitions.
            for (const st of Object.values(statements).filter((st: any) => st.Action.some((a: string) => a.startsWith("dynamodb:")))) expect((st as any).Condition, (st as any).Sid).to.exist;
        });

        it("creates a document that takes the bundle as data, every parameter pattern-checked", () => {
            const doc = named(resources, "aws:ssm/document:Document", "hub-install-user-list").inputs;
            expect(doc.documentType).to.equal("Command");
            const content = JSON.parse(doc.content);
            const params = content.parameters;
            expect(Object.keys(params).sort()).to.deep.equal(Object.values(LICENSE_DOCUMENT_PARAMETERS).map((p) => p.name).sort());
            for (const [name, param] of Object.entries<any>(params)) {
                expect(param.allowedPattern, name).to.be.a("string").and.match(/^\^.*\$$/);
            }
            const [download, shell] = content.mainSteps;
            expect(download.action).to.equal("aws:downloadContent");
            expect(JSON.parse(download.inputs.sourceInfo).path).to.equal("https://hub-user-lists.s3.eu-central-1.amazonaws.com/{{ bundleObjectKey }}");
            expect(shell.action).to.equal("aws:runShellScript");
            // The shell step reads parameters from the environment only, never through {{ }} text substitution.
            expect(shell.inputs.runCommand.join("\n")).not.to.contain("{{");
            expect(params.bundleSha256.interpolationType).to.equal("ENV_VAR");
            // Vendor commands travel in the bundles, not in the document.
            expect(doc.content).not.to.contain("lmupdate");
        });

        it("renders a document of the same size for 1 product and for 400, on Linux and on Windows, well under SSM's 64 KB", async () => {
            const catalogOf = (count: number) => {
                const products = Array.from({ length: count }, (_, i) => `feature-${String(i).padStart(3, "0")}`);
                return {
                    workbenchTypes: { cae: products },
                    products: Object.fromEntries(products.map((p, i) => [p, { licenseServerInstanceId: i % 2 ? MATLAB_SERVER : ANSYS_SERVER, command: ["/opt/vendor/bin/lmadmin", "--product", "{product}", "--users-file", "{usersFile}"] }])),
                };
            };
            const sizes: Array<{ products: number; linux: number; windows: number; total: number }> = [];
            for (const count of [1, 400]) {
                // Names of one length: the bucket's name is part of the document.
                const name = `doc${String(count).padStart(3, "0")}`;
                const made = await deploy({ ...ARGS, catalog: catalogOf(count) }, name);
                const content = named(made, "aws:ssm/document:Document", `${name}-install-user-list`).inputs.content as string;
                const steps = JSON.parse(content).mainSteps;
                sizes.push({ products: count, linux: steps[1].inputs.runCommand.join("\n").length, windows: steps[3].inputs.runCommand.join("\n").length, total: Buffer.byteLength(content) });
            }
            console.log(`      document size: ${sizes.map((s) => `${s.products} product(s): ${s.total} bytes (shell step ${s.linux}, PowerShell step ${s.windows} characters)`).join("; ")}; quota 65,536`);
            expect(sizes[1]).to.deep.equal({ ...sizes[0], products: 400 });
            expect(sizes[0].total).to.be.below(65_536 / 2);
        });
    });

    describe("sync on change", () => {
        it("lets the change marker announce seat changes on the hub bus, and only that event", () => {
            const statements = bySid(policyOf(resources, "hub-change-marker-policy"));
            expect(statements.TriggerSync).to.deep.include({
                Action: ["events:PutEvents"],
                Resource: [`arn:aws:events:eu-central-1:${ACCOUNT}:event-bus/hub-workbench-events`],
                Condition: { "ForAllValues:StringEquals": { "events:source": SEAT_CHANGE_EVENT.source, "events:detail-type": SEAT_CHANGE_EVENT.detailType } },
            });
            const env = named(resources, "aws:lambda/function:Function", "hub-change-marker").inputs.environment.variables;
            expect(env[CHANGE_MARKER_ENVIRONMENT.syncTriggerBusName]).to.equal("hub-workbench-events");
        });

        it("runs the sync on the announcement from the hub's own account only, with the sync's delivery settings", () => {
            const rule = named(resources, "aws:cloudwatch/eventRule:EventRule", "hub-sync-on-change");
            expect(rule.inputs.eventBusName).to.equal("hub-workbench-events");
            const pattern = JSON.parse(rule.inputs.eventPattern);
            expect(pattern).to.deep.equal(seatChangeEventPattern(ACCOUNT));
            const announcement = { source: SEAT_CHANGE_EVENT.source, "detail-type": SEAT_CHANGE_EVENT.detailType, account: ACCOUNT, detail: { products: 2, "seat-changes": 3 } };
            expect(matchesPattern(pattern, announcement)).to.equal(true);
            // The bus admits the workbench accounts: their events must not run the sync, nor reach the assignment as workbench events.
            expect(matchesPattern(pattern, { ...announcement, account: "222222222222" })).to.equal(false);
            expect(matchesPattern(workbenchEventPattern(), announcement)).to.equal(false);
            const target = named(resources, "aws:cloudwatch/eventTarget:EventTarget", "hub-sync-on-change-target");
            expect(target.inputs.arn).to.match(/:function:hub-sync$/);
            expect(target.inputs.deadLetterConfig.arn).to.match(/:hub-undelivered$/);
            const permission = named(resources, "aws:lambda/permission:Permission", "hub-sync-on-change-invoke").inputs;
            expect(permission).to.include({ function: "hub-sync", principal: "events.amazonaws.com" });
            expect(permission.sourceArn).to.match(/:rule\/hub-sync-on-change$/);
            const deadLetters = JSON.parse(named(resources, "aws:sqs/queuePolicy:QueuePolicy", "hub-undelivered").inputs.policy);
            expect(deadLetters.Statement[0].Condition.ArnEquals["aws:SourceArn"]).to.include(permission.sourceArn);
        });

        it("adds nothing with syncOnChange: false", async () => {
            const scheduled = await deploy({ ...ARGS, syncOnChange: false }, "sched");
            expect(scheduled.filter((r) => r.name.startsWith("sched-sync-on-change"))).to.deep.equal([]);
            expect(Object.keys(bySid(policyOf(scheduled, "sched-change-marker-policy")))).to.not.include("TriggerSync");
            const env = named(scheduled, "aws:lambda/function:Function", "sched-change-marker").inputs.environment.variables;
            expect(env).to.not.have.property(CHANGE_MARKER_ENVIRONMENT.syncTriggerBusName);
        });
    });

    describe("least privilege", () => {
        it("uses no wildcard actions and resource * only for GetCommandInvocation and ListStreams (AWS scopes neither)", () => {
            for (const s of allowStatements(resources)) {
                for (const action of s.Action) expect(action, s.Sid).not.to.contain("*");
                if (s.Resource.includes("*")) expect([["ssm:GetCommandInvocation"], ["dynamodb:ListStreams"]], s.Sid).to.deep.include(s.Action);
            }
        });

        it("limits the assignment to instance and seat items", () => {
            const statements = bySid(policyOf(resources, "hub-assignment-policy"));
            expect(statements.ApplyWorkbenchEvents.Action).to.deep.equal(["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:UpdateItem"]);
            expect(statements.ApplyWorkbenchEvents.Condition).to.deep.equal({ "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["INSTANCE#*", "SEAT#*"] } });
            const env = named(resources, "aws:lambda/function:Function", "hub-assignment").inputs.environment.variables;
            const configuration = deployedHubConfiguration(resources, "hub");
            expect(configuration.workbenchTypes).to.deep.equal(CATALOG.workbenchTypes);
            expect(configuration.admission.accountIds).to.deep.equal(["222222222222", "333333333333"]);
            expect(env[ASSIGNMENT_ENVIRONMENT.tombstoneRetentionSeconds]).to.equal(String(7 * 86400));
            expect(env[ASSIGNMENT_ENVIRONMENT.maxClockSkewSeconds]).to.equal("30");
        });

        it("alarms on refused workbench events, and takes the clock skew from its argument within 1-300 s", async () => {
            const alarm = named(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "hub-refused-events").inputs;
            expect(alarm).to.deep.include({ namespace: "LicenseOps", metricName: "WorkbenchEventsRejected", dimensions: { service: "hub-assignment" }, threshold: 0 });
            const skewed = await deploy({ ...ARGS, maxClockSkewSeconds: 5 }, "skew");
            expect(named(skewed, "aws:lambda/function:Function", "skew-assignment").inputs.environment.variables[ASSIGNMENT_ENVIRONMENT.maxClockSkewSeconds]).to.equal("5");
            for (const bad of [0, 301, 2.5]) {
                expect(() => new LicenseServerHub("skew", { ...ARGS, maxClockSkewSeconds: bad })).to.throw(/skew: maxClockSkewSeconds must be an integer from 1 to 300/);
            }
        });

        it("keeps the user-list bucket private, encrypted and TLS-only, and grants license servers read on the lists", async () => {
            const block = named(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "hub-user-lists").inputs;
            expect(block).to.include({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
            const sse = named(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "hub-user-lists").inputs;
            expect(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).to.equal("AES256");
            const policy = JSON.parse(named(resources, "aws:s3/bucketPolicy:BucketPolicy", "hub-user-lists").inputs.policy);
            expect(policy.Statement[0]).to.deep.include({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });

            const withRoles = await deploy({ ...ARGS, licenseServerRoleNames: ["license-server-role"] }, "roles");
            const grant = named(withRoles, "aws:iam/rolePolicy:RolePolicy", "roles-license-server-0");
            expect(grant.inputs.role).to.equal("license-server-role");
            const statements = bySid(JSON.parse(grant.inputs.policy).Statement);
            expect(statements.DownloadUserLists).to.deep.include({ Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::roles-user-lists/user-lists/*"] });
            expect(statements.ListUserLists.Condition).to.deep.equal({ StringLike: { "s3:prefix": ["user-lists/*"] } });
        });
    });

    it("offers the license servers' SSM Agent Run Command on the catalog's instances only, in any partition, without the managed policy's parameter reads", async () => {
        const catalog = {
            workbenchTypes: { cae: ["matlab", "simulink", "ansys"] },
            products: {
                matlab: { licenseServerInstanceId: MATLAB_SERVER },
                // Two products on one server, one of them known only at deployment: one ARN each, in a stable order.
                simulink: { licenseServerInstanceId: pulumi.output(MATLAB_SERVER) },
                ansys: { licenseServerInstanceId: ANSYS_SERVER },
            },
        };
        const agentPolicy = async (account: { partition?: string; region?: string }) => {
            const { result } = await runUnderMocks(() => new LicenseServerHub("agent", { catalog, workbenchAccountIds: ["222222222222"] }), { account });
            return JSON.parse(await new Promise<string>((resolve) => result.licenseServerAgentPolicy.apply(resolve))).Statement;
        };
        const instance = (partition: string, region: string, id: string) => `arn:${partition}:ec2:${region}:${ACCOUNT}:instance/${id}`;
        const statements = bySid(await agentPolicy({}));
        expect(Object.keys(statements)).to.deep.equal(["RegisterAndListOwnAssociations", "RunCommandChannels"]);
        expect(statements.RegisterAndListOwnAssociations).to.deep.include({
            Action: ["ssm:ListInstanceAssociations", "ssm:UpdateInstanceInformation"],
            Resource: [instance("aws", "eu-central-1", MATLAB_SERVER), instance("aws", "eu-central-1", ANSYS_SERVER)],
        });
        expect(statements.RunCommandChannels.Resource).to.deep.equal(["*"]);
        expect(statements.RunCommandChannels.Action.filter((a: string) => !/^(ec2messages|ssmmessages):/.test(a))).to.deep.equal([]);
        const govCloud = bySid(await agentPolicy({ partition: "aws-us-gov", region: "us-gov-west-1" }));
        expect(govCloud.RegisterAndListOwnAssociations.Resource[0]).to.equal(instance("aws-us-gov", "us-gov-west-1", MATLAB_SERVER));
    });

    describe("catalog validation", () => {
        const withCatalog = (catalog: any) => () => new LicenseServerHub("cat", { catalog, workbenchAccountIds: ["222222222222"] });
        const product = { licenseServerInstanceId: MATLAB_SERVER };

        it("refuses empty catalogs and mappings", () => {
            expect(withCatalog({ workbenchTypes: {}, products: { matlab: product } })).to.throw(/^cat: catalog.workbenchTypes: maps no workbench types to products$/);
            expect(withCatalog({ workbenchTypes: { a: ["matlab"] }, products: {} })).to.throw(/^cat: 2 problems:\n  - catalog.products: has no products\n  - catalog.workbenchTypes.a\[0\]: unknown product "matlab"$/);
            expect(withCatalog({ workbenchTypes: { a: [] }, products: { matlab: product } })).to.throw(/catalog.workbenchTypes.a: carries no products/);
        });

        it("refuses unknown, duplicated and uncarried products", () => {
            expect(withCatalog({ workbenchTypes: { a: ["matlab", "maple"] }, products: { matlab: product } })).to.throw(
                /^cat: catalog.workbenchTypes.a\[1\]: unknown product "maple" \(products: matlab\)$/,
            );
            expect(withCatalog({ workbenchTypes: { a: ["matlab", "matlab"] }, products: { matlab: product } })).to.throw(/^cat: catalog.workbenchTypes.a: lists a product twice$/);
            expect(withCatalog({ workbenchTypes: { a: ["matlab"] }, products: { matlab: product, ansys: product } })).to.throw(/^cat: catalog.products.ansys: carried by no workbench type$/);
        });

        it("refuses bad instance ids, seats and names", () => {
            expect(withCatalog({ workbenchTypes: { a: ["matlab"] }, products: { matlab: { licenseServerInstanceId: "server-1" } } })).to.throw(
                /^cat: catalog.products.matlab: licenseServerInstanceId "server-1" is not an EC2 instance id \(i-...\)$/,
            );
            for (const seats of [0, -3, 2.5, "5"]) {
                expect(withCatalog({ workbenchTypes: { a: ["matlab"] }, products: { matlab: { ...product, seats } } })).to.throw(/^cat: catalog.products.matlab: seats must be a positive integer/);
            }
            expect(withCatalog({ workbenchTypes: { a: ["ma tlab"] }, products: { "ma tlab": product } })).to.throw(/product name "ma tlab"/);
            expect(withCatalog({ workbenchTypes: { "x;y": ["matlab"] }, products: { matlab: product } })).to.throw(/workbench type "x;y"/);
        });

        it("takes an optional yearly cost per seat, and refuses one that is not a number from 0 up, naming the field", () => {
            expect(withCatalog({ workbenchTypes: { a: ["matlab"] }, products: { matlab: { ...product, annualCostPerSeat: 2400 } } })).not.to.throw();
            expect(withCatalog({ workbenchTypes: { a: ["matlab"] }, products: { matlab: { ...product, annualCostPerSeat: 0 } } })).not.to.throw();
            for (const cost of [-1, Number.NaN, "2400", 1e12]) {
                expect(withCatalog({ workbenchTypes: { a: ["matlab"] }, products: { matlab: { ...product, annualCostPerSeat: cost } } })).to.throw(
                    /^cat: catalog.products.matlab: annualCostPerSeat must be a number from 0 to 10000000 \(the yearly cost of one seat\), or left out/,
                );
            }
            const typo = withCatalog({ workbenchTypes: { a: ["matlab"] }, products: { matlab: { ...product, annualCostPerseat: 5 } } });
            expect(typo).to.throw(/did you mean "annualCostPerSeat"/);
        });

        it("refuses a misspelt product key (seat: 5 would mean unlimited seats) with one line and a suggestion", () => {
            const typo = withCatalog({ workbenchTypes: { a: ["matlab"] }, products: { matlab: { ...product, seat: 5 } } });
            expect(messageOf(typo)).to.equal('cat: catalog.products.matlab: unknown key "seat" (did you mean "seats"?)');
        });

        it("refuses a misspelt workbenchTypes with one line saying so, not that the catalog maps no types", () => {
            const typo = withCatalog({ workbenchType: { a: ["matlab"] }, products: { matlab: product } });
            expect(messageOf(typo)).to.equal('cat: catalog: unknown key "workbenchType" (did you mean "workbenchTypes"?)');
        });

        it("lists every problem at once, each with its path, as a ResourceError without a stack trace", () => {
            const bad = withCatalog({ workbenchTypes: { a: ["matlab", "maple"] }, products: { matlab: { licenseServerInstanceId: "server-1", seats: 0 } } });
            const error = errorOf(bad);
            expect(pulumi.ResourceError.isInstance(error)).to.equal(true);
            expect((error as pulumi.ResourceError).hideStack).to.equal(true);
            expect(error.message.split("\n")).to.deep.equal([
                "cat: 3 problems:",
                '  - catalog.products.matlab: licenseServerInstanceId "server-1" is not an EC2 instance id (i-...)',
                "  - catalog.products.matlab: seats must be a positive integer, or left out for unlimited (got 0)",
                '  - catalog.workbenchTypes.a[1]: unknown product "maple" (products: matlab)',
            ]);
        });

        it("refuses vendor commands that are not a safe argv template", () => {
            const command = (c: unknown) => withCatalog({ workbenchTypes: { a: ["matlab"] }, products: { matlab: { ...product, command: c } } });
            expect(command([])).to.throw(/^cat: catalog.products.matlab.command: must be an array of 1-64 arguments$/);
            expect(command(["lmutil", "{usersFile}"])).to.throw(/command\[0\]: must be the absolute path/);
            expect(command(["/opt/x/lmutil", "{users}"])).to.throw(/unknown placeholder \{users\}/);
            expect(command(["/opt/x/lmutil", "--all"])).to.throw(/must pass the user list with \{usersFile\}/);
            expect(command(["/opt/x/lmutil", "{usersFile}", "a\nb"])).to.throw(/command\[2\]: contains a control character/);
            expect(command(["/opt/x/lmutil", "{usersFile}", "{oops"])).to.throw(/unbalanced brace/);
        });
    });
});
