-- service-map-health: the health of each service-map node, as shares of its requests.
-- Flags are counted with COUNT(CASE WHEN flag THEN 1 END): Polars' SQL evaluates the CASE of a
-- SUM(CASE … ELSE 0 END) three times (its sum, null count and length).
-- Same nodes and requests as service-map-nodes. Each request is in exactly one class, the
-- worst it shows: fault (5xx) > throttle (429) > error (other 4xx) > ok, so the four shares
-- add up to 1 (a throttle is also an error in service-map-nodes' `errors`, as X-Ray counts
-- it; here it is only a throttle).
WITH classed AS (
    SELECT
        target AS service,
        target_type AS type,
        CASE WHEN fault THEN 3 WHEN throttle THEN 2 WHEN error THEN 1 ELSE 0 END AS class
    FROM service_map_calls
    UNION ALL
    SELECT
        source AS service,
        source_type AS type,
        CASE WHEN fault THEN 3 WHEN throttle THEN 2 WHEN error THEN 1 ELSE 0 END AS class
    FROM service_map_calls
    WHERE source_type = 'client'
)
SELECT
    service,
    type,
    COUNT(*) AS requests,
    ROUND(CAST(COUNT(CASE WHEN class = 0 THEN 1 END) AS DOUBLE) / COUNT(*), 6) AS ok_share,
    ROUND(CAST(COUNT(CASE WHEN class = 1 THEN 1 END) AS DOUBLE) / COUNT(*), 6) AS error_share,
    ROUND(CAST(COUNT(CASE WHEN class = 3 THEN 1 END) AS DOUBLE) / COUNT(*), 6) AS fault_share,
    ROUND(CAST(COUNT(CASE WHEN class = 2 THEN 1 END) AS DOUBLE) / COUNT(*), 6) AS throttle_share
FROM classed
GROUP BY service, type
ORDER BY service, type
