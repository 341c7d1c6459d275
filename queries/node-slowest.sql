-- node-slowest: the 20 slowest requests one service-map node received (by service
-- and type), slowest first, with the trace to investigate each by.
SELECT
    start,
    trace_id,
    source AS caller,
    ROUND(duration_ms, 3) AS duration_ms,
    CASE
        WHEN fault THEN 'fault'
        WHEN throttle THEN 'throttle'
        WHEN error THEN 'error'
        ELSE 'ok'
    END AS status
FROM service_map_calls
WHERE target = '{{service}}' AND target_type = '{{type}}' AND duration_ms IS NOT NULL
ORDER BY duration_ms DESC, start, trace_id
LIMIT 20
