-- service-map-owned: the spans that matter to the service map (downstream calls, and the
-- parents of segment documents), each with the node owning it: the segment document it
-- belongs to (`segment_id`), from the table `service_map_segments`
-- (queries/service-map-segments.sql). Skylens computes it once per pass over the traces and
-- registers it as the table `service_map_owned`, which service-map-calls.sql reads twice.
WITH parent_ids AS (
    -- Span IDs that some segment document hangs from.
    SELECT DISTINCT parent_id AS pid FROM service_map_segments WHERE parent_id IS NOT NULL
)
SELECT
    s.trace_id, s.id, s.name, s.kind, s.namespace, s.resource, s.start, s.duration_ms,
    COALESCE(s.error, FALSE) AS error,
    COALESCE(s.fault, FALSE) AS fault,
    COALESCE(s.throttle, FALSE) AS throttle,
    a.pid IS NOT NULL AS answered,
    o.id AS owner_id, o.origin AS owner_origin, o.node AS owner, o.node_type AS owner_type
FROM spans AS s
LEFT JOIN parent_ids AS a ON s.id = a.pid
JOIN service_map_segments AS o ON s.trace_id = o.trace_id AND s.segment_id = o.id
WHERE (s.kind = 'subsegment' AND s.namespace IN ('aws', 'remote')) OR a.pid IS NOT NULL
