-- cold-starts: per-function cold-start rate and cost.
-- A cold start is an invocation with an init (Init Duration / initDurationMs / Powertools
-- cold_start / X-Ray Initialization) or a SnapStart restore. For a restore, the restore
-- duration stands in for the init duration. Suppressed inits (re-init after a timeout or an
-- out-of-memory end) are not cold starts.
-- Two group-bys, joined by function: the cold starts (their count and figures) and the warm
-- invocations (their count and median); a function's invocations are the two counts added.
-- So the percentiles hold only the values they rank (the cold starts are a few percent of the
-- invocations), not a column per figure for every invocation, and the invocations are read
-- twice, not three times: a third group-by for the counts alone took 80 of 390 ms at 10M
-- invocations (and the report's peak memory went 790 -> 470 MB without it).
-- The group-bys group `function_key` (as `latency`; invocations with no function name are
-- key 0 here, so the two parts of that group meet), and the names come from `function_names`
-- at the end. A function with only cold or only warm invocations has a row in one part only:
-- hence the FULL JOIN and the COALESCEs.
WITH cold AS (
    SELECT
        function_key,
        COUNT(*) AS cold_starts,
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
    SELECT COALESCE(function_key, 0) AS function_key, warm, warm_p50_ms
    FROM (
        SELECT function_key, COUNT(*) AS warm, QUANTILE_CONT(duration_ms, 0.50) AS warm_p50_ms
        FROM invocations
        WHERE cold IS NULL OR NOT cold
        GROUP BY function_key
    ) AS g
),
joined AS (
    SELECT
        COALESCE(w.function_key, k.function_key) AS function_key,
        COALESCE(w.warm, 0) + COALESCE(k.cold_starts, 0) AS invocations,
        COALESCE(k.cold_starts, 0) AS cold_starts,
        k.init_p50_ms,
        k.init_p99_ms,
        k.init_max_ms,
        k.cold_p50_ms,
        w.warm_p50_ms
    FROM warm AS w
    FULL JOIN cold AS k ON w.function_key = k.function_key
)
SELECT
    COALESCE(n.function, '(unknown)') AS function,
    c.invocations,
    c.cold_starts,
    ROUND(CAST(c.cold_starts AS DOUBLE) / c.invocations, 6) AS cold_start_rate,
    ROUND(c.init_p50_ms, 3) AS init_p50_ms,
    ROUND(c.init_p99_ms, 3) AS init_p99_ms,
    ROUND(c.init_max_ms, 3) AS init_max_ms,
    ROUND(c.cold_p50_ms, 3) AS cold_p50_ms,
    ROUND(c.warm_p50_ms, 3) AS warm_p50_ms
FROM joined AS c
LEFT JOIN function_names AS n ON c.function_key = n.function_key
ORDER BY function
