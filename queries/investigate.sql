-- investigate: the timeline of one request (`skylens investigate ID`).
-- Skylens first resolves the ID to every row of the request (see src/analysis/investigate.rs:
-- ID -> traces -> every span and Lambda request ID in them -> every log line, following
-- correlation IDs too) and registers only those rows as `logs`, `spans` and `invocations`.
-- This query lays them out as one table, oldest first:
--   source `logs`:        kind is the level of an application line (INFO, ERROR, ...), or
--                         `platform` / `access` / `app` (no level); status `error` on
--                         ERROR/FATAL/CRITICAL lines; service is the emitting service
--                         (Powertools `service`, else the function), else the log group.
--   source `spans`:       kind is the span kind (segment, subsegment, inferred, trace); service
--                         is the segment the span belongs to; status is fault > throttle >
--                         error > in_progress > ok; message names the span, its origin, the AWS
--                         operation and resource, the HTTP call and the cause.
--   source `invocations`: one row per Lambda invocation, at its start; kind `invocation`;
--                         status success/error/timeout; message: cold or warm, billed
--                         duration, memory.
WITH seg AS (
    SELECT trace_id, id, name FROM spans WHERE kind IN ('segment', 'inferred')
),
timeline AS (
    SELECT
        ts,
        'logs' AS source,
        COALESCE(service, log_group) AS service,
        CASE WHEN kind = 'app' THEN COALESCE(level, 'app') ELSE kind END AS kind,
        request_id,
        trace_id,
        CAST(NULL AS DOUBLE) AS duration_ms,
        CASE WHEN level IN ('ERROR', 'FATAL', 'CRITICAL') THEN 'error' ELSE NULL END AS status,
        message
    FROM logs
    UNION ALL
    SELECT
        s.start AS ts,
        'spans' AS source,
        COALESCE(g.name, s.name) AS service,
        s.kind,
        s.request_id,
        s.trace_id,
        s.duration_ms,
        CASE
            WHEN s.fault THEN 'fault'
            WHEN s.throttle THEN 'throttle'
            WHEN s.error THEN 'error'
            WHEN s.in_progress THEN 'in_progress'
            ELSE 'ok'
        END AS status,
        CONCAT_WS(' ',
            s.name,
            CASE WHEN s.kind <> 'subsegment' AND s.origin IS NOT NULL THEN CONCAT('(', s.origin, ')') END,
            s.aws_operation,
            s.resource,
            s.http_method,
            s.http_url,
            CASE WHEN s.http_status IS NOT NULL THEN CONCAT('HTTP ', CAST(s.http_status AS VARCHAR)) END,
            s.cause
        ) AS message
    FROM spans AS s
    LEFT JOIN seg AS g ON s.trace_id = g.trace_id AND s.segment_id = g.id
    UNION ALL
    SELECT
        start AS ts,
        'invocations' AS source,
        function AS service,
        'invocation' AS kind,
        request_id,
        trace_id,
        duration_ms,
        status,
        CONCAT_WS('; ',
            CASE
                WHEN cold THEN CONCAT('cold start (', COALESCE(cold_kind, 'init'), ' ',
                    CAST(ROUND(COALESCE(init_ms, restore_ms), 3) AS VARCHAR), ' ms)')
                WHEN NOT cold THEN 'warm'
            END,
            CASE WHEN billed_ms IS NOT NULL THEN CONCAT('billed ', CAST(billed_ms AS VARCHAR), ' ms') END,
            CASE WHEN memory_mb IS NOT NULL THEN CONCAT('memory ', CAST(max_memory_mb AS VARCHAR), '/', CAST(memory_mb AS VARCHAR), ' MB') END
        ) AS message
    FROM invocations
)
SELECT ts, source, service, kind, request_id, trace_id, duration_ms, status, message
FROM timeline
ORDER BY ts ASC NULLS LAST, source, service, kind, message
