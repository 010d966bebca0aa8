/**
 * The EC2 stand-in's DescribeInstances as the forwarder and the inventory use it: narrowed to the instances asked for
 * (filter instance-id or InstanceId.N), and answered from a view that knows the time the caller signed the request
 * with, which is how the sandbox lets the forwarder observe EC2 at the time its event was sent.
 */
import { expect } from "chai";
import { DescribeInstancesCommand, DescribeInstancesCommandInput, EC2Client } from "@aws-sdk/client-ec2";
import { LOCAL_CLIENT_CONFIG } from "../../sandbox/aws/awsJsonServer";
import { Ec2Standin, startEc2Standin } from "../../sandbox/aws/ec2Standin";

describe("sandbox EC2 stand-in: DescribeInstances", () => {
    let ec2: Ec2Standin;
    before(async () => {
        ec2 = await startEc2Standin();
        ec2.instances.set("i-00000000000000001", { owner: "a" });
        ec2.instances.set("i-00000000000000002", { owner: "b" });
    });
    after(() => ec2.close());

    const ids = async (client: EC2Client, input: DescribeInstancesCommandInput) =>
        ((await client.send(new DescribeInstancesCommand(input))).Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId);

    it("lists only the instances named by the instance-id filter or InstanceIds, and all of them otherwise", async () => {
        const client = new EC2Client({ ...LOCAL_CLIENT_CONFIG, endpoint: ec2.endpoint });
        expect(await ids(client, { Filters: [{ Name: "instance-id", Values: ["i-00000000000000002"] }] })).to.deep.equal(["i-00000000000000002"]);
        expect(await ids(client, { InstanceIds: ["i-00000000000000001"] })).to.deep.equal(["i-00000000000000001"]);
        expect(await ids(client, { Filters: [{ Name: "instance-id", Values: ["i-0000000000000ffff"] }] })).to.deep.equal([]);
        expect(await ids(client, {})).to.deep.equal(["i-00000000000000001", "i-00000000000000002"]);
    });

    it("gives its view the time the caller signed with, and sends no Date header the SDK would correct that clock to", async () => {
        const seen: Array<{ signedAt?: string; instanceIds: string[] }> = [];
        ec2.describeInstancesView = ({ signedAt, instanceIds }) => {
            seen.push({ signedAt: signedAt?.toISOString(), instanceIds });
            return [["i-00000000000000001", { tags: { owner: "a" }, state: "stopped" }]];
        };
        try {
            // A caller whose clock runs two hours behind (the sandbox's world clock): both calls are signed with it.
            const client = new EC2Client({ ...LOCAL_CLIENT_CONFIG, endpoint: ec2.endpoint, systemClockOffset: -2 * 3600_000 });
            const before = Date.now() - 2 * 3600_000;
            await ids(client, { Filters: [{ Name: "instance-id", Values: ["i-00000000000000001"] }] });
            await ids(client, {});
            expect(seen.map((s) => s.instanceIds)).to.deep.equal([["i-00000000000000001"], []]);
            for (const { signedAt } of seen) expect(Math.abs(Date.parse(signedAt!) - before)).to.be.below(5_000);
        } finally {
            ec2.describeInstancesView = undefined;
        }
    });
});
