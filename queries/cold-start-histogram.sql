-- cold-start-histogram: init durations of cold starts, per function, in fixed-width bins.
-- {{bin_ms}} is the bin width in milliseconds (`--bin-ms`, default 100). Empty bins are omitted.
-- A restore (SnapStart) counts its restore duration; a cold start with neither figure has no
-- bin and is left out.
-- The scan filters on `cold` alone, so the Parquet reader reads the other columns for the cold
-- starts only (a few percent of the invocations); the figure's test comes after, on the bin.
-- With both tests in the scan's WHERE it read every row's init and restore durations: 55-68
-- -> 31-34 ms at 10M invocations (BENCHMARKS.md, session 12).
SELECT
    function,
    bin_start_ms,
    bin_start_ms + {{bin_ms}} AS bin_end_ms,
    COUNT(*) AS "count"
FROM (
    SELECT
        COALESCE(function, '(unknown)') AS function,
        FLOOR(COALESCE(init_ms, restore_ms) / {{bin_ms}}) * {{bin_ms}} AS bin_start_ms
    FROM invocations
    WHERE cold
) AS t
WHERE bin_start_ms IS NOT NULL
GROUP BY function, bin_start_ms
ORDER BY function, bin_start_ms
