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
-- "First" is by time; the first invocation of a trace is taken to the millisecond (the
-- resolution of CloudWatch times), invocations of the same millisecond by function name.
-- How it runs fast at 10M invocations: every trace is one row of ONE group-by over the
-- invocations, access lines and API segments together (no join of millions of trace IDs);
-- the first invocation is the MIN of a number (start in ms x 1,000,000 + the rank of its
-- function by name, `fn_ranks`: up to 999,999 function names), the first access line or
-- segment the MIN of a zero-padded time followed by the route.
WITH by_region AS (
    -- the functions and regions invoked
    SELECT DISTINCT COALESCE(function, '(unknown)') AS function, COALESCE(region, '') AS region
    FROM invocations
),
one_region AS (
    -- the region of a function seen in exactly one region
    SELECT function, MIN(region) AS region
    FROM by_region
    WHERE region <> ''
    GROUP BY function
    HAVING COUNT(*) = 1
),
fn_ranks AS (
    -- each function's rank by name, to pick a trace's first function in one MIN (below)
    SELECT function, ROW_NUMBER() OVER (ORDER BY function) AS fn_rank
    FROM (SELECT DISTINCT function FROM by_region) AS f
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
        b.fn_rank,
        COALESCE(p.usd_per_gb_s, f.any_gb_s) AS gb_price,
        COALESCE(p.usd_per_request, f.any_request) AS request_price
    FROM (
        SELECT
            b.function,
            b.region,
            k.fn_rank,
            CASE WHEN b.region <> '' THEN b.region ELSE COALESCE(r.region, '*') END AS price_region,
            COALESCE(a.architecture, '{{default_arch}}') AS architecture
        FROM by_region AS b
        JOIN fn_ranks AS k ON b.function = k.function
        LEFT JOIN one_region AS r ON b.function = r.function
        LEFT JOIN lambda_arch AS a ON b.function = a.function
    ) AS b
    LEFT JOIN lambda_prices AS p ON b.price_region = p.region AND b.architecture = p.architecture
    LEFT JOIN fallback AS f ON b.architecture = f.architecture
),
priced AS (
    -- every invocation with its estimated cost, as cost-per-function prices it, and a sort
    -- key: its start (ms) then its function's rank; MIN(first_key) is a trace's first
    -- invocation and first_key % 1000000 the rank of its function
    SELECT
        i.trace_id,
        CASE WHEN i.trace_id IS NULL THEN i.function END AS untraced_function,
        CAST(i.billed AS DOUBLE) / 1000.0 * i.memory_mb / 1024.0 * r.gb_price + r.request_price AS usd,
        i.at_ms * 1000000 + r.fn_rank AS first_key
    FROM (
        SELECT
            COALESCE(function, '(unknown)') AS function,
            COALESCE(region, '') AS region,
            trace_id,
            -- ms since 1970, kept within 0..9e12 so that the key below cannot overflow
            LEAST(GREATEST(COALESCE(CAST(start AS BIGINT) // 1000, 9000000000000), 0), 9000000000000) AS at_ms,
            CAST(CEIL(COALESCE(billed_ms, duration_ms, 0.0)) AS BIGINT) AS billed,
            COALESCE(memory_mb, 0) AS memory_mb
        FROM invocations
    ) AS i
    JOIN rates AS r ON i.function = r.function AND i.region = r.region
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
            WHERE kind = 'access' AND trace_id IS NOT NULL
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
SELECT
    route,
    kind,
    requests,
    invocations,
    ROUND(usd, 6) AS est_total_usd,
    ROUND(usd / requests * 1000000.0, 6) AS usd_per_million
FROM routes
ORDER BY est_total_usd DESC, route, kind
