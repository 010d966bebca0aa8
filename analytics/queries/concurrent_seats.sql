-- Peak and p95 concurrent seats per product per hour, day and month, against the seats owned.
-- Hour: the most users holding a seat at one moment of the hour (exact: the level at the hour's start and after
-- every grant in it). Day and month: the highest hourly peak, and the 95th percentile of the hourly peaks.
-- Demand is counted: with a seat limit, users beyond it wait (see denials.sql), so peak_seats > seats_owned
-- is the shortfall. Covers the last 400 days of the ledger.
WITH span AS (
    SELECT date_trunc('hour', greatest(min(start_at), max(end_at) - INTERVAL '400' DAY)) AS first_hour,
           date_trunc('hour', max(end_at)) AS last_hour
    FROM seat_sessions
),
owned AS (
    SELECT product, max_by(seats_owned, recorded_at) AS seats_owned
    FROM seat_events
    GROUP BY product
),
hours AS (
    SELECT o.product, h.hour_start
    FROM owned o
    CROSS JOIN span
    CROSS JOIN UNNEST(sequence(span.first_hour, span.last_hour, INTERVAL '1' HOUR)) AS h (hour_start)
),
instants AS (
    SELECT product, hour_start, hour_start AS at FROM hours
    UNION -- distinct: a grant on the hour is one instant, not two
    SELECT s.product, date_trunc('hour', s.start_at) AS hour_start, s.start_at AS at
    FROM seat_sessions s
    CROSS JOIN span
    WHERE s.start_at >= span.first_hour
),
levels AS (
    SELECT i.product, i.hour_start, i.at, count(s.user_id) AS seats
    FROM instants i
    LEFT JOIN seat_sessions s ON s.product = i.product AND s.start_at <= i.at AND i.at < s.end_at
    GROUP BY i.product, i.hour_start, i.at
),
hourly AS (
    SELECT product, hour_start, max(seats) AS peak
    FROM levels
    GROUP BY product, hour_start
),
periods AS (
    SELECT 'hour' AS grain, hour_start AS period_start, product, peak AS peak_seats, peak AS p95_seats FROM hourly
    UNION ALL
    SELECT 'day', date_trunc('day', hour_start), product, max(peak), approx_percentile(peak, 0.95)
    FROM hourly GROUP BY date_trunc('day', hour_start), product
    UNION ALL
    SELECT 'month', date_trunc('month', hour_start), product, max(peak), approx_percentile(peak, 0.95)
    FROM hourly GROUP BY date_trunc('month', hour_start), product
)
SELECT p.grain, p.period_start, p.product, p.peak_seats, p.p95_seats, o.seats_owned
FROM periods p
JOIN owned o ON o.product = p.product
ORDER BY p.grain, p.period_start, p.product
