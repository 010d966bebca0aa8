import { expect } from "chai";
import { DeleteParameterCommand, GetCommandInvocationCommand, GetParameterCommand, PutParameterCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { LOCAL_CLIENT_CONFIG } from "../../sandbox/aws/awsJsonServer";
import { SEND_COMMAND_MAX_INSTANCES, startSsmStandin, SsmStandin } from "../../sandbox/aws/ssmStandin";

describe("SSM stand-in (real SDK v3 client)", () => {
    let ssm: SsmStandin;
    let client: SSMClient;

    before(async () => {
        ssm = await startSsmStandin({ invocationVisibleAfterPolls: 1 });
        client = new SSMClient({ ...LOCAL_CLIENT_CONFIG, endpoint: ssm.endpoint, maxAttempts: 1 });
    });
    after(async () => {
        client.destroy();
        await ssm.close();
    });

    it("versions parameters as Parameter Store does", async () => {
        const missing = await client.send(new GetParameterCommand({ Name: "marker" })).catch((e) => e);
        expect(missing.name).to.equal("ParameterNotFound");
        expect((await client.send(new PutParameterCommand({ Name: "marker", Value: "a", Type: "String" }))).Version).to.equal(1);
        const refused = await client.send(new PutParameterCommand({ Name: "marker", Value: "b", Type: "String" })).catch((e) => e);
        expect(refused.name).to.equal("ParameterAlreadyExists");
        expect((await client.send(new PutParameterCommand({ Name: "marker", Value: "b", Type: "String", Overwrite: true }))).Version).to.equal(2);
        const { Parameter } = await client.send(new GetParameterCommand({ Name: "marker" }));
        expect(Parameter).to.include({ Name: "marker", Value: "b", Version: 2 });
        expect(Parameter!.LastModifiedDate).to.be.instanceOf(Date);
        // Deleted and created again (a rename, a redeploy): versions restart at 1.
        await client.send(new DeleteParameterCommand({ Name: "marker" }));
        expect((await client.send(new GetParameterCommand({ Name: "marker" })).catch((e) => e)).name).to.equal("ParameterNotFound");
        expect((await client.send(new DeleteParameterCommand({ Name: "marker" })).catch((e) => e)).name).to.equal("ParameterNotFound");
        expect((await client.send(new PutParameterCommand({ Name: "marker", Value: "c", Type: "String" }))).Version).to.equal(1);
    });

    it("runs commands through the injected executor and reports their status", async () => {
        const seen: Array<[string, string, Record<string, string[]>]> = [];
        ssm.executor = async (document, instance, parameters) => {
            seen.push([document, instance, parameters]);
            return instance.endsWith("2") ? "Failed" : "Success";
        };
        const { Command } = await client.send(new SendCommandCommand({ DocumentName: "doc", InstanceIds: ["i-01", "i-02"], Parameters: { product: ["matlab"] } }));
        expect(Command!.CommandId).to.match(/^[0-9a-f-]{36}$/);
        // Like Run Command, the invocation is not visible on the very first poll.
        for (const instance of ["i-01", "i-02"]) {
            const early = await client.send(new GetCommandInvocationCommand({ CommandId: Command!.CommandId, InstanceId: instance })).catch((e) => e);
            expect(early.name).to.equal("InvocationDoesNotExist");
        }
        await ssm.idle();
        const ok = await client.send(new GetCommandInvocationCommand({ CommandId: Command!.CommandId, InstanceId: "i-01" }));
        const failed = await client.send(new GetCommandInvocationCommand({ CommandId: Command!.CommandId, InstanceId: "i-02" }));
        expect([ok.Status, failed.Status]).to.deep.equal(["Success", "Failed"]);
        expect(seen.map(([d, i, p]) => [d, i, p.product])).to.deep.equal([
            ["doc", "i-01", ["matlab"]],
            ["doc", "i-02", ["matlab"]],
        ]);
    });

    it("refuses more than 50 instance ids per command, as SendCommand does", async () => {
        const ids = Array.from({ length: SEND_COMMAND_MAX_INSTANCES + 1 }, (_, i) => `i-${String(i).padStart(8, "0")}`);
        const error = await client.send(new SendCommandCommand({ DocumentName: "doc", InstanceIds: ids })).catch((e) => e);
        expect(error.name).to.equal("ValidationException");
    });
});
