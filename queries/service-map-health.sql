-- service-map-health: the health of each service-map node, as shares of its requests.
-- Same nodes and requests as service-map-nodes. Each request is in exactly one class, the
-- worst it shows: fault (5xx) > throttle (429) > error (other 4xx) > ok, so the four shares
-- add up to 1 (a throttle is also an error in service-map-nodes' `errors`, as X-Ray counts
-- it; here it is only a throttle).
-- Grouped by node number, the names joined to the result (as in service-map-nodes).
-- Flags are counted with COUNT(CASE WHEN flag THEN 1 END): Polars' SQL evaluates the CASE of a
-- SUM(CASE … ELSE 0 END) three times (its sum, null count and length).
WITH classed AS (
    SELECT
        target_node AS node,
        CASE WHEN fault THEN 3 WHEN throttle THEN 2 WHEN error THEN 1 ELSE 0 END AS class
    FROM service_map_calls
    UNION ALL
    SELECT
        source_node AS node,
        CASE WHEN fault THEN 3 WHEN throttle THEN 2 WHEN error THEN 1 ELSE 0 END AS class
    FROM service_map_calls
    WHERE source_type = 'client'
),
by_node AS (
    SELECT
        node,
        COUNT(*) AS requests,
        COUNT(CASE WHEN class = 0 THEN 1 END) AS ok,
        COUNT(CASE WHEN class = 1 THEN 1 END) AS error,
        COUNT(CASE WHEN class = 3 THEN 1 END) AS fault,
        COUNT(CASE WHEN class = 2 THEN 1 END) AS throttle
    FROM classed
    GROUP BY node
)
SELECT
    n.name AS service,
    n.type AS type,
    b.requests,
    ROUND(CAST(b.ok AS DOUBLE) / b.requests, 6) AS ok_share,
    ROUND(CAST(b.error AS DOUBLE) / b.requests, 6) AS error_share,
    ROUND(CAST(b.fault AS DOUBLE) / b.requests, 6) AS fault_share,
    ROUND(CAST(b.throttle AS DOUBLE) / b.requests, 6) AS throttle_share
FROM by_node AS b
JOIN service_map_node_names AS n ON b.node = n.node
ORDER BY service, type
