-- service-map-calls: one row per request that a node of the service map received, with the
-- node that sent it. Skylens registers this query as the table `service_map_calls`; the
-- service-map-nodes, service-map-edges and service-map-health reports aggregate it, and your
-- own SQL can use it too (`skylens query --sql "SELECT * FROM service_map_calls"`).
--
-- Nodes are (service, type):
--   * a segment is the service it names, typed by its origin (`unknown` when it has none);
--     the AWS::Lambda service segment and the AWS::Lambda::Function segment of one function
--     are one node, `<function>` of type AWS::Lambda::Function, as the X-Ray console shows them;
--   * an inferred segment is the downstream resource it stands for, typed by its origin;
--   * an `aws`/`remote` subsegment that no segment answers is the resource it calls: a DynamoDB
--     table, SNS topic, SQS queue, Lambda function, bucket or stream (short name from the
--     name, ARN or queue URL; the service name when it names no resource), or for `remote`
--     the host it calls (the subsegment name, type `remote`);
--   * `client` (type `client`) sends the requests that enter root segments.
-- Calls (one row each):
--   * a segment whose parent span is known: from the node owning the parent (the segment
--     document the parent belongs to) to the segment's node; a root segment is called by
--     `client`. Duration: the called segment's. error/fault/throttle: set on the called
--     segment, on the AWS::Lambda::Function segment(s) below an AWS::Lambda segment, or on the
--     calling `aws`/`remote` subsegment;
--   * an `aws`/`remote` subsegment that no segment answers: from its owner to the resource;
--     its own duration and flags.
-- The hop from an AWS::Lambda segment to the AWS::Lambda::Function segment of the same
-- function is not a call. A segment whose parent is not in the workspace counts for its node,
-- with a null source (on no edge).
-- It reads, besides `spans`, three tables Skylens computes before it, each once per pass over
-- the traces: `service_map_resources` (queries/service-map-resources.sql: the short name of
-- each resource), `service_map_segments` (queries/service-map-segments.sql: every segment
-- document and its node) and `service_map_owned` (queries/service-map-owned.sql: the spans
-- that matter, each with the node owning it).
WITH linked AS (
    -- Each segment document with the span it hangs from (when that span is known), and whether
    -- it is the function segment below its own function's AWS::Lambda segment (a `hop`).
    SELECT
        t.*,
        p.owner_id, p.owner_origin, p.owner, p.owner_type,
        COALESCE(p.kind = 'subsegment' AND p.namespace IN ('aws', 'remote'), FALSE) AS parent_is_call,
        p.error AS parent_error, p.fault AS parent_fault, p.throttle AS parent_throttle,
        COALESCE(t.origin = 'AWS::Lambda::Function' AND p.owner_origin = 'AWS::Lambda' AND p.owner = t.node, FALSE) AS hop
    FROM service_map_segments AS t
    LEFT JOIN service_map_owned AS p ON t.trace_id = p.trace_id AND t.parent_id = p.id
),
function_hops AS (
    -- Flags of the function segments, to count on their AWS::Lambda segment's request.
    SELECT trace_id, owner_id, MAX(error) AS error, MAX(fault) AS fault, MAX(throttle) AS throttle
    FROM linked WHERE hop
    GROUP BY trace_id, owner_id
),
segment_calls AS (
    -- Calls answered by a segment document: from the owner of its parent (or `client`).
    SELECT
        l.trace_id, l.id AS span_id, l.start,
        CASE WHEN l.parent_id IS NULL THEN 'client' ELSE l.owner END AS source,
        CASE WHEN l.parent_id IS NULL THEN 'client' ELSE l.owner_type END AS source_type,
        l.node AS target, l.node_type AS target_type, l.duration_ms,
        l.error OR COALESCE(f.error, FALSE) OR (l.parent_is_call AND l.parent_error) AS error,
        l.fault OR COALESCE(f.fault, FALSE) OR (l.parent_is_call AND l.parent_fault) AS fault,
        l.throttle OR COALESCE(f.throttle, FALSE) OR (l.parent_is_call AND l.parent_throttle) AS throttle
    FROM linked AS l
    LEFT JOIN function_hops AS f ON l.trace_id = f.trace_id AND l.id = f.owner_id
    WHERE NOT l.hop AND NOT (l.parent_id IS NULL AND l.kind = 'inferred')
),
downstream_calls AS (
    -- `aws`/`remote` subsegments that no segment document answers: the resource is the node.
    SELECT
        trace_id, id AS span_id, start, owner AS source, owner_type AS source_type,
        CASE
            WHEN namespace = 'remote' THEN name
            ELSE COALESCE(r.short_name, o.name)
        END AS target,
        CASE
            WHEN namespace = 'remote' THEN 'remote'
            WHEN LOWER(name) = 'lambda' THEN 'AWS::Lambda::Function'
            WHEN LOWER(name) = 'sns' THEN 'AWS::SNS'
            WHEN LOWER(name) IN ('eventbridge', 'events', 'cloudwatchevents') THEN 'AWS::Events'
            WHEN LOWER(name) = 'dynamodb' AND o.resource IS NOT NULL THEN 'AWS::DynamoDB::Table'
            WHEN LOWER(name) = 'dynamodb' THEN 'AWS::DynamoDB'
            WHEN LOWER(name) = 'sqs' AND o.resource IS NOT NULL THEN 'AWS::SQS::Queue'
            WHEN LOWER(name) = 's3' AND o.resource IS NOT NULL THEN 'AWS::S3::Bucket'
            WHEN LOWER(name) = 'kinesis' AND o.resource IS NOT NULL THEN 'AWS::Kinesis::Stream'
            ELSE CONCAT('AWS::', name)
        END AS target_type,
        duration_ms, error, fault, throttle
    FROM service_map_owned AS o
    LEFT JOIN service_map_resources AS r ON o.resource = r.resource
    WHERE kind = 'subsegment' AND namespace IN ('aws', 'remote') AND NOT answered
)
SELECT * FROM segment_calls
UNION ALL
SELECT * FROM downstream_calls
