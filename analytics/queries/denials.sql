-- Denials per product and day: users left waiting because every owned seat was taken (one per waiting spell).
SELECT product, date_trunc('day', event_at) AS day, count(*) AS denials, count(DISTINCT user_id) AS users_denied,
       max(seats_owned) AS seats_owned
FROM seat_events
WHERE kind = 'denial'
GROUP BY product, date_trunc('day', event_at)
ORDER BY day, product
