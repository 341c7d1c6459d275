-- lambda-rates: the derived table `lambda_rates` that cost-per-route's passes price
-- invocations with (queries/route-costs.sql): one row per function and region invoked in the
-- window, with the function's rank by name and the prices, as cost-per-function finds them:
-- the price per GB-second and per request from `lambda_prices` (built in:
-- queries/prices/lambda.csv; `--prices FILE` replaces it) for the region and the architecture
-- (`lambda_arch`, `--arch FUNCTION=arm64`, else {{default_arch}}), else the `*` row of that
-- architecture; an invocation with no region takes its function's region when the function
-- was seen in exactly one.
-- Computed once per report, before the passes, over every invocation of the window.
-- The price rule is the one of cost-per-function.sql (which keeps its own copy to read the
-- invocations once); a change to one is a change to both.
WITH by_region AS (
    -- the functions and regions invoked: by `function_key` (0 for invocations with no function
    -- name), named from `function_names` afterwards, as in `latency`
    SELECT k.function_key, COALESCE(n.function, '(unknown)') AS function, k.region
    FROM (
        SELECT DISTINCT COALESCE(function_key, 0) AS function_key, COALESCE(region, '') AS region
        FROM invocations
    ) AS k
    LEFT JOIN function_names AS n ON k.function_key = n.function_key
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
    -- each function's rank by name (cost-per-route picks a trace's first function by it)
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
        b.function_key,
        b.function,
        b.region,
        b.fn_rank,
        COALESCE(p.usd_per_gb_s, f.any_gb_s) AS gb_price,
        COALESCE(p.usd_per_request, f.any_request) AS request_price
    FROM (
        SELECT
            b.function_key,
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
)
SELECT function_key, function, region, fn_rank, gb_price, request_price
FROM rates
