-- node-latency-histogram: the latency of the requests one service-map node received, in 10
-- equal-width bins from 0 to its slowest request (the UI's node detail). The node is given by
-- service and type (see service-map-nodes); calls are those of service-map-calls.sql.
-- {{width_ms}} is the bin width: a tenth of the node's slowest call (src/app/views.rs).
SELECT
    ROUND(bin * {{width_ms}}, 3) AS bin_start_ms,
    ROUND((bin + 1) * {{width_ms}}, 3) AS bin_end_ms,
    COUNT(*) AS count
FROM (
    SELECT
        CASE
            WHEN FLOOR(duration_ms / {{width_ms}}) > 9 THEN 9
            ELSE FLOOR(duration_ms / {{width_ms}})
        END AS bin
    FROM service_map_calls
    WHERE target = '{{service}}' AND target_type = '{{type}}' AND duration_ms IS NOT NULL
) AS b
GROUP BY bin
ORDER BY bin_start_ms
