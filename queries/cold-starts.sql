-- cold-starts: per-function cold-start rate and cost.
-- A cold start is an invocation with an init (Init Duration / initDurationMs / Powertools
-- cold_start / X-Ray Initialization) or a SnapStart restore. For a restore, the restore
-- duration stands in for the init duration. Suppressed inits (re-init after a timeout or an
-- out-of-memory end) are not cold starts.
SELECT
    function,
    COUNT(*) AS invocations,
    SUM(is_cold) AS cold_starts,
    ROUND(CAST(SUM(is_cold) AS DOUBLE) / COUNT(*), 6) AS cold_start_rate,
    ROUND(QUANTILE_CONT(cold_init_ms, 0.50), 3) AS init_p50_ms,
    ROUND(QUANTILE_CONT(cold_init_ms, 0.99), 3) AS init_p99_ms,
    ROUND(MAX(cold_init_ms), 3) AS init_max_ms,
    ROUND(QUANTILE_CONT(cold_duration_ms, 0.50), 3) AS cold_p50_ms,
    ROUND(QUANTILE_CONT(warm_duration_ms, 0.50), 3) AS warm_p50_ms
FROM (
    SELECT
        COALESCE(function, '(unknown)') AS function,
        CASE WHEN cold THEN 1 ELSE 0 END AS is_cold,
        CASE WHEN cold THEN COALESCE(init_ms, restore_ms) ELSE NULL END AS cold_init_ms,
        CASE WHEN cold THEN duration_ms ELSE NULL END AS cold_duration_ms,
        CASE WHEN cold THEN NULL ELSE duration_ms END AS warm_duration_ms
    FROM invocations
) AS t
GROUP BY function
ORDER BY function
