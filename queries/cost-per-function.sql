-- cost-per-function: the estimated Lambda cost of each function's invocations.
-- Per invocation: billed GB-seconds (billed_ms / 1000 x memory_mb / 1024) x the price per
-- GB-second, plus the price of one request, from the table `lambda_prices` (built in:
-- queries/prices/lambda.csv; `--prices FILE` replaces it) for the invocation's region and
-- architecture, else the `*` row of that architecture. The architecture comes from the table
-- `lambda_arch` (`--arch FUNCTION=arm64`), else {{default_arch}} (`--arch arm64` sets it).
-- An invocation with no region takes its function's region when the function was seen in
-- exactly one; one with no billed duration (no REPORT line) counts its duration rounded up
-- to a millisecond; one with no memory size adds only the request price. Tiers, the free
-- tier, ephemeral storage and provisioned concurrency are not modelled (see the price table).
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
        inv.gb_s,
        inv.gb_s * COALESCE(p.usd_per_gb_s, f.any_gb_s) AS compute_usd,
        COALESCE(p.usd_per_request, f.any_request) AS request_usd
    FROM inv
    LEFT JOIN lambda_prices AS p ON inv.region = p.region AND inv.architecture = p.architecture
    LEFT JOIN fallback AS f ON inv.architecture = f.architecture
)
SELECT
    function,
    COUNT(*) AS invocations,
    ROUND(SUM(gb_s), 3) AS billed_gb_s,
    ROUND(SUM(compute_usd), 6) AS est_compute_usd,
    ROUND(SUM(request_usd), 6) AS est_request_usd,
    ROUND(SUM(compute_usd + request_usd), 6) AS est_total_usd,
    ROUND(SUM(compute_usd + request_usd) / COUNT(*) * 1000000.0, 6) AS usd_per_million
FROM priced
GROUP BY function
ORDER BY est_total_usd DESC, function
