-- service-map-nodes: every node of the service map with the requests it received.
-- Flags are counted with COUNT(CASE WHEN flag THEN 1 END): Polars' SQL evaluates the CASE of a
-- SUM(CASE … ELSE 0 END) three times (its sum, null count and length).
-- Nodes and calls are defined in service-map-calls.sql (the table `service_map_calls`).
-- requests = calls into the node; errors (4xx, throttles included, as X-Ray counts them),
-- faults (5xx) and throttles (429) count calls with that flag; p50/p99 are the calls'
-- durations, linear-interpolated (QUANTILE_CONT). The `client` node is the sender of the
-- requests that enter root segments; its figures are those requests'.
-- The share of ok/error/fault/throttle requests is in service-map-health.
SELECT service, type, requests, errors, faults, throttles, p50_ms, p99_ms
FROM (
    SELECT
        target AS service,
        target_type AS type,
        COUNT(*) AS requests,
        COUNT(CASE WHEN error THEN 1 END) AS errors,
        COUNT(CASE WHEN fault THEN 1 END) AS faults,
        COUNT(CASE WHEN throttle THEN 1 END) AS throttles,
        ROUND(QUANTILE_CONT(duration_ms, 0.50), 3) AS p50_ms,
        ROUND(QUANTILE_CONT(duration_ms, 0.99), 3) AS p99_ms
    FROM service_map_calls
    GROUP BY target, target_type
    UNION ALL
    SELECT
        source AS service,
        source_type AS type,
        COUNT(*) AS requests,
        COUNT(CASE WHEN error THEN 1 END) AS errors,
        COUNT(CASE WHEN fault THEN 1 END) AS faults,
        COUNT(CASE WHEN throttle THEN 1 END) AS throttles,
        ROUND(QUANTILE_CONT(duration_ms, 0.50), 3) AS p50_ms,
        ROUND(QUANTILE_CONT(duration_ms, 0.99), 3) AS p99_ms
    FROM service_map_calls
    WHERE source_type = 'client'
    GROUP BY source, source_type
) AS n
ORDER BY service, type
