-- service-map-edges: every edge of the service map (calls from one node to another).
-- Nodes and calls are defined in service-map-calls.sql (the table `service_map_calls`).
-- requests = calls on the edge; errors (4xx, throttles included), faults (5xx) and
-- throttles (429) count calls with that flag; p50/p99 are the calls' durations,
-- linear-interpolated (QUANTILE_CONT). Calls whose caller is not in the workspace are on no
-- edge (their node still counts them).
SELECT
    source,
    source_type,
    target,
    target_type,
    COUNT(*) AS requests,
    SUM(CASE WHEN error THEN 1 ELSE 0 END) AS errors,
    SUM(CASE WHEN fault THEN 1 ELSE 0 END) AS faults,
    SUM(CASE WHEN throttle THEN 1 ELSE 0 END) AS throttles,
    ROUND(QUANTILE_CONT(duration_ms, 0.50), 3) AS p50_ms,
    ROUND(QUANTILE_CONT(duration_ms, 0.99), 3) AS p99_ms
FROM service_map_calls
WHERE source IS NOT NULL
GROUP BY source, source_type, target, target_type
ORDER BY source, source_type, target, target_type
