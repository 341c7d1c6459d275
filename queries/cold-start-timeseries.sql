-- cold-start-timeseries: per-function cold starts over time.
-- Buckets as in latency-timeseries ({{bucket_us}}: `--bucket 5m`, or chosen from the window),
-- aligned to multiples of their width since 1970-01-01 UTC; buckets with no invocation are
-- omitted. A cold start is counted as in `cold-starts` (suppressed inits are not cold).
SELECT
    bucket_start,
    function,
    COUNT(*) AS invocations,
    SUM(is_cold) AS cold_starts,
    ROUND(CAST(SUM(is_cold) AS DOUBLE) / COUNT(*), 6) AS cold_start_rate
FROM (
    SELECT
        CAST(DIV(CAST(start AS BIGINT), {{bucket_us}}) * {{bucket_us}} AS TIMESTAMP) AS bucket_start,
        COALESCE(function, '(unknown)') AS function,
        CASE WHEN cold THEN 1 ELSE 0 END AS is_cold
    FROM invocations
    WHERE start IS NOT NULL
) AS t
GROUP BY bucket_start, function
ORDER BY bucket_start, function
