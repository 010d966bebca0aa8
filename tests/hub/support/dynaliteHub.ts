/**
 * The harness of the hub's property tests on a real DynamoDB (dynalite): one dynalite for the suite, a fresh hub
 * table with the real DynamoDB ports for each fast-check run (deleted after it), and fast-check's run count, replay
 * and timeout from propertyRuns (FC_RUNS, FC_SEED, FC_PATH).
 */
import fc from "fast-check";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { AssignmentPorts } from "../../../functions/hub-assignment/assignment";
import { dynamoAssignmentPorts } from "../../../functions/hub-assignment/awsPorts";
import type { SnapshotPorts } from "../../../functions/hub-assignment/snapshot";
import { dynamoSnapshotPorts } from "../../../functions/hub-assignment/snapshotPorts";
import { LocalDynamo, startDynalite } from "../../../sandbox/aws/dynalite";
import { propertyRuns, propertyTimeoutMs } from "../../support/propertyRuns";
import { withCleanup } from "../../support/settled";
import { seatRows } from "./hubTable";

/** Where a run's deliveries go: the hub's ports and a view of the seat rows afterwards. */
export interface HubUnderTest {
    ports: AssignmentPorts & SnapshotPorts;
    tableName: string;
    seatRows(): Promise<Map<string, { workbenchCount: number; instances: string[] }>>;
}

/** A hub on a dynalite table, whose items a test may also read directly. */
export interface DynaliteHub extends HubUnderTest {
    documents: DynamoDBDocumentClient;
}

/** A fresh dynalite hub table with the real DynamoDB ports, deleted after the run. */
export async function withDynaliteHub<T>(dynamo: LocalDynamo, body: (hub: DynaliteHub) => Promise<T>): Promise<T> {
    const table = await dynamo.createHubTable();
    const hub: DynaliteHub = {
        ports: { ...dynamoAssignmentPorts(dynamo.documents, table), ...dynamoSnapshotPorts(dynamo.documents, table) },
        tableName: table,
        documents: dynamo.documents,
        seatRows: () => seatRows(dynamo.documents, table),
    };
    return withCleanup(() => body(hub), () => dynamo.deleteTable(table));
}

/**
 * Registers the suite's dynalite and timeout (call inside `describe(..., function () {...})` with its `this`) and
 * returns the property check: `property` must hold for every value of `arbitrary`, each run on a fresh hub table.
 */
export function dynaliteHubProperty(suite: Mocha.Suite, runs: number): <T>(arbitrary: fc.Arbitrary<T>, property: (hub: DynaliteHub, value: T) => Promise<void>) => Promise<void> {
    // The limit guards against a hang, not slowness: a loaded machine takes several times a quiet one's 15 s.
    suite.timeout(propertyTimeoutMs(runs));
    let dynamo: LocalDynamo;
    before(async () => {
        dynamo = await startDynalite();
    });
    after(async () => {
        await dynamo?.close();
    });
    return async (arbitrary, property) => {
        await fc.assert(
            fc.asyncProperty(arbitrary, (value) => withDynaliteHub(dynamo, (hub) => property(hub, value))),
            propertyRuns(runs),
        );
    };
}
