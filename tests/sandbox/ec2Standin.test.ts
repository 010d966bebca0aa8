/**
 * The EC2 stand-in's DescribeInstances as the forwarder and the inventory use it: narrowed to the instances asked for
 * (filter instance-id or InstanceId.N), and answered from a view that knows which instances were asked for, which is
 * how the sandbox lets the forwarder observe EC2 as it was when its instance's event was sent.
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

    it("tells its view which instances the request asked for", async () => {
        const asked: string[][] = [];
        ec2.describeInstancesView = ({ instanceIds }) => {
            asked.push(instanceIds);
            return [["i-00000000000000001", { tags: { owner: "a" }, state: "stopped" }]];
        };
        try {
            const client = new EC2Client({ ...LOCAL_CLIENT_CONFIG, endpoint: ec2.endpoint });
            expect(await ids(client, { Filters: [{ Name: "instance-id", Values: ["i-00000000000000001"] }] })).to.deep.equal(["i-00000000000000001"]);
            await ids(client, {});
            expect(asked).to.deep.equal([["i-00000000000000001"], []]);
        } finally {
            ec2.describeInstancesView = undefined;
        }
    });
});
