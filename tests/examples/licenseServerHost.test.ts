/**
 * examples/license-server-host runs under Pulumi mocks: the awsx VPC (a remote component: its children are built
 * by the awsx provider, so the mock answers for it with the outputs the program reads), the endpoints, the license
 * server and the hub whose catalog names it.
 */
import { deployedHubConfiguration } from "../hub/support/hubConfigurationFixture";
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { licenseServerHost } from "../../examples/license-server-host/host";
import { RecordedResource, named, ofType, settle } from "../support/pulumiMocks";
import { reviewStatement } from "../../policy/lib/iamReference";
import { Decision, evaluate } from "../../sandbox/aws/iamEvaluator";

const ACCOUNT = "222222222222";
const REGION = "eu-central-1";
const AMI = "ami-0a1b2c3d4e5f60718";
const SERVER_ARN = `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`;

async function runHost(): Promise<{ resources: RecordedResource[]; invokes: string[]; outputs: Record<string, unknown> }> {
    const resources: RecordedResource[] = [];
    const invokes: string[] = [];
    pulumi.runtime.setAllConfig({});
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const outputs: Record<string, unknown> = { ...args.inputs, arn: `arn:aws:mock:${REGION}:${ACCOUNT}:${args.name}`, name: args.inputs.name ?? args.name };
                if (args.type === "awsx:ec2:Vpc") {
                    Object.assign(outputs, { vpcId: "vpc-0123", isolatedSubnetIds: ["subnet-a", "subnet-b"], privateSubnetIds: [], publicSubnetIds: [], routeTables: [{ id: "rtb-a" }, { id: "rtb-b" }] });
                }
                if (args.type === "aws:iam/role:Role") outputs.arn = `arn:aws:iam::${ACCOUNT}:role/${args.name}`;
                if (args.type === "aws:s3/bucket:Bucket") (outputs.bucket = args.name), (outputs.arn = `arn:aws:s3:::${args.name}`);
                resources.push({ type: args.type, name: args.name, inputs: args.inputs });
                return { id: args.type === "aws:ec2/instance:Instance" ? "i-0123456789abcdef0" : `${args.name}-id`, state: outputs };
            },
            call(args) {
                invokes.push(args.token);
                switch (args.token) {
                    case "aws:index/getRegion:getRegion":
                        return { region: REGION, name: REGION, id: REGION };
                    case "aws:index/getPartition:getPartition":
                        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
                    case "aws:index/getCallerIdentity:getCallerIdentity":
                        return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/test`, userId: "AID", id: ACCOUNT };
                    case "aws:index/getAvailabilityZones:getAvailabilityZones":
                        return { names: [`${REGION}a`, `${REGION}b`, `${REGION}c`], zoneIds: ["euc1-az2", "euc1-az3", "euc1-az1"], id: REGION };
                    case "aws:ssm/getParameter:getParameter":
                        return { ...args.inputs, value: AMI, insecureValue: AMI, type: "String", id: args.inputs.name };
                    default:
                        return args.inputs;
                }
            },
        },
        "license-server-host",
        "test",
        false,
    );
    const host = licenseServerHost({ workbenchAccountIds: ["111111111111"], seats: 5, instanceType: "t3.small" });
    await settle();
    const outputs: Record<string, unknown> = {};
    for (const [key, output] of Object.entries(host)) outputs[key] = await new Promise((resolve) => (output as pulumi.Output<unknown>).apply(resolve));
    return { resources, invokes, outputs };
}

describe("example: license-server-host (Pulumi mocks)", function () {
    this.timeout(120_000);
    let run: Awaited<ReturnType<typeof runHost>>;
    before(async () => {
        run = await runHost();
    });
    const rolePolicy = (name: string) => JSON.parse(named(run.resources, "aws:iam/rolePolicy:RolePolicy", name).inputs.policy);

    it("builds a VPC without NAT gateways, of isolated subnets only", () => {
        const vpc = named(run.resources, "awsx:ec2:Vpc", "license-servers").inputs;
        expect(vpc.natGateways).to.deep.equal({ strategy: "None" });
        expect(vpc.subnetSpecs.map((s: { type: string }) => s.type)).to.deep.equal(["Isolated"]);
        expect(ofType(run.resources, "aws:ec2/natGateway:NatGateway")).to.deep.equal([]);
    });

    it("reaches Systems Manager through interface endpoints and S3 through a gateway endpoint on the VPC's route tables", () => {
        const endpoints = ofType(run.resources, "aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.inputs);
        const interfaces = endpoints.filter((e) => e.vpcEndpointType === "Interface");
        expect(interfaces.map((e) => e.serviceName).sort()).to.deep.equal(["ec2messages", "ssm", "ssmmessages"].map((s) => `com.amazonaws.${REGION}.${s}`));
        for (const e of interfaces) expect(e).to.deep.include({ privateDnsEnabled: true, subnetIds: ["subnet-a", "subnet-b"], vpcId: "vpc-0123" });
        const gateway = endpoints.filter((e) => e.vpcEndpointType === "Gateway");
        expect(gateway.map((e) => [e.serviceName, e.routeTableIds])).to.deep.equal([[`com.amazonaws.${REGION}.s3`, ["rtb-a", "rtb-b"]]]);
    });

    it("runs the license server from AWS's Amazon Linux parameter, IMDSv2 only, encrypted, in an isolated subnet", () => {
        expect(run.invokes).to.include("aws:ssm/getParameter:getParameter");
        const server = named(run.resources, "aws:ec2/instance:Instance", "license-server").inputs;
        expect(server).to.deep.include({ ami: AMI, instanceType: "t3.small", subnetId: "subnet-a" });
        expect(server.metadataOptions.httpTokens).to.equal("required");
        expect(server.rootBlockDevice.encrypted).to.equal(true);
    });

    it("gives the instance role the hub's agent policy and licenseServerPolicy, no managed policy, and feeds the instance id to the hub's catalog", async () => {
        expect(ofType(run.resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).to.deep.equal([]);
        expect(named(run.resources, "aws:iam/role:Role", "license-server").inputs.managedPolicyArns).to.equal(undefined);
        const trust = JSON.parse(named(run.resources, "aws:iam/role:Role", "license-server").inputs.assumeRolePolicy);
        expect(trust.Statement[0].Principal).to.deep.equal({ Service: "ec2.amazonaws.com" });
        expect(JSON.stringify(rolePolicy("license-server-user-lists"))).to.contain("s3:GetObject");
        const agent = rolePolicy("license-server-ssm-agent").Statement as Array<{ Sid: string; Action: string[]; Resource: string[] }>;
        expect(agent.map((s) => [s.Sid, s.Resource])).to.deep.equal([
            ["RegisterAndListOwnAssociations", [SERVER_ARN]],
            ["RunCommandChannels", ["*"]],
        ]);
        expect(agent[0].Action).to.deep.equal(["ssm:ListInstanceAssociations", "ssm:UpdateInstanceInformation"]);
        expect(agent[1].Action.every((a) => /^(ec2messages|ssmmessages):[A-Za-z]+$/.test(a))).to.equal(true);
        // The policy pack's reference check: actions exist, ARNs match their resource types, "*" only where AWS allows nothing else.
        for (const statement of agent) {
            const review = await reviewStatement(statement as never, "identity", "aws:iam/rolePolicy:RolePolicy");
            expect(review.problems, statement.Sid).to.deep.equal([]);
            expect(review.starResources.filter((s) => !s.reason), statement.Sid).to.deep.equal([]);
        }
        // The instance id reaches the hub's functions in its configuration object.
        expect(Object.values(deployedHubConfiguration(run.resources, "hub").products).map((p) => p.instanceId)).to.include("i-0123456789abcdef0");
        expect(run.outputs.licenseServerInstanceId).to.equal("i-0123456789abcdef0");
    });

    describe("what the instance role may do (iam-simulate, every policy of the role)", () => {
        const cases: Array<[string, string, Decision]> = [
            ["ssm:UpdateInstanceInformation", SERVER_ARN, "Allowed"],
            ["ssm:ListInstanceAssociations", SERVER_ARN, "Allowed"],
            ["ec2messages:GetMessages", "*", "Allowed"],
            ["ec2messages:SendReply", "*", "Allowed"],
            ["ssmmessages:OpenControlChannel", "*", "Allowed"],
            ["s3:GetObject", "arn:aws:s3:::hub-user-lists/user-lists/cad-suite/users.txt", "Allowed"],
            // Another instance of the account cannot be impersonated; nothing of the account's parameters, documents or inventory.
            ["ssm:UpdateInstanceInformation", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0fedcba9876543210`, "ImplicitlyDenied"],
            ["ssm:GetParameter", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/license-ops/hub/change-marker`, "ImplicitlyDenied"],
            ["ssm:GetParameters", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/other-stack/database-password`, "ImplicitlyDenied"],
            ["ssm:GetParametersByPath", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/other-stack`, "ImplicitlyDenied"],
            ["ssm:ListAssociations", "*", "ImplicitlyDenied"],
            ["ssm:GetManifest", "*", "ImplicitlyDenied"],
            ["ssm:PutInventory", "*", "ImplicitlyDenied"],
            ["dynamodb:GetItem", `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/hub-seats`, "ImplicitlyDenied"],
        ];
        for (const [action, resourceArn, expected] of cases) {
            it(`${action} on ${resourceArn}: ${expected}`, async () => {
                // Every policy the role holds: its inline policies; a managed policy attached would have to be listed here.
                expect(ofType(run.resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).to.deep.equal([]);
                const identityPolicies = ofType(run.resources, "aws:iam/rolePolicy:RolePolicy")
                    .filter((p) => p.inputs.role === "license-server-id")
                    .map((p) => JSON.parse(p.inputs.policy));
                expect(identityPolicies).to.have.length(2);
                const principalArn = `arn:aws:iam::${ACCOUNT}:role/license-server`;
                expect(await evaluate({ principalArn, action, resourceArn, resourceAccountId: ACCOUNT }, { identityPolicies })).to.equal(expected);
            });
        }
    });
});
