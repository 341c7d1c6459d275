-- cost-per-route: the estimated Lambda cost of each entry point (API route or trigger).
-- Every invocation is priced as in cost-per-function. Its trace (trace_id) is followed to the
-- trace's entry point, and the entry point adds up the cost of every invocation in its
-- traces, async hops (SNS, SQS, EventBridge carrying the same trace) included:
--   kind `api`:      the first API Gateway access log line of the trace (route: the method and
--                    resource path or route key, `POST /orders`), else the trace's first
--                    API Gateway X-Ray segment (route: the method and the URL path);
--   kind `function`: a trace with no API Gateway entry starts at its first invocation's
--                    function (its trigger: a schedule, a queue, a direct invoke); route is
--                    that function's name;
--   kind `untraced`: invocations that carry no trace ID, under their own function.
-- requests = traced requests through the entry point (API access lines or segments with a
-- trace ID, or traces started by the function; for `untraced`, the invocations);
-- usd_per_million = est_total_usd per million requests. The routes add up to the total of
-- cost-per-function.
WITH one_region AS (
    SELECT function, MIN(region) AS region
    FROM invocations
    WHERE region IS NOT NULL
    GROUP BY function
    HAVING COUNT(DISTINCT region) = 1
),
inv AS (
    SELECT
        COALESCE(i.function, '(unknown)') AS function,
        i.trace_id,
        i.start,
        i.request_id,
        COALESCE(i.region, r.region, '*') AS region,
        COALESCE(a.architecture, '{{default_arch}}') AS architecture,
        COALESCE(i.billed_ms, CEIL(i.duration_ms), 0.0) / 1000.0 * COALESCE(i.memory_mb, 0) / 1024.0 AS gb_s
    FROM invocations AS i
    LEFT JOIN one_region AS r ON i.function = r.function
    LEFT JOIN lambda_arch AS a ON i.function = a.function
),
fallback AS (
    SELECT architecture, usd_per_gb_s AS any_gb_s, usd_per_request AS any_request
    FROM lambda_prices
    WHERE region = '*'
),
priced AS (
    SELECT
        inv.function,
        inv.trace_id,
        inv.start,
        inv.request_id,
        inv.gb_s * COALESCE(p.usd_per_gb_s, f.any_gb_s) + COALESCE(p.usd_per_request, f.any_request) AS usd
    FROM inv
    LEFT JOIN lambda_prices AS p ON inv.region = p.region AND inv.architecture = p.architecture
    LEFT JOIN fallback AS f ON inv.architecture = f.architecture
),
access AS (
    SELECT trace_id, route
    FROM (
        SELECT
            trace_id,
            CASE
                WHEN message IS NULL THEN '(unknown route)'
                WHEN REGEXP_LIKE(message, ' [0-9]{3}$') THEN LEFT(message, LENGTH(message) - 4)
                ELSE message
            END AS route,
            ROW_NUMBER() OVER (PARTITION BY trace_id ORDER BY ts, event_id) AS rn
        FROM logs
        WHERE kind = 'access' AND trace_id IS NOT NULL
    ) AS t
    WHERE rn = 1
),
api_segment AS (
    SELECT trace_id, route
    FROM (
        SELECT
            trace_id,
            CONCAT_WS(' ', http_method, CASE
                WHEN http_url IS NULL THEN name
                WHEN STRPOS(SUBSTR(http_url, STRPOS(http_url, '//') + 2), '/') = 0 THEN '/'
                ELSE SPLIT_PART(SUBSTR(SUBSTR(http_url, STRPOS(http_url, '//') + 2),
                     STRPOS(SUBSTR(http_url, STRPOS(http_url, '//') + 2), '/')), '?', 1)
            END) AS route,
            ROW_NUMBER() OVER (PARTITION BY trace_id ORDER BY start, id) AS rn
        FROM spans
        WHERE kind = 'segment' AND origin = 'AWS::ApiGateway::Stage'
    ) AS t
    WHERE rn = 1
),
first_function AS (
    SELECT trace_id, function
    FROM (
        SELECT trace_id, function, ROW_NUMBER() OVER (PARTITION BY trace_id ORDER BY start, request_id) AS rn
        FROM priced
        WHERE trace_id IS NOT NULL
    ) AS t
    WHERE rn = 1
),
traces AS (
    SELECT trace_id FROM access
    UNION
    SELECT trace_id FROM api_segment
    UNION
    SELECT trace_id FROM first_function
),
per_trace AS (
    SELECT trace_id, COUNT(*) AS invocations, SUM(usd) AS usd
    FROM priced
    WHERE trace_id IS NOT NULL
    GROUP BY trace_id
),
entry AS (
    SELECT
        COALESCE(a.route, s.route, f.function) AS route,
        CASE WHEN a.route IS NOT NULL OR s.route IS NOT NULL THEN 'api' ELSE 'function' END AS kind,
        COALESCE(p.invocations, 0) AS invocations,
        COALESCE(p.usd, 0.0) AS usd
    FROM traces AS t
    LEFT JOIN access AS a ON t.trace_id = a.trace_id
    LEFT JOIN api_segment AS s ON t.trace_id = s.trace_id
    LEFT JOIN first_function AS f ON t.trace_id = f.trace_id
    LEFT JOIN per_trace AS p ON t.trace_id = p.trace_id
),
routes AS (
    SELECT route, kind, COUNT(*) AS requests, SUM(invocations) AS invocations, SUM(usd) AS usd
    FROM entry
    GROUP BY route, kind
    UNION ALL
    SELECT function AS route, 'untraced' AS kind, COUNT(*) AS requests, COUNT(*) AS invocations, SUM(usd) AS usd
    FROM priced
    WHERE trace_id IS NULL
    GROUP BY function
)
SELECT
    route,
    kind,
    requests,
    invocations,
    ROUND(usd, 6) AS est_total_usd,
    ROUND(usd / requests * 1000000.0, 6) AS usd_per_million
FROM routes
ORDER BY est_total_usd DESC, route, kind
