-- slowest-invocations: the 100 slowest invocations of the window, slowest first, each with
-- the IDs to investigate it by. Ties are broken by start time, then request ID, so the list
-- is stable. {{slowest_cut_ms}} is the duration of the 100th slowest invocation, which
-- Skylens finds first (reading durations only in the row groups whose maximum, in the Parquet
-- footer, is among the 100 largest maxima): rows below it cannot be in the list, and the scan
-- skips the row groups whose maximum is below it (with any lower value, e.g. -1, the result
-- is the same, only slower).
SELECT
    start,
    COALESCE(function, '(unknown)') AS function,
    request_id,
    trace_id,
    duration_ms,
    billed_ms,
    cold,
    status
FROM invocations
WHERE duration_ms IS NOT NULL AND duration_ms >= {{slowest_cut_ms}}
ORDER BY duration_ms DESC, start, request_id
LIMIT 100
