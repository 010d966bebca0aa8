-- One row per seat held: a grant and the release that followed it for the same (product, user). A seat still
-- held is open until the newest record in the ledger (as_of), so results are reproducible from the ledger alone.
WITH changes AS (
    SELECT product, user_id, account, instance_ref, workbench_type, kind, event_at,
           lead(event_at) OVER (PARTITION BY product, user_id ORDER BY event_at, kind) AS next_at
    FROM seat_events
    WHERE kind IN ('grant', 'release')
),
horizon AS (SELECT max(recorded_at) AS as_of FROM seat_events)
SELECT c.product, c.user_id, c.account, c.instance_ref, c.workbench_type,
       c.event_at AS start_at,
       coalesce(c.next_at, h.as_of) AS end_at,
       c.next_at IS NULL AS still_held
FROM changes c
CROSS JOIN horizon h
WHERE c.kind = 'grant'
