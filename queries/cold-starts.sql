-- cold-starts: per-function cold-start rate and cost.
-- A cold start is an invocation with an init (Init Duration / initDurationMs / Powertools
-- cold_start / X-Ray Initialization) or a SnapStart restore. For a restore, the restore
-- duration stands in for the init duration. Suppressed inits (re-init after a timeout or an
-- out-of-memory end) are not cold starts.
-- The counts, the cold starts' figures and the warm invocations' median are three group-bys
-- joined by function: the percentiles then hold only the values they rank (the cold starts
-- are a few percent of the invocations), not a column per figure for every invocation.
-- The group-bys group `function_key` (as `latency`; invocations with no function name are
-- key 0 here, so the three parts of that group meet), the names come from `function_names`
-- at the end, and the counts use COUNT(CASE …) rather than SUM(CASE … ELSE 0).
WITH counts AS (
    SELECT COALESCE(function_key, 0) AS function_key, invocations, cold_starts
    FROM (
        SELECT function_key, COUNT(*) AS invocations, COUNT(CASE WHEN cold THEN 1 END) AS cold_starts
        FROM invocations
        GROUP BY function_key
    ) AS g
),
cold AS (
    SELECT
        function_key,
        QUANTILE_CONT(init_ms, 0.50) AS init_p50_ms,
        QUANTILE_CONT(init_ms, 0.99) AS init_p99_ms,
        MAX(init_ms) AS init_max_ms,
        QUANTILE_CONT(duration_ms, 0.50) AS cold_p50_ms
    FROM (
        SELECT
            COALESCE(function_key, 0) AS function_key,
            COALESCE(init_ms, restore_ms) AS init_ms,
            duration_ms
        FROM invocations
        WHERE cold
    ) AS c
    GROUP BY function_key
),
warm AS (
    SELECT COALESCE(function_key, 0) AS function_key, warm_p50_ms
    FROM (
        SELECT function_key, QUANTILE_CONT(duration_ms, 0.50) AS warm_p50_ms
        FROM invocations
        WHERE cold IS NULL OR NOT cold
        GROUP BY function_key
    ) AS g
)
SELECT
    COALESCE(n.function, '(unknown)') AS function,
    c.invocations,
    c.cold_starts,
    ROUND(CAST(c.cold_starts AS DOUBLE) / c.invocations, 6) AS cold_start_rate,
    ROUND(k.init_p50_ms, 3) AS init_p50_ms,
    ROUND(k.init_p99_ms, 3) AS init_p99_ms,
    ROUND(k.init_max_ms, 3) AS init_max_ms,
    ROUND(k.cold_p50_ms, 3) AS cold_p50_ms,
    ROUND(w.warm_p50_ms, 3) AS warm_p50_ms
FROM counts AS c
LEFT JOIN cold AS k ON c.function_key = k.function_key
LEFT JOIN warm AS w ON c.function_key = w.function_key
LEFT JOIN function_names AS n ON c.function_key = n.function_key
ORDER BY function
