-- latency: per-function invocation latency and errors.
-- Percentiles are linear-interpolated between closest ranks (NumPy default, DuckDB quantile_cont).
-- An error is any invocation whose status is not `success` (error or timeout).
-- Grouped by `function_key` (a number per function name, stored with every invocation) and
-- named from the table `function_names` after the grouping, '(unknown)' for invocations with
-- no name: hashing a number per row costs far less than hashing a name (10M invocations:
-- see BENCHMARKS.md; the per-function reports in `queries/` all do so).
SELECT
    COALESCE(n.function, '(unknown)') AS function,
    invocations,
    p50_ms,
    p90_ms,
    p99_ms,
    max_ms,
    errors,
    ROUND(CAST(errors AS DOUBLE) / invocations, 6) AS error_rate
FROM (
    SELECT
        function_key,
        COUNT(*) AS invocations,
        ROUND(QUANTILE_CONT(duration_ms, 0.50), 3) AS p50_ms,
        ROUND(QUANTILE_CONT(duration_ms, 0.90), 3) AS p90_ms,
        ROUND(QUANTILE_CONT(duration_ms, 0.99), 3) AS p99_ms,
        ROUND(MAX(duration_ms), 3) AS max_ms,
        SUM(is_error) AS errors
    FROM (
        SELECT function_key, duration_ms, CASE WHEN status = 'success' THEN 0 ELSE 1 END AS is_error
        FROM invocations
    ) AS i
    GROUP BY function_key
) AS t
LEFT JOIN function_names AS n ON t.function_key = n.function_key
ORDER BY function
