-- service-map-nodes: every node of the service map with the requests it received.
-- Nodes and calls are defined in service-map-calls.sql (the table `service_map_calls`).
-- requests = calls into the node; errors (4xx, throttles included, as X-Ray counts them),
-- faults (5xx) and throttles (429) count calls with that flag; p50/p99 are the calls'
-- durations, linear-interpolated (QUANTILE_CONT). The `client` node is the sender of the
-- requests that enter root segments; its figures are those requests'.
-- The share of ok/error/fault/throttle requests is in service-map-health.
-- The calls are grouped by node number (`target_node`, `source_node`), and the names joined
-- from `service_map_node_names` to the result: grouping 5.4M calls by two strings took
-- 0.55–0.70 s of this report, by one number 0.20–0.24 s.
-- Flags are counted with COUNT(CASE WHEN flag THEN 1 END): Polars' SQL evaluates the CASE of a
-- SUM(CASE … ELSE 0 END) three times (its sum, null count and length).
WITH by_node AS (
    SELECT
        target_node AS node,
        COUNT(*) AS requests,
        COUNT(CASE WHEN error THEN 1 END) AS errors,
        COUNT(CASE WHEN fault THEN 1 END) AS faults,
        COUNT(CASE WHEN throttle THEN 1 END) AS throttles,
        QUANTILE_CONT(duration_ms, 0.50) AS p50_ms,
        QUANTILE_CONT(duration_ms, 0.99) AS p99_ms
    FROM service_map_calls
    GROUP BY target_node
    UNION ALL
    SELECT
        source_node AS node,
        COUNT(*) AS requests,
        COUNT(CASE WHEN error THEN 1 END) AS errors,
        COUNT(CASE WHEN fault THEN 1 END) AS faults,
        COUNT(CASE WHEN throttle THEN 1 END) AS throttles,
        QUANTILE_CONT(duration_ms, 0.50) AS p50_ms,
        QUANTILE_CONT(duration_ms, 0.99) AS p99_ms
    FROM service_map_calls
    WHERE source_type = 'client'
    GROUP BY source_node
)
SELECT
    n.name AS service,
    n.type AS type,
    b.requests,
    b.errors,
    b.faults,
    b.throttles,
    ROUND(b.p50_ms, 3) AS p50_ms,
    ROUND(b.p99_ms, 3) AS p99_ms
FROM by_node AS b
JOIN service_map_node_names AS n ON b.node = n.node
ORDER BY service, type
