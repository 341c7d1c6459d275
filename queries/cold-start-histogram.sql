-- cold-start-histogram: init durations of cold starts, per function, in fixed-width bins.
-- {{bin_ms}} is the bin width in milliseconds (`--bin-ms`, default 100). Empty bins are omitted.
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
    WHERE cold AND COALESCE(init_ms, restore_ms) IS NOT NULL
) AS t
GROUP BY function, bin_start_ms
ORDER BY function, bin_start_ms
