import { assignSeats } from "../../../functions/hub-assignment/assignment";
import { dynamoAssignmentPorts } from "../../../functions/hub-assignment/awsPorts";
import { markSeatChanges } from "../../../functions/hub-change-marker/changeMarker";
import { dynamoChangeMarkerPorts } from "../../../functions/hub-change-marker/awsPorts";
import { seatChangeStreamFilter } from "../../../components/hub/definitions";
import { matchesPattern } from "../../../sandbox/aws/eventPattern";
import type { LocalDynamo } from "../../../sandbox/aws/dynalite";
import { RecordingTelemetry } from "../../support/recordingTelemetry";
import { NOW, assignmentConfig } from "./fixtures";
import { rawItems, streamRecordsBetween } from "./hubTable";

/**
 * The hub's event path up to the change marks, with the real handler logic and SDK clients: workbench events are
 * applied to the table, the resulting stream records filtered as the event source mapping does, and the change
 * marker run on them.
 */
export class EventPipeline {
    constructor(
        private readonly dynamo: LocalDynamo,
        private readonly table: string,
    ) {}

    async apply(...events: unknown[]): Promise<void> {
        const before = await rawItems(this.dynamo.client, this.table);
        const ports = dynamoAssignmentPorts(this.dynamo.documents, this.table);
        for (const event of events) await assignSeats(event, assignmentConfig(this.table), ports, new RecordingTelemetry(), NOW);
        const records = streamRecordsBetween(before, await rawItems(this.dynamo.client, this.table), this.table).filter((r) => matchesPattern(seatChangeStreamFilter(), r));
        if (records.length > 0) {
            const result = await markSeatChanges({ Records: records }, dynamoChangeMarkerPorts(this.dynamo.documents, this.table), new RecordingTelemetry());
            if (result.batchItemFailures.length > 0) throw new Error("change marker failed");
        }
    }
}
