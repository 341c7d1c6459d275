-- slowest-invocations: the 100 slowest invocations of the window, slowest first, each with
-- the IDs to investigate it by. Ties are broken by start time, then request ID, so the list
-- is stable.
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
WHERE duration_ms IS NOT NULL
ORDER BY duration_ms DESC, start, request_id
LIMIT 100
