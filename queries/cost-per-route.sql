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
WITH by_region AS (
    -- invocations and billed GB-seconds per function and region
    SELECT function, region, COUNT(*) AS n, SUM(gb_s) AS gb_s
    FROM (
        SELECT
            COALESCE(function, '(unknown)') AS function,
            COALESCE(region, '') AS region,
            COALESCE(billed_ms, CEIL(duration_ms), 0.0) / 1000.0 * COALESCE(memory_mb, 0) / 1024.0 AS gb_s
        FROM invocations
    ) AS i
    GROUP BY function, region
),
one_region AS (
    -- the region of a function seen in exactly one region
    SELECT function, MIN(region) AS region
    FROM by_region
    WHERE region <> ''
    GROUP BY function
    HAVING COUNT(*) = 1
),
fallback AS (
    SELECT architecture, usd_per_gb_s AS any_gb_s, usd_per_request AS any_request
    FROM lambda_prices
    WHERE region = '*'
),
rates AS (
    -- the prices of each function and region
    SELECT
        b.function,
        b.region,
        b.n,
        b.gb_s,
        COALESCE(p.usd_per_gb_s, f.any_gb_s) AS gb_price,
        COALESCE(p.usd_per_request, f.any_request) AS request_price
    FROM (
        SELECT
            b.function,
            b.region,
            b.n,
            b.gb_s,
            CASE WHEN b.region <> '' THEN b.region ELSE COALESCE(r.region, '*') END AS price_region,
            COALESCE(a.architecture, '{{default_arch}}') AS architecture
        FROM by_region AS b
        LEFT JOIN one_region AS r ON b.function = r.function
        LEFT JOIN lambda_arch AS a ON b.function = a.function
    ) AS b
    LEFT JOIN lambda_prices AS p ON b.price_region = p.region AND b.architecture = p.architecture
    LEFT JOIN fallback AS f ON b.architecture = f.architecture
),
priced AS (
    -- every invocation with its estimated cost
    SELECT i.function, i.trace_id, i.start, i.gb_s * r.gb_price + r.request_price AS usd
    FROM (
        SELECT
            COALESCE(function, '(unknown)') AS function,
            COALESCE(region, '') AS region,
            trace_id,
            start,
            COALESCE(billed_ms, CEIL(duration_ms), 0.0) / 1000.0 * COALESCE(memory_mb, 0) / 1024.0 AS gb_s
        FROM invocations
    ) AS i
    JOIN rates AS r ON i.function = r.function AND i.region = r.region
),
access AS (
    -- the first access line of each trace (ties: the first route by name). A zero-padded
    -- time prefix makes MIN pick the earliest line's route in one pass.
    SELECT trace_id, SUBSTR(MIN(CONCAT(LPAD(CAST(at AS VARCHAR), 20, '0'), route)), 21) AS route
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
        WHERE kind = 'access' AND trace_id IS NOT NULL
    ) AS l
    GROUP BY trace_id
),
api_segment AS (
    -- the first API Gateway segment of each trace: its method and URL path
    SELECT trace_id, SUBSTR(MIN(CONCAT(LPAD(CAST(at AS VARCHAR), 20, '0'), route)), 21) AS route
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
        WHERE kind = 'segment' AND origin = 'AWS::ApiGateway::Stage'
    ) AS s
    GROUP BY trace_id
),
per_trace AS (
    -- the invocations of each trace, their cost, and the function of the first one; the
    -- invocations without a trace ID are grouped per function (untraced_function)
    SELECT
        trace_id,
        untraced_function,
        COUNT(*) AS invocations,
        SUM(usd) AS usd,
        SUBSTR(MIN(CONCAT(LPAD(CAST(at AS VARCHAR), 20, '0'), function)), 21) AS first_function
    FROM (
        SELECT
            trace_id,
            CASE WHEN trace_id IS NULL THEN function END AS untraced_function,
            function,
            usd,
            COALESCE(CAST(start AS BIGINT), 9223372036854775807) AS at
        FROM priced
    ) AS t
    GROUP BY trace_id, untraced_function
),
api AS (
    SELECT COALESCE(a.trace_id, s.trace_id) AS trace_id, COALESCE(a.route, s.route) AS route
    FROM access AS a
    FULL JOIN api_segment AS s ON a.trace_id = s.trace_id
),
entry AS (
    SELECT
        COALESCE(a.route, p.untraced_function, p.first_function) AS route,
        CASE
            WHEN a.route IS NOT NULL THEN 'api'
            WHEN p.untraced_function IS NOT NULL THEN 'untraced'
            ELSE 'function'
        END AS kind,
        CASE WHEN p.untraced_function IS NOT NULL THEN p.invocations ELSE 1 END AS requests,
        COALESCE(p.invocations, 0) AS invocations,
        COALESCE(p.usd, 0.0) AS usd
    FROM api AS a
    FULL JOIN per_trace AS p ON a.trace_id = p.trace_id
),
routes AS (
    SELECT route, kind, SUM(requests) AS requests, SUM(invocations) AS invocations, SUM(usd) AS usd
    FROM entry
    GROUP BY route, kind
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
