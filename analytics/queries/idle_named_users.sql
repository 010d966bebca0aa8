-- Named users who have held no seat of a product for at least 30 days (the 30 in WHERE), as of the newest
-- ledger record: candidates for removal from a named-user licence. Whole days, from seconds (date_diff('day')
-- counts calendar boundaries in DuckDB but whole days in Athena).
WITH horizon AS (SELECT max(recorded_at) AS as_of FROM seat_events),
last_use AS (
    SELECT product, user_id, max(end_at) AS last_seat_at
    FROM seat_sessions
    GROUP BY product, user_id
)
SELECT l.product, l.user_id, l.last_seat_at, CAST(floor(date_diff('second', l.last_seat_at, h.as_of) / 86400.0) AS INTEGER) AS idle_days
FROM last_use l
CROSS JOIN horizon h
WHERE date_diff('second', l.last_seat_at, h.as_of) >= 30 * 86400
ORDER BY idle_days DESC, l.product, l.user_id
