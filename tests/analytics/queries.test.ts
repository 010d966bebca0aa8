import { expect } from "chai";
import { LocalAnalytics, Row } from "../../sandbox/story/analytics/duckdb";
import { analyticsQueries } from "../../components/analytics/tables";
import { ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, CONFIG_X, CONFIG_Y, writeKnownScenario } from "./support/knownScenario";

/**
 * Every analytics/queries/*.sql file, run on DuckDB over the known scenario (tests/analytics/support/knownScenario.ts),
 * against answers worked out by hand from the scenario's story. The replayed object (three records twice) must not
 * change any number.
 */
describe("analytics queries on DuckDB (the same .sql files Athena runs)", () => {
    let analytics: LocalAnalytics;
    let results: Record<string, Row[]>;

    before(async () => {
        analytics = await LocalAnalytics.open(writeKnownScenario());
        results = await analytics.runAll();
    });
    after(() => analytics.close());

    it("has a known answer for every query file", () => {
        expect(Object.keys(results).sort()).to.deep.equal(["concurrent_seats", "denials", "idle_named_users", "license_utilisation", "seat_decisions", "seat_hours"]);
        expect(analyticsQueries().every((q) => q.description.length > 20), "each .sql starts with a comment saying what it answers").to.equal(true);
    });

    it("concurrent_seats: exact hourly peaks, daily and monthly peak and nearest-rank p95 of the hourly peaks", () => {
        const busy = results.concurrent_seats.filter((r) => r.peak_seats !== 0).map((r) => [r.grain, r.period_start, r.product, r.peak_seats, r.p95_seats, r.seats_owned]);
        expect(busy).to.deep.equal([
            // days: ansys 01-15 has 16 hours [1, 1, 0 x 14] -> p95 = 16th of 16 = 1; matlab 03-02 has 12 hours [0 x 9, 2, 3, 1] -> 12th = 3
            ["day", "2026-01-15T00:00:00.000Z", "ansys", 1, 1, null],
            ["day", "2026-03-02T00:00:00.000Z", "ansys", 1, 1, null],
            ["day", "2026-03-02T00:00:00.000Z", "matlab", 3, 3, 2],
            // hours: dave 08:00-10:00; alice 09:00; matlab 09:30 alice+bob = 2, 10:00 alice+bob+carol = 3 (carol waits), 11:00 eve only
            ["hour", "2026-01-15T08:00:00.000Z", "ansys", 1, 1, null],
            ["hour", "2026-01-15T09:00:00.000Z", "ansys", 1, 1, null],
            ["hour", "2026-03-02T09:00:00.000Z", "ansys", 1, 1, null],
            ["hour", "2026-03-02T09:00:00.000Z", "matlab", 2, 2, 2],
            ["hour", "2026-03-02T10:00:00.000Z", "matlab", 3, 3, 2],
            ["hour", "2026-03-02T11:00:00.000Z", "matlab", 1, 1, 2],
            // months: January has 400 hours from 01-15 08:00, two of them 1 -> p95 (380th) = 0; March has 36 hours
            // [0 x 33, 1, 2, 3] -> 35th = 2
            ["month", "2026-01-01T00:00:00.000Z", "ansys", 1, 0, null],
            ["month", "2026-03-01T00:00:00.000Z", "ansys", 1, 0, null],
            ["month", "2026-03-01T00:00:00.000Z", "matlab", 3, 2, 2],
        ]);
        // Quiet hours are there too (zero), from the first seat to the newest record: 01-15 08:00 .. 03-02 11:00.
        const hours = results.concurrent_seats.filter((r) => r.grain === "hour" && r.product === "matlab");
        expect(hours).to.have.length(16 + 45 * 24 + 12);
        expect(results.concurrent_seats.filter((r) => r.grain === "month").map((r) => r.period_start)).to.deep.equal([
            "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z",
        ]);
    });

    it("seat_decisions: owned against peak and p95 of the daily peaks and denials, a recommended count with its reason, yearly costs", () => {
        expect(results.seat_decisions).to.deep.equal([
            // ansys: no seat limit; its days 01-15 and 03-02 each peak at 1. A cost but no limit: no owned or idle cost.
            {
                product: "ansys", seats_owned: null, peak_seats: 1, p95_seats: 1, denials: 0, users_denied: 0, recommended_seats: 1,
                reason: "no seat limit: a limit at the peak of 1 would have denied no one",
                annual_cost_per_seat: 950, owned_yearly_cost: null, idle_yearly_cost: null, recommended_yearly_cost: 950,
            },
            // matlab: 2 owned, alice + bob + carol at 10:00 (carol waits, one denial): buy the third seat.
            {
                product: "matlab", seats_owned: 2, peak_seats: 3, p95_seats: 3, denials: 1, users_denied: 1, recommended_seats: 3,
                reason: "short: denied 1 times (1 users); peak demand 3 against 2 owned",
                annual_cost_per_seat: 1800, owned_yearly_cost: 3600, idle_yearly_cost: 0, recommended_yearly_cost: 5400,
            },
        ]);
    });

    it("seat_hours: per user, per account and per cost centre, an open seat counted up to the newest record", () => {
        const rows = results.seat_hours.map((r) => [r.breakdown, r.holder, r.product, r.seat_hours, r.seats_held]);
        expect(rows).to.deep.equal([
            ["account", ACCOUNT_A, "ansys", 0.75, 1],
            ["account", ACCOUNT_C, "ansys", 2, 1],
            ["account", ACCOUNT_A, "matlab", 2.5, 2], // alice 2 h + carol 0.5 h
            ["account", ACCOUNT_B, "matlab", 0.917, 2], // bob 0.75 h + eve 10 min 2 s (10:50 to 11:00:02)
            ["cost_centre", "CC-A", "ansys", 0.75, 1],
            ["cost_centre", "unassigned", "ansys", 2, 1], // account C has no cost centre
            ["cost_centre", "CC-A", "matlab", 2.5, 2],
            ["cost_centre", "CC-B", "matlab", 0.917, 2],
            ["user", "alice", "ansys", 0.75, 1],
            ["user", "dave", "ansys", 2, 1],
            ["user", "alice", "matlab", 2, 1], // replayed grant counted once
            ["user", "bob", "matlab", 0.75, 1],
            ["user", "carol", "matlab", 0.5, 1],
            ["user", "eve", "matlab", 0.167, 1],
        ]);
    });

    it("denials: one per waiting spell, replays removed", () => {
        expect(results.denials).to.deep.equal([{ product: "matlab", day: "2026-03-02T00:00:00.000Z", denials: 1, users_denied: 1, seats_owned: 2 }]);
    });

    it("idle_named_users: only users without a seat for 30 days as of the newest record", () => {
        // dave's last seat ended 2026-01-15 10:00; as of 2026-03-02 11:00:02 that is 46 whole days. alice, bob, carol, eve are recent.
        expect(results.idle_named_users).to.deep.equal([{ product: "ansys", user_id: "dave", last_seat_at: "2026-01-15T10:00:00.000Z", idle_days: 46 }]);
    });

    it("license_utilisation: per configuration and day from the tracker's hive summaries, several runs a day folded", () => {
        expect(results.license_utilisation.map((r) => [r.year, r.month, r.day, r.license_configuration_arn, r.license_configuration_name, r.license_count, r.peak_consumed, r.peak_utilisation_percent, r.report_rows, r.failed_reads])).to.deep.equal([
            [2026, 3, 1, CONFIG_X, "MATLAB seats", 40, 10, 25, 1, 0],
            [2026, 3, 1, CONFIG_Y, "'=SUM(A1)", null, 5, null, 1, 0],
            [2026, 3, 2, CONFIG_X, "MATLAB seats", 40, 30, 75, 2, 0], // runs at 05:00 (20) and 17:00 (30)
            [2026, 3, 2, CONFIG_Y, null, null, null, null, 1, 1],
        ]);
    });

    it("reads an empty ledger and no reports without failing (a fresh deployment)", async () => {
        const empty = await LocalAnalytics.open({ ledgerRoot: "/nonexistent/ledger" });
        try {
            const all = await empty.runAll();
            expect(Object.values(all).every((rows) => rows.length === 0)).to.equal(true);
        } finally {
            empty.close();
        }
    });
});
