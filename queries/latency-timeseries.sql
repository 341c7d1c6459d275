-- latency-timeseries: per-function latency percentiles over time.
-- {{bucket_us}} is the bucket width in microseconds: `--bucket 5m`, or chosen from the window
-- (1m, 5m, 15m, 1h, 6h or 1d: the narrowest giving at most 200 buckets). Buckets are aligned
-- to multiples of their width since 1970-01-01 UTC (so 1d buckets start at midnight UTC).
-- Buckets with no invocation are omitted; invocations with no known start are in no bucket.
-- Percentiles are linear-interpolated between closest ranks (as `latency`).
-- Grouped by `function_key`, named from `function_names` after the grouping (as `latency`).
SELECT
    bucket_start,
    COALESCE(n.function, '(unknown)') AS function,
    invocations,
    p50_ms,
    p90_ms,
    p99_ms
FROM (
    SELECT
        bucket_start,
        function_key,
        COUNT(*) AS invocations,
        ROUND(QUANTILE_CONT(duration_ms, 0.50), 3) AS p50_ms,
        ROUND(QUANTILE_CONT(duration_ms, 0.90), 3) AS p90_ms,
        ROUND(QUANTILE_CONT(duration_ms, 0.99), 3) AS p99_ms
    FROM (
        SELECT
            CAST(DIV(CAST(start AS BIGINT), {{bucket_us}}) * {{bucket_us}} AS TIMESTAMP) AS bucket_start,
            function_key,
            duration_ms
        FROM invocations
        WHERE start IS NOT NULL
    ) AS i
    GROUP BY bucket_start, function_key
) AS t
LEFT JOIN function_names AS n ON t.function_key = n.function_key
ORDER BY bucket_start, function
