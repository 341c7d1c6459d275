-- service-map-edges: every edge of the service map (calls from one node to another).
-- Flags are counted with COUNT(CASE WHEN flag THEN 1 END): Polars' SQL evaluates the CASE of a
-- SUM(CASE … ELSE 0 END) three times (its sum, null count and length).
-- Nodes and calls are defined in service-map-calls.sql (the table `service_map_calls`).
-- requests = calls on the edge; errors (4xx, throttles included), faults (5xx) and
-- throttles (429) count calls with that flag; p50/p99 are the calls' durations,
-- linear-interpolated (QUANTILE_CONT). Calls whose caller is not in the workspace are on no
-- edge (their node still counts them).
-- The percentiles need every duration of an edge at once: they are taken per edge number
-- (`numbered.edge`, joined back to the names; the keys are compared null-safely), so what
-- is held is a number and a duration per call rather than four names.
WITH calls AS (
    SELECT
        source, source_type, target, target_type, duration_ms, error, fault, throttle,
        COALESCE(source_type, '') AS k1, source_type IS NULL AS n1,
        COALESCE(target, '') AS k2, target IS NULL AS n2,
        COALESCE(target_type, '') AS k3, target_type IS NULL AS n3
    FROM service_map_calls
    WHERE source IS NOT NULL
),
edges AS (
    SELECT
        source, source_type, target, target_type, k1, n1, k2, n2, k3, n3,
        COUNT(*) AS requests,
        COUNT(CASE WHEN error THEN 1 END) AS errors,
        COUNT(CASE WHEN fault THEN 1 END) AS faults,
        COUNT(CASE WHEN throttle THEN 1 END) AS throttles
    FROM calls
    GROUP BY source, source_type, target, target_type, k1, n1, k2, n2, k3, n3
),
numbered AS (
    SELECT *, ROW_NUMBER() OVER (ORDER BY source, k1, n1, k2, n2, k3, n3) AS edge
    FROM edges
),
percentiles AS (
    SELECT
        e.edge,
        QUANTILE_CONT(c.duration_ms, 0.50) AS p50_ms,
        QUANTILE_CONT(c.duration_ms, 0.99) AS p99_ms
    FROM calls AS c
    JOIN numbered AS e
        ON c.source = e.source AND c.k1 = e.k1 AND c.n1 = e.n1 AND c.k2 = e.k2
        AND c.n2 = e.n2 AND c.k3 = e.k3 AND c.n3 = e.n3
    GROUP BY e.edge
)
SELECT
    e.source,
    e.source_type,
    e.target,
    e.target_type,
    e.requests,
    e.errors,
    e.faults,
    e.throttles,
    ROUND(p.p50_ms, 3) AS p50_ms,
    ROUND(p.p99_ms, 3) AS p99_ms
FROM numbered AS e
JOIN percentiles AS p ON e.edge = p.edge
ORDER BY e.source, e.source_type, e.target, e.target_type
