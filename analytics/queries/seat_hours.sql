-- Seat-hours per product, broken down by user, by workbench account and by cost centre (the account's entry in
-- account_cost_centres, 'unassigned' without one). A seat still held counts up to the newest ledger record.
WITH held AS (
    SELECT s.product, s.user_id, s.account, coalesce(c.cost_centre, 'unassigned') AS cost_centre,
           date_diff('second', s.start_at, s.end_at) AS seconds
    FROM seat_sessions s
    LEFT JOIN account_cost_centres c ON c.account = s.account
)
SELECT 'user' AS breakdown, user_id AS holder, product, round(sum(seconds) / 3600.0, 3) AS seat_hours, count(*) AS seats_held
FROM held GROUP BY user_id, product
UNION ALL
SELECT 'account', account, product, round(sum(seconds) / 3600.0, 3), count(*)
FROM held GROUP BY account, product
UNION ALL
SELECT 'cost_centre', cost_centre, product, round(sum(seconds) / 3600.0, 3), count(*)
FROM held GROUP BY cost_centre, product
ORDER BY breakdown, product, holder
