-- cost-per-function: the estimated Lambda cost of each function's invocations.
-- Per invocation: billed GB-seconds (billed_ms / 1000 x memory_mb / 1024) x the price per
-- GB-second, plus the price of one request, from the table `lambda_prices` (built in:
-- queries/prices/lambda.csv; `--prices FILE` replaces it) for the invocation's region and
-- architecture, else the `*` row of that architecture. The architecture comes from the table
-- `lambda_arch` (`--arch FUNCTION=arm64`), else {{default_arch}} (`--arch arm64` sets it).
-- An invocation with no region takes its function's region when the function was seen in
-- exactly one; one with no billed duration (no REPORT line) counts its duration rounded up
-- to a millisecond (billed durations are whole milliseconds); one with no memory size adds
-- only the request price. Tiers, the free
-- tier, ephemeral storage and provisioned concurrency are not modelled (see the price table).
-- The price rule (one_region, fallback, rates) is also in lambda-rates.sql, which prices
-- cost-per-route; a change to one is a change to both. Reading the table `lambda_rates` here
-- instead scans the invocations a second time: 0.62 -> 1.04 s at 10M invocations.
WITH by_region AS (
    -- invocations and billed GB-seconds per function and region. The sum is exact: billed
    -- milliseconds x MB are summed as integers, then divided once, so the figures do not
    -- depend on the order the rows are added in (the report runs on the streaming engine).
    -- An invocation with no duration or no memory size has a null product, which SUM skips:
    -- it adds nothing, without a COALESCE on each of the 10M rows (one per group instead)
    SELECT function, region, n, CAST(mb_ms AS DOUBLE) / 1024000.0 AS gb_s
    FROM (
        -- (grouped by `function_key` and named from `function_names` after the grouping,
        -- as `latency`)
        SELECT COALESCE(f.function, '(unknown)') AS function, COALESCE(r.region, '') AS region, r.n, COALESCE(r.mb_ms, 0) AS mb_ms
        FROM (
            SELECT function_key, region, COUNT(*) AS n, SUM(billed * memory_mb) AS mb_ms
            FROM (
                SELECT
                    function_key,
                    region,
                    CAST(CEIL(COALESCE(billed_ms, duration_ms)) AS BIGINT) AS billed,
                    memory_mb
                FROM invocations
            ) AS i
            GROUP BY function_key, region
        ) AS r
        LEFT JOIN function_names AS f ON r.function_key = f.function_key
    ) AS g
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
)
SELECT
    function,
    SUM(n) AS invocations,
    ROUND(SUM(gb_s), 3) AS billed_gb_s,
    ROUND(SUM(gb_s * gb_price), 6) AS est_compute_usd,
    ROUND(SUM(n * request_price), 6) AS est_request_usd,
    ROUND(SUM(gb_s * gb_price + n * request_price), 6) AS est_total_usd,
    ROUND(SUM(gb_s * gb_price + n * request_price) / SUM(n) * 1000000.0, 6) AS usd_per_million
FROM rates
GROUP BY function
ORDER BY est_total_usd DESC, function
