import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import { LicenseServerHub } from "../../index";

export interface LicenseServerHostSettings {
    /** Workbench accounts whose start/stop events the hub takes. */
    workbenchAccountIds: string[];
    /** Seats of the example product. */
    seats: number;
    /** EC2 instance type of the license server. */
    instanceType: string;
}

/** Amazon Linux 2023 (SSM Agent preinstalled), resolved from AWS's public SSM parameter at deployment. */
const AMAZON_LINUX_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
/** Run Command reaches the agent through these; S3 (the user lists) through a gateway endpoint. */
const SSM_INTERFACE_ENDPOINTS = ["ssm", "ssmmessages", "ec2messages"];

/**
 * A reference license-server host: a VPC without NAT gateways or internet access (isolated subnets), reaching
 * Systems Manager through interface endpoints and S3 through a gateway endpoint; an EC2 license server with the
 * SSM Agent whose instance role carries the hub's `licenseServerAgentPolicy` (Run Command on this instance) and
 * `licenseServerPolicy` (read the user lists), nothing else; and the LicenseServerHub whose catalog names that instance.
 */
export function licenseServerHost(settings: LicenseServerHostSettings) {
    const region = aws.getRegionOutput().region;

    const vpc = new awsx.ec2.Vpc("license-servers", {
        cidrBlock: "10.42.0.0/16",
        numberOfAvailabilityZones: 2,
        // No NAT gateway and no internet gateway: the license server talks to AWS through endpoints only.
        natGateways: { strategy: awsx.ec2.NatGatewayStrategy.None },
        subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
        subnetSpecs: [{ type: awsx.ec2.SubnetType.Isolated, name: "license", cidrMask: 24 }],
        enableDnsHostnames: true,
        enableDnsSupport: true,
    });

    const endpointSecurityGroup = new aws.ec2.SecurityGroup("ssm-endpoints", {
        vpcId: vpc.vpcId,
        description: "HTTPS from the VPC to the Systems Manager endpoints",
        ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.42.0.0/16"], description: "HTTPS from the VPC" }],
    });
    const endpoints = SSM_INTERFACE_ENDPOINTS.map(
        (service) =>
            new aws.ec2.VpcEndpoint(`endpoint-${service}`, {
                vpcId: vpc.vpcId,
                serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
                vpcEndpointType: "Interface",
                privateDnsEnabled: true,
                subnetIds: vpc.isolatedSubnetIds,
                securityGroupIds: [endpointSecurityGroup.id],
            }),
    );
    const s3Endpoint = new aws.ec2.VpcEndpoint("endpoint-s3", {
        vpcId: vpc.vpcId,
        serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: vpc.routeTables.apply((tables) => tables.map((table) => table.id)),
    });

    const role = new aws.iam.Role("license-server", {
        description: "License server instance: SSM Agent, and reading the hub's user lists",
        assumeRolePolicy: JSON.stringify(aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" })),
    });
    const profile = new aws.iam.InstanceProfile("license-server", { role: role.name });

    const serverSecurityGroup = new aws.ec2.SecurityGroup("license-server", {
        vpcId: vpc.vpcId,
        description: "License server: no inbound; HTTPS out (the isolated subnets route only to the VPC endpoints)",
        egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "HTTPS to the SSM and S3 endpoints" }],
    });
    const server = new aws.ec2.Instance(
        "license-server",
        {
            ami: aws.ssm.getParameterOutput({ name: AMAZON_LINUX_AMI_PARAMETER }).value,
            instanceType: settings.instanceType,
            subnetId: vpc.isolatedSubnetIds[0],
            vpcSecurityGroupIds: [serverSecurityGroup.id],
            iamInstanceProfile: profile.name,
            metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
            rootBlockDevice: { encrypted: true, volumeType: "gp3" },
            monitoring: true,
            tags: { Name: "license-server" },
        },
        // The agent registers only once it can reach Systems Manager.
        { dependsOn: [...endpoints, s3Endpoint] },
    );

    const hub = new LicenseServerHub("hub", {
        catalog: {
            workbenchTypes: { "cad-workstation": ["cad-suite"] },
            products: {
                "cad-suite": { licenseServerInstanceId: server.id, seats: settings.seats, command: ["/opt/cad-suite/bin/update-named-users", "--file", "{usersFile}"] },
            },
        },
        workbenchAccountIds: settings.workbenchAccountIds,
    });
    // What the document needs on the server: read the user lists (and their key), nothing else.
    new aws.iam.RolePolicy("license-server-user-lists", { role: role.id, policy: hub.licenseServerPolicy });
    // What the SSM Agent needs to take the hub's Run Command, on this instance only. Not AmazonSSMManagedInstanceCore:
    // it would let the server read every SSM parameter of the hub account (#21 item 9). Until this policy is in
    // place the agent retries its registration, so the instance may start first.
    new aws.iam.RolePolicy("license-server-ssm-agent", { role: role.id, policy: hub.licenseServerAgentPolicy });

    return { vpcId: vpc.vpcId, licenseServerInstanceId: server.id, hubEventBusArn: hub.busArn, documentName: hub.document.name };
}
