import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { BundledFunction } from "../lambda/bundledFunction";
import { SEAT_EVENTS_ENVIRONMENT } from "../../functions/hub-shared/environment";
import { SEAT_EVENT_DETAIL_TYPES, SEAT_EVENT_SOURCE } from "../../functions/hub-seat-events/seatEventContract";
import type { HubConfigurationObject } from "./hubConfigurationObject";
import { seatChangeStreamFilter } from "./definitions";
import { SEAT_PARTITION_PREFIX } from "../../functions/hub-shared/tableKeys";

export interface SeatEventsArgs {
    table: aws.dynamodb.Table;
    bus: aws.cloudwatch.EventBus;
    configuration: HubConfigurationObject;
    streamFailureQueue: aws.sqs.Queue;
    logRetentionDays?: pulumi.Input<number>;
    alarmActions?: pulumi.Input<pulumi.Input<string>[]>;
}

/** How the seat-events function reads the seat table's stream: its own mapping, the change marker's filter. */
export const SEAT_EVENTS_EVENT_SOURCE = {
    batchSize: 100,
    maximumBatchingWindowInSeconds: 0,
    /** A new mapping starts at the stream's end: telling people about seats changed days ago helps nobody. */
    startingPosition: "LATEST",
    /** The events are for people, at least once: a failed batch is retried a few times, then dropped to the queue. */
    maximumRetryAttempts: 3,
    maximumRecordAgeInSeconds: 3600,
} as const;

/**
 * `Seat Denied` / `Seat Granted` on the hub bus (functions/hub-seat-events): a function on the seat table's stream,
 * beside the change marker, whose role may put only those two detail-types of `licensing.hub` on the hub bus, read
 * the seat rows and the configuration object's seat counts, and nothing else.
 */
export function seatEventsFunction(name: string, args: SeatEventsArgs, parent: pulumi.Resource): BundledFunction {
    const fn = new BundledFunction(
        name,
        {
            handler: "hub-seat-events",
            description: "Tells people on the hub bus when they are denied a seat and when a waiting user's seat becomes theirs",
            environment: {
                [SEAT_EVENTS_ENVIRONMENT.tableName]: args.table.name,
                [SEAT_EVENTS_ENVIRONMENT.busName]: args.bus.name,
                ...args.configuration.environment,
                POWERTOOLS_SERVICE_NAME: name,
            },
            statements: [
                {
                    sid: "PutSeatEvents",
                    actions: ["events:PutEvents"],
                    resources: [args.bus.arn],
                    // Both keys hold one value per entry of a PutEvents call: every entry must be a seat event.
                    conditions: { "ForAllValues:StringEquals": { "events:source": SEAT_EVENT_SOURCE, "events:detail-type": [...SEAT_EVENT_DETAIL_TYPES] } },
                },
                // The seat rows of the products that changed (a Query on each product's seat partition).
                {
                    sid: "ReadSeatRows",
                    actions: ["dynamodb:Query"],
                    resources: [args.table.arn],
                    conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${SEAT_PARTITION_PREFIX}*`] } },
                },
                args.configuration.readStatement,
                { sid: "ReadSeatStream", actions: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], resources: [args.table.streamArn] },
                // The event source mapping lists streams; AWS authorises ListStreams on "*" only.
                { sid: "ListStreams", actions: ["dynamodb:ListStreams"], resources: ["*"] },
                { sid: "SendFailedBatches", actions: ["sqs:SendMessage"], resources: [args.streamFailureQueue.arn] },
            ],
            logRetentionDays: args.logRetentionDays,
            alarmActions: args.alarmActions,
        },
        { parent },
    );
    new aws.lambda.EventSourceMapping(
        name,
        {
            eventSourceArn: args.table.streamArn,
            functionName: fn.function.arn,
            filterCriteria: { filters: [{ pattern: JSON.stringify(seatChangeStreamFilter()) }] },
            destinationConfig: { onFailure: { destinationArn: args.streamFailureQueue.arn } },
            ...SEAT_EVENTS_EVENT_SOURCE,
        },
        { parent },
    );
    return fn;
}
