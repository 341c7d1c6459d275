-- route-costs: the derived table `route_costs` behind cost-per-route (queries/cost-per-route.sql
-- adds it up): for the traces of one pass, one row per entry point (route, kind) with the
-- requests through it, the invocations of its traces and their estimated Lambda cost in USD
-- (unrounded).
-- Every invocation is priced as in cost-per-function, with the prices of its function and
-- region from the derived table `lambda_rates` (queries/lambda-rates.sql). Its trace
-- (trace_id) is followed to the trace's entry point, and the entry point adds up the cost of
-- every invocation in its traces, async hops (SNS, SQS, EventBridge carrying the same trace)
-- included:
--   kind `api`:      the first API Gateway access log line of the trace (route: the method and
--                    resource path or route key, `POST /orders`), else the trace's first
--                    API Gateway X-Ray segment (route: the method and the URL path);
--   kind `function`: a trace with no API Gateway entry starts at its first invocation's
--                    function (its trigger: a schedule, a queue, a direct invoke); route is
--                    that function's name;
--   kind `untraced`: invocations that carry no trace ID, under their own function.
-- requests = traced requests through the entry point (API access lines or segments with a
-- trace ID, or traces started by the function; for `untraced`, the invocations).
-- "First" is by time; the first invocation of a trace is taken to the millisecond (the
-- resolution of CloudWatch times), invocations of the same millisecond by function name.
-- Passes: {{trace_pass}} is the condition on trace_id that selects the traces of one pass (a
-- range of trace IDs; the first pass also holds the rows without a trace ID; TRUE when the
-- window needs one pass). Skylens runs this query once per pass, about 2M invocations each
-- (src/analysis/route_costs.rs), so its memory is bounded by the pass: every row of a trace
-- is in the same pass, and `lambda_rates` is computed once, from every invocation of the
-- window.
-- How a pass runs fast: every trace is one row of ONE group-by over the invocations, access
-- lines and API segments together (no join of millions of trace IDs); the first invocation
-- is the MIN of a number (start in ms x 1,000,000 + the rank of its function by name,
-- `fn_ranks`: up to 999,999 function names), the first access line or segment the MIN of a
-- zero-padded time followed by the route.
WITH fn_ranks AS (
    -- each function's rank by name (from `lambda_rates`), to pick a trace's first function in
    -- one MIN (below)
    SELECT DISTINCT function, fn_rank
    FROM lambda_rates
),
priced AS (
    -- every invocation with its estimated cost, as cost-per-function prices it, and a sort
    -- key: its start (ms) then its function's rank; MIN(first_key) is a trace's first
    -- invocation and first_key % 1000000 the rank of its function
    SELECT
        i.trace_id,
        CASE WHEN i.trace_id IS NULL THEN r.function END AS untraced_function,
        CAST(i.billed AS DOUBLE) / 1000.0 * i.memory_mb / 1024.0 * r.gb_price + r.request_price AS usd,
        i.at_ms * 1000000 + r.fn_rank AS first_key
    FROM (
        SELECT
            COALESCE(function_key, 0) AS function_key,
            COALESCE(region, '') AS region,
            trace_id,
            -- ms since 1970, kept within 0..9e12 so that the key below cannot overflow
            LEAST(GREATEST(COALESCE(CAST(start AS BIGINT) // 1000, 9000000000000), 0), 9000000000000) AS at_ms,
            CAST(CEIL(COALESCE(billed_ms, duration_ms, 0.0)) AS BIGINT) AS billed,
            COALESCE(memory_mb, 0) AS memory_mb
        FROM invocations
        WHERE {{trace_pass}}
    ) AS i
    -- (by `function_key`: the function names are not read here; the rate names them)
    JOIN lambda_rates AS r ON i.function_key = r.function_key AND i.region = r.region
),
traced AS (
    -- one row per trace: its invocations and their cost, the key of its first invocation,
    -- and the keys of its first access line and first API Gateway segment; a zero-padded
    -- time prefix makes MIN pick the earliest line's route (ties: the first route by name)
    SELECT
        trace_id,
        SUM(invocations) AS invocations,
        SUM(usd) AS usd,
        MIN(first_key) AS first_key,
        MIN(access_key) AS access_key,
        MIN(segment_key) AS segment_key
    FROM (
        SELECT trace_id, 1 AS invocations, usd, first_key,
            CAST(NULL AS VARCHAR) AS access_key, CAST(NULL AS VARCHAR) AS segment_key
        FROM priced
        WHERE trace_id IS NOT NULL
        UNION ALL
        SELECT trace_id, 0 AS invocations, 0.0 AS usd, CAST(NULL AS BIGINT) AS first_key,
            CONCAT(LPAD(CAST(at AS VARCHAR), 20, '0'), route) AS access_key,
            CAST(NULL AS VARCHAR) AS segment_key
        FROM (
            SELECT
                trace_id,
                COALESCE(CAST(ts AS BIGINT), 9223372036854775807) AS at,
                CASE
                    WHEN message IS NULL THEN '(unknown route)'
                    WHEN REGEXP_LIKE(message, ' [0-9]{3}$') THEN LEFT(message, LENGTH(message) - 4)
                    ELSE message
                END AS route
            FROM logs
            WHERE kind = 'access' AND trace_id IS NOT NULL AND {{trace_pass}}
        ) AS l
        UNION ALL
        SELECT trace_id, 0 AS invocations, 0.0 AS usd, CAST(NULL AS BIGINT) AS first_key,
            CAST(NULL AS VARCHAR) AS access_key,
            CONCAT(LPAD(CAST(at AS VARCHAR), 20, '0'), route) AS segment_key
        FROM (
            SELECT
                trace_id,
                COALESCE(CAST(start AS BIGINT), 9223372036854775807) AS at,
                CONCAT_WS(' ', http_method, CASE
                    WHEN http_url IS NULL THEN name
                    WHEN STRPOS(SUBSTR(http_url, STRPOS(http_url, '//') + 2), '/') = 0 THEN '/'
                    ELSE SPLIT_PART(SUBSTR(SUBSTR(http_url, STRPOS(http_url, '//') + 2),
                         STRPOS(SUBSTR(http_url, STRPOS(http_url, '//') + 2), '/')), '?', 1)
                END) AS route
            FROM spans
            WHERE kind = 'segment' AND origin = 'AWS::ApiGateway::Stage' AND trace_id IS NOT NULL
                AND {{trace_pass}}
        ) AS s
    ) AS u
    GROUP BY trace_id
),
entry AS (
    -- a trace enters through its first access line, else its first API Gateway segment,
    -- else its first invocation's function
    SELECT
        SUBSTR(COALESCE(t.access_key, t.segment_key), 21) AS api_route,
        CAST(NULL AS VARCHAR) AS untraced_function,
        t.first_key % 1000000 AS first_rank,
        1 AS requests,
        t.invocations,
        t.usd
    FROM traced AS t
    UNION ALL
    -- invocations without a trace ID, under their own function
    SELECT
        CAST(NULL AS VARCHAR) AS api_route,
        untraced_function,
        CAST(NULL AS BIGINT) AS first_rank,
        COUNT(*) AS requests,
        COUNT(*) AS invocations,
        SUM(usd) AS usd
    FROM priced
    WHERE trace_id IS NULL
    GROUP BY untraced_function
),
routes AS (
    SELECT
        COALESCE(e.api_route, e.untraced_function, k.function) AS route,
        CASE
            WHEN e.api_route IS NOT NULL THEN 'api'
            WHEN e.untraced_function IS NOT NULL THEN 'untraced'
            ELSE 'function'
        END AS kind,
        SUM(e.requests) AS requests,
        SUM(e.invocations) AS invocations,
        SUM(e.usd) AS usd
    FROM entry AS e
    LEFT JOIN fn_ranks AS k ON e.first_rank = k.fn_rank
    GROUP BY 1, 2
)
SELECT route, kind, requests, invocations, usd
FROM routes
