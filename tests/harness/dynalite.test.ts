import { expect } from "chai";
import { CreateTableCommand, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { HUB_TABLE } from "../../components/hub/definitions";
import { startDynalite, LocalDynamo } from "../../sandbox/aws/dynalite";
import { provision, SandboxServices } from "../../sandbox/runtime/services";
import type { LocalDeployment } from "../../sandbox/world/deployment";

describe("harness: dynalite tables are used only once ACTIVE", () => {
    let dynamo: LocalDynamo;

    before(async () => {
        // A slow transition makes the race certain instead of timing-dependent.
        dynamo = await startDynalite({ transitionMs: 300 });
    });
    after(async () => {
        await dynamo.close();
    });

    const item = { pk: "INSTANCE#x", sk: "STATE" };

    it("a write straight after a bare CreateTable fails: the race the helper must prevent is real", async () => {
        const name = "raw-create";
        await dynamo.client.send(
            new CreateTableCommand({
                TableName: name,
                KeySchema: HUB_TABLE.keySchema.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType })),
                AttributeDefinitions: HUB_TABLE.attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
                BillingMode: "PAY_PER_REQUEST",
            }),
        );
        const error = await dynamo.documents.send(new PutCommand({ TableName: name, Item: item })).then(
            () => undefined,
            (err: unknown) => err,
        );
        expect(error).to.be.instanceOf(ResourceNotFoundException);
    });

    it("createHubTable returns an ACTIVE table: the first write succeeds", async () => {
        const name = await dynamo.createHubTable();
        await dynamo.documents.send(new PutCommand({ TableName: name, Item: item }));
    });

    it("deleteTable returns only when the table is gone, so its name can be reused at once", async () => {
        const name = await dynamo.createHubTable("reused");
        await dynamo.deleteTable(name);
        await dynamo.createHubTable("reused");
        await dynamo.documents.send(new PutCommand({ TableName: "reused", Item: item }));
    });

    it("the sandbox provisions the tables its stacks declare ACTIVE: the first write succeeds", async () => {
        const table = { name: "sandbox-hub", arn: "arn:aws:dynamodb:eu-central-1:222222222222:table/sandbox-hub", accountId: "222222222222", hashKey: "pk", rangeKey: "sk", attributes: HUB_TABLE.attributes };
        const deployment = { tables: [table], buckets: [], objects: [], parameters: [], topics: [] } as unknown as LocalDeployment;
        await provision({ dynamo } as unknown as SandboxServices, deployment);
        await dynamo.documents.send(new PutCommand({ TableName: table.name, Item: item }));
    });
});
