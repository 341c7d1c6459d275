-- latency: per-function invocation latency and errors.
-- Percentiles are linear-interpolated between closest ranks (NumPy default, DuckDB quantile_cont).
-- An error is any invocation whose status is not `success` (error or timeout).
SELECT
    function,
    COUNT(*) AS invocations,
    ROUND(QUANTILE_CONT(duration_ms, 0.50), 3) AS p50_ms,
    ROUND(QUANTILE_CONT(duration_ms, 0.90), 3) AS p90_ms,
    ROUND(QUANTILE_CONT(duration_ms, 0.99), 3) AS p99_ms,
    ROUND(MAX(duration_ms), 3) AS max_ms,
    SUM(is_error) AS errors,
    ROUND(CAST(SUM(is_error) AS DOUBLE) / COUNT(*), 6) AS error_rate
FROM (
    SELECT
        COALESCE(function, '(unknown)') AS function,
        duration_ms,
        CASE WHEN status = 'success' THEN 0 ELSE 1 END AS is_error
    FROM invocations
) AS t
GROUP BY function
ORDER BY function
