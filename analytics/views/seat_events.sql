-- The seat ledger with one row per record_id (replays and duplicate deliveries removed) and its times as UTC
-- timestamps (without zone: Glue views cannot hold a zoned timestamp).
SELECT record_id, kind, product, user_id, account, region, instance_ref, workbench_type,
       CAST(from_iso8601_timestamp(event_time) AS timestamp) AS event_at,
       CAST(from_iso8601_timestamp(recorded_time) AS timestamp) AS recorded_at,
       reason, seats_owned, annual_cost_per_seat
FROM (
    SELECT l.*, row_number() OVER (PARTITION BY record_id ORDER BY recorded_time, dt) AS copy_number
    FROM seat_ledger l
) numbered
WHERE copy_number = 1
