-- service-map-segments: every segment document of the spans (a segment or an inferred
-- segment) and the node of the service map it stands for (see service-map-calls.sql for the
-- nodes). Skylens computes it once per pass over the traces and registers it as the table
-- `service_map_segments`, which service-map-owned.sql and service-map-calls.sql read three
-- times in all (as a CTE of one statement it was computed once per reference; at 10M
-- invocations the calls then took 32.7 s, see BENCHMARKS.md). The short names of resources
-- come from `service_map_resources` (queries/service-map-resources.sql).
SELECT
    trace_id, id, parent_id, origin, kind, start, duration_ms,
    COALESCE(error, FALSE) AS error,
    COALESCE(fault, FALSE) AS fault,
    COALESCE(throttle, FALSE) AS throttle,
    CASE
        WHEN origin IN ('AWS::Lambda', 'AWS::Lambda::Function') THEN name
        WHEN kind = 'inferred' THEN COALESCE(r.short_name, name)
        ELSE name
    END AS node,
    CASE
        WHEN origin IN ('AWS::Lambda', 'AWS::Lambda::Function') THEN 'AWS::Lambda::Function'
        ELSE COALESCE(origin, 'unknown')
    END AS node_type
FROM spans AS s
LEFT JOIN service_map_resources AS r ON s.resource = r.resource
WHERE kind IN ('segment', 'inferred')
