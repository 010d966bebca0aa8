/** What a sandbox run returns: the lists, the checks, the counts and the files, as the summary prints them. */
import type { PublishedMessage } from "../aws/snsStandin";
import type { SeededConfiguration } from "../world/seed";
import type { GaveUp, Refusal, SandboxCounts } from "../story/tally";
import type { ReportFiles } from "../story/reports";
import type { RaisedAlarm } from "../story/alarms";
import type { ExpectationCheck } from "../story/expectations";
import type { AnalyticsReport } from "../story/analytics/report";

export interface SandboxResult {
    description: string;
    speed: number;
    outDir: string;
    /** Each product's named-user list on its license server at the end. */
    lists: Record<string, string[]>;
    expected: Record<string, string[]>;
    mismatches: Array<{ product: string; expected: string[]; actual: string[] }>;
    /** Users who hold a seat row but no seat on the license server (seat limit reached), per product. */
    denials: Record<string, string[]>;
    /** Events refused on the way (forwarder, hub bus, hub). */
    refused: Refusal[];
    /** Invocations Lambda gave up on (sent to their on-failure destination). */
    onFailure: GaveUp[];
    reports: ReportFiles;
    /** Manifest problems per run (empty: every run is complete). */
    reportProblems: string[];
    /** What the License Manager stand-in was seeded with. */
    licenseManager: SeededConfiguration[];
    alerts: PublishedMessage[];
    /** Alarms on the handlers' own metrics that what they emitted set off, with where their actions send them. */
    raisedAlarms: RaisedAlarm[];
    counts: SandboxCounts;
    /** True when every recurring schedule's targets succeeded after the last change (the lists are final). */
    settled: boolean;
    /** Each scenario step's expectation, checked against what happened to it. */
    expectations: ExpectationCheck[];
    /** The scenario's forgery and re-tag attempts, each with how far it got (attempts.ts). */
    attempts: Array<{
        label: string;
        outcome?: string;
        /** Made by the deployment role, which the guardrails exempt: a stack mistake, not a forgery. */
        byDeploymentRole: boolean;
    }>;
    /** Failures of the sandbox itself (a stream snapshot, an order it could not keep): any one fails the run. */
    harnessErrors: string[];
    /** What makes the run less faithful to its scenario without failing it. */
    warnings: string[];
    /**
     * Real seconds the scenario clock stood still so that every step started at its scenario time (0 when the
     * machine kept up with the speed): how much slower than `speed` the scenario ran.
     */
    clockHeldSeconds: number;
    /** The timeline as printed, also when `output` is null. */
    logFile: string;
    /** True when the run settled, the lists equal the expectation, every step's expectation held and the harness had no error. */
    ok: boolean;
    /** The analytics report (seat ledger and usage reports on DuckDB, HTML page); absent without a seat ledger. */
    analytics?: AnalyticsReport;
}
