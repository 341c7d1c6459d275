-- spend-daily: cost per period and group (one row per day for DAILY data), from Cost
-- Explorer (source `ce`) and CUR (`cur`).
--   {{metric}}  the metric (`--metric`, default UnblendedCost; any case)
--   {{by}}      the grouping, lower-case (`--by tag:team` -> `tag:team`, `--by service`);
--               empty = every grouping present (SERVICE, TAG:team, TAG:env, TOTAL, ...)
-- A tag group with no value (`team$`) is `(untagged)` and is kept. `estimated` is true when
-- the period is estimated. period_start is the start of the period counted: a day for DAILY
-- data, the first of the month for MONTHLY data (see below for overlapping imports).
-- The figures counted, and the rules that keep them from being counted twice, are those of
-- spend.sql, so the days of spend-daily add up to spend.
--
-- Nothing is counted twice. Every figure is first listed under each grouping it carries (a
-- row grouped by SERVICE and TAG:team counts under both). Then, per grouping, each set of
-- figures from one source, one second grouping and one period is a "unit"; where two units
-- overlap in time (CE and CUR for the same day, a MONTHLY and a DAILY import of one month,
-- SERVICE alone and SERVICE x TAG:team), only the first of them counts, in this order:
-- the longer period, then CUR before Cost Explorer, then the figure grouped by nothing else,
-- then the earlier period. Overlapping units never add up.
WITH figures AS (
    SELECT source, period_start, period_end, dimension, key, '' AS other, amount, unit, estimated
    FROM costs
    WHERE LOWER(metric) = LOWER('{{metric}}')
    UNION ALL
    SELECT source, period_start, period_end, dimension2 AS dimension, key2 AS key, dimension AS other,
           amount, unit, estimated
    FROM costs
    WHERE LOWER(metric) = LOWER('{{metric}}') AND dimension2 IS NOT NULL
),
picked AS (
    SELECT
        source, period_start, period_end, COALESCE(dimension, '') AS dimension, key,
        COALESCE(other, '') AS other, amount, unit, estimated
    FROM figures
    WHERE '{{by}}' = '' OR LOWER(dimension) = '{{by}}'
),
units AS (
    SELECT
        dimension, source, other, period_start, period_end,
        ROW_NUMBER() OVER (
            PARTITION BY dimension
            ORDER BY neg_len, source_rank, other, period_start
        ) AS unit_rank
    FROM (
        SELECT DISTINCT
            dimension, source, other, period_start, period_end,
            CAST(period_start AS BIGINT) - CAST(period_end AS BIGINT) AS neg_len,
            CASE source WHEN 'cur' THEN 0 WHEN 'ce' THEN 1 ELSE 2 END AS source_rank
        FROM picked
    ) AS u
),
beaten AS (
    SELECT DISTINCT a.dimension, a.source, a.other, a.period_start, a.period_end
    FROM units AS a
    JOIN units AS b ON a.dimension = b.dimension
    WHERE b.unit_rank < a.unit_rank
      AND b.period_start < a.period_end
      AND a.period_start < b.period_end
),
counted AS (
    SELECT p.*
    FROM picked AS p
    LEFT JOIN beaten AS x
      ON p.dimension = x.dimension AND p.source = x.source AND p.other = x.other
     AND p.period_start = x.period_start AND p.period_end = x.period_end
    WHERE x.dimension IS NULL
)
SELECT
    period_start,
    dimension,
    key,
    ROUND(SUM(amount), 10) AS amount,
    unit,
    MAX(CASE WHEN estimated THEN 1 ELSE 0 END) = 1 AS estimated
FROM counted
GROUP BY period_start, dimension, key, unit
ORDER BY period_start, dimension, amount DESC, key, unit
