-- Decisions per product over the ledger's period (its last 400 days): the seats owned against the peak and the p95
-- of the daily peak concurrency (days with a seat in use; demand counted, so waiting users too) and the denials; a
-- recommended seat count with its reason; and, where the catalog states annualCostPerSeat, the yearly cost of the
-- seats owned, of the idle ones (owned beyond the peak: never all in use) and of the recommendation.
WITH span AS (
    SELECT max(end_at) - INTERVAL '400' DAY AS since FROM seat_sessions
),
owned AS (
    SELECT product, max_by(seats_owned, recorded_at) AS seats_owned, max_by(annual_cost_per_seat, recorded_at) AS annual_cost_per_seat
    FROM seat_events
    GROUP BY product
),
starts AS (
    SELECT DISTINCT s.product, s.start_at AS instant
    FROM seat_sessions s
    CROSS JOIN span
    WHERE s.end_at > span.since
),
levels AS (
    SELECT i.product, i.instant, count(*) AS seats
    FROM starts i
    JOIN seat_sessions s ON s.product = i.product AND s.start_at <= i.instant AND i.instant < s.end_at
    GROUP BY i.product, i.instant
),
daily AS (
    SELECT product, date_trunc('day', instant) AS day, max(seats) AS peak
    FROM levels
    GROUP BY product, date_trunc('day', instant)
),
demand AS (
    SELECT product, max(peak) AS peak_seats, approx_percentile(peak, 0.95) AS p95_seats
    FROM daily
    GROUP BY product
),
denied AS (
    SELECT e.product, count(*) AS denials, count(DISTINCT e.user_id) AS users_denied
    FROM seat_events e
    CROSS JOIN span
    WHERE e.kind = 'denial' AND e.event_at >= span.since
    GROUP BY e.product
),
facts AS (
    SELECT o.product, o.seats_owned, coalesce(d.peak_seats, 0) AS peak_seats, coalesce(d.p95_seats, 0) AS p95_seats,
           coalesce(x.denials, 0) AS denials, coalesce(x.users_denied, 0) AS users_denied, o.annual_cost_per_seat
    FROM owned o
    LEFT JOIN demand d ON d.product = o.product
    LEFT JOIN denied x ON x.product = o.product
),
decided AS (
    SELECT f.*,
           CASE
               WHEN seats_owned IS NULL THEN peak_seats
               WHEN peak_seats > seats_owned OR denials > 0 THEN greatest(peak_seats, seats_owned + 1)
               ELSE peak_seats
           END AS recommended_seats,
           CASE
               WHEN seats_owned IS NULL THEN 'no seat limit: a limit at the peak of ' || CAST(peak_seats AS varchar) || ' would have denied no one'
               WHEN peak_seats > seats_owned OR denials > 0 THEN 'short: denied ' || CAST(denials AS varchar) || ' times (' || CAST(users_denied AS varchar)
                   || ' users); peak demand ' || CAST(peak_seats AS varchar) || ' against ' || CAST(seats_owned AS varchar) || ' owned'
               WHEN peak_seats < seats_owned THEN 'surplus: at most ' || CAST(peak_seats AS varchar) || ' of ' || CAST(seats_owned AS varchar)
                   || ' owned seats in use at once, ' || CAST(seats_owned - peak_seats AS varchar) || ' idle even at the peak'
               ELSE 'right-sized: the peak uses all ' || CAST(seats_owned AS varchar) || ' owned seats without denials'
           END AS reason
    FROM facts f
)
SELECT product, seats_owned, peak_seats, p95_seats, denials, users_denied, recommended_seats, reason, annual_cost_per_seat,
       seats_owned * annual_cost_per_seat AS owned_yearly_cost,
       CASE WHEN seats_owned > peak_seats THEN seats_owned - peak_seats WHEN seats_owned IS NOT NULL THEN 0 END * annual_cost_per_seat AS idle_yearly_cost,
       recommended_seats * annual_cost_per_seat AS recommended_yearly_cost
FROM decided
ORDER BY product
