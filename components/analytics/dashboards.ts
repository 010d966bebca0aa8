/**
 * CloudWatch dashboards as code: one per hub (seats per product against the seat limit, event -> license server
 * latency, sync outcomes, refused and rejected events, dead-letter depths) and one per governance stack (License
 * Manager utilisation per configuration against the alert threshold, the usage tracker's runs). The bodies are built
 * by plain functions from names and numbers, so they are tested without Pulumi.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { METRICS_NAMESPACE } from "../../functions/shared/telemetry";
import { LICENSE_USAGE_PERCENT_METRIC, usagePercentQuery } from "../config/utilisationAlerts";

type Widget = Record<string, unknown>;
const WIDTH = 12;
const HEIGHT = 6;

function metricWidget(title: string, region: string, metrics: unknown[][], extra: Record<string, unknown> = {}): Widget {
    return { type: "metric", width: WIDTH, height: HEIGHT, properties: { title, region, view: "timeSeries", stacked: false, period: 60, metrics, ...extra } };
}

/** Sum rows of one service's count metrics: `[metric, label]` each. */
function counts(service: string, metrics: Array<[string, string]>): unknown[][] {
    return metrics.map(([metric, label]) => [METRICS_NAMESPACE, metric, "service", service, { stat: "Sum", label }]);
}

export interface HubDashboardSpec {
    region: string;
    /** The hub component's name: its Lambdas' Powertools services are `<hub>-assignment`, `<hub>-sync`, ... */
    hubName: string;
    products: Array<{ name: string; seats?: number }>;
    /** Powertools service of the SeatLedger's writer (`<ledger>-writer`); without it, no ledger widget. */
    ledgerService?: string;
    /** Dead-letter and on-failure queue names, with what each holds. */
    queues: QueueDepth[];
}

/** A dead-letter or on-failure queue on a dashboard: its name and what its messages are. */
export interface QueueDepth {
    name: string;
    holds: string;
}

/** The queues' names (known once created) with what each holds, for a dashboard body. */
export function queueDepths(queues: ReadonlyArray<{ queue: aws.sqs.Queue; holds: string }>): pulumi.Output<QueueDepth[]> {
    return pulumi.all(queues.map((q) => q.queue.name)).apply((names) => names.map((name, i) => ({ name, holds: queues[i].holds })));
}

function queueDepthWidget(region: string, queues: QueueDepth[]): Widget {
    return metricWidget(
        "Dead-letter and failure queues (messages waiting)",
        region,
        queues.map((q) => ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q.name, { stat: "Maximum", label: q.holds }]),
        { yAxis: { left: { min: 0 } } },
    );
}

export function hubDashboardBody(spec: HubDashboardSpec): string {
    const { region, hubName } = spec;
    const sync = `${hubName}-sync`;
    const assignment = `${hubName}-assignment`;
    const changeMarker = `${hubName}-change-marker`;
    const inventoryWatch = `${hubName}-inventory-watch`;
    const seats = spec.products.map((p) =>
        metricWidget(
            `Seats: ${p.name}${p.seats === undefined ? " (no seat limit)" : ` (${p.seats} owned)`}`,
            region,
            [
                [METRICS_NAMESPACE, "UsersAssigned", "service", sync, "Product", p.name, { stat: "Maximum", label: "in use" }],
                [METRICS_NAMESPACE, "SeatsFree", "service", sync, "Product", p.name, { stat: "Minimum", label: "free" }],
                [METRICS_NAMESPACE, "SeatDenials", "service", sync, "Product", p.name, { stat: "Maximum", label: "denied (waiting)" }],
                [METRICS_NAMESPACE, "SeatDemand", "service", sync, "Product", p.name, { stat: "Maximum", label: "demand (in use + waiting)" }],
            ],
            { yAxis: { left: { min: 0 } }, ...(p.seats === undefined ? {} : { annotations: { horizontal: [{ label: "seats owned", value: p.seats, color: "#d62728" }] } }) },
        ),
    );
    const widgets: Widget[] = [
        { type: "text", width: 24, height: 2, properties: { markdown: `## License hub \`${hubName}\`\nSeats per product against the seats owned, the path from workbench event to license server, and what did not get through.` } },
        ...seats,
        metricWidget("Event -> license server latency (s)", region, [
            [METRICS_NAMESPACE, "EventToLicenseServerSeconds", "service", sync, { stat: "p50", label: "median" }],
            [METRICS_NAMESPACE, "EventToLicenseServerSeconds", "service", sync, { stat: "p95", label: "p95" }],
            [METRICS_NAMESPACE, "EventToLicenseServerSeconds", "service", sync, { stat: "Maximum", label: "max" }],
        ]),
        metricWidget("Sync outcomes", region, [
            ...counts(sync, [
                ["UserListsSent", "lists delivered"],
                ["SyncFailures", "products not delivered"],
            ]),
            [METRICS_NAMESPACE, "SyncDuration", "service", sync, { stat: "Maximum", label: "duration (ms)", yAxis: "right" }],
            [METRICS_NAMESPACE, "SyncDebounceWait", "service", sync, { stat: "Maximum", label: "debounce wait (ms)", yAxis: "right" }],
        ]),
        metricWidget(
            "Workbench events: applied, refused, rejected",
            region,
            counts(assignment, [
                ["WorkbenchEventsApplied", "applied"],
                ["WorkbenchEventsSuperseded", "superseded (older than the seat's last event)"],
                ["WorkbenchEventsRejected", "rejected (invalid or refused)"],
                ["WorkbenchEventsFromFuture", "refused (stamped in the future)"],
                ["WorkbenchEventsOriginMismatch", "refused (account or region other than the sender's)"],
                ["SeatHoldersAdded", "seat holders added"],
                ["SeatHoldersReleased", "seat holders released"],
            ]),
        ),
        metricWidget(
            "Inventory snapshots (lost events repaired)",
            region,
            [
                ...counts(assignment, [
                    ["InventorySnapshotsReconciled", "snapshots reconciled"],
                    ["InventoryChunksPending", "chunks waiting for the rest"],
                    ["InventoryCorrections", "instances corrected"],
                    ["InventorySeatRepairs", "seats repaired"],
                ]),
                ...counts(inventoryWatch, [
                    ["SilentAccountRegions", "account-regions silent (no snapshot for several periods)"],
                    ["DepartedSeatsReleased", "seat holders released: account-region no longer admitted"],
                    ["WorkbenchMembershipUnread", "workbench OU membership unread (nobody released that period)"],
                ]),
            ],
        ),
        // One line per silent account-region (its silence in periods): the silence alarm's contributors.
        metricWidget("Silent workbench account-regions", region, [
            [{ expression: `SEARCH('{${METRICS_NAMESPACE},account,region,service} MetricName="InventorySilentPeriods" service="${inventoryWatch}"', 'Maximum', 300)`, id: "silent", label: "" }],
        ]),
        metricWidget("Refused by the sync and the license servers", region, [
            ...spec.products.flatMap((p) => [
                [METRICS_NAMESPACE, "InvalidSeatRows", "service", sync, "Product", p.name, { stat: "Sum", label: `${p.name}: invalid seat rows skipped` }],
                [METRICS_NAMESPACE, "GenerationsSuperseded", "service", sync, "Product", p.name, { stat: "Sum", label: `${p.name}: older list refused by the server` }],
            ]),
            ...counts(sync, [
                ["SyncBusy", "ticks skipped (another sync running)"],
                ["SafetyNetCorrections", "lists corrected by the safety net"],
                ["LicenseServerFailures", "commands a license server did not complete (it backs off)"],
                ["SyncDeferredProducts", "lists left to the next sync (deadline)"],
            ]),
        ]),
        metricWidget(
            "Change marker",
            region,
            counts(changeMarker, [
                ["SeatRowChanges", "seat changes"],
                ["StreamRecordsSkipped", "stream records skipped"],
                ["SyncTriggered", "syncs triggered"],
                ["ChangeMarkerFailures", "change marks not written"],
                ["SyncTriggerFailures", "sync not triggered"],
            ]),
        ),
        metricWidget(
            "Seat events for people",
            region,
            counts(`${hubName}-seat-events`, [
                ["SeatDeniedEvents", "Seat Denied"],
                ["SeatGrantedEvents", "Seat Granted"],
            ]),
        ),
        ...(spec.ledgerService === undefined
            ? []
            : [
                  metricWidget(
                      "Seat ledger records",
                      region,
                      counts(spec.ledgerService, [
                          ["LedgerGrants", "grants"],
                          ["LedgerReleases", "releases"],
                          ["LedgerDenials", "denials"],
                          ["LedgerRecordsSkipped", "stream records skipped"],
                      ]),
                  ),
              ]),
        queueDepthWidget(region, spec.queues),
    ];
    return JSON.stringify({ widgets });
}

export interface GovernanceDashboardSpec {
    region: string;
    /** Configuration name -> ARN. */
    configurations: Record<string, string>;
    thresholdPercent: number;
    trackerFunctionName: string;
    /** Powertools service of the tracker (its metrics' `service` dimension). */
    trackerService: string;
    /** Dead-letter and on-failure queue names, with what each holds. */
    queues: QueueDepth[];
}

export function governanceDashboardBody(spec: GovernanceDashboardSpec): string {
    const { region } = spec;
    const utilisation = Object.entries(spec.configurations)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, arn]) =>
            metricWidget(`Utilisation: ${name} (%)`, region, [[{ expression: usagePercentQuery(arn), label: LICENSE_USAGE_PERCENT_METRIC, id: "usage", period: 300 }]], {
                period: 300,
                yAxis: { left: { min: 0, max: 100 } },
                annotations: { horizontal: [{ label: "alert threshold", value: spec.thresholdPercent, color: "#d62728" }] },
            }),
        );
    const widgets: Widget[] = [
        { type: "text", width: 24, height: 2, properties: { markdown: "## License governance\nLicense Manager utilisation per configuration against the alert threshold, and the usage tracker's runs." } },
        ...utilisation,
        metricWidget("Usage tracker runs", region, [
            ["AWS/Lambda", "Invocations", "FunctionName", spec.trackerFunctionName, { stat: "Sum", label: "runs" }],
            ["AWS/Lambda", "Errors", "FunctionName", spec.trackerFunctionName, { stat: "Sum", label: "failed runs" }],
            [METRICS_NAMESPACE, "LicenseConfigurationsReported", "service", spec.trackerService, { stat: "Sum", label: "configurations reported" }],
            [METRICS_NAMESPACE, "LicenseConfigurationsFailed", "service", spec.trackerService, { stat: "Sum", label: "configurations failed" }],
        ], { period: 3600 }),
        metricWidget("Usage tracker run duration (ms)", region, [["AWS/Lambda", "Duration", "FunctionName", spec.trackerFunctionName, { stat: "Maximum", label: "duration" }]], { period: 3600 }),
        queueDepthWidget(region, spec.queues),
    ];
    return JSON.stringify({ widgets });
}

/** A CloudWatch dashboard from a body that depends on outputs (names, ARNs). */
export function dashboard(name: string, body: pulumi.Input<string>, opts: pulumi.CustomResourceOptions = {}): aws.cloudwatch.Dashboard {
    return new aws.cloudwatch.Dashboard(name, { dashboardName: name, dashboardBody: body }, opts);
}
