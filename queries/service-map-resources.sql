-- service-map-resources: the short name of every resource that a downstream call or an
-- inferred segment names (an ARN, a queue URL): a Lambda function's name, the last part of
-- another ARN (table, topic, bucket, stream…), a queue's name; null when that is empty.
-- Skylens computes it once per pass over the traces, over the distinct resources only (a few
-- dozen, where the spans that name them are millions), and registers it as the table
-- `service_map_resources`, which service-map-segments.sql and service-map-calls.sql join.
SELECT resource, NULLIF(
    CASE
        WHEN resource LIKE 'arn:%:function:%' THEN SPLIT_PART(resource, ':', 7)
        WHEN resource LIKE 'arn:%' THEN SPLIT_PART(SPLIT_PART(resource, ':', -1), '/', -1)
        WHEN resource LIKE 'https://%sqs%' OR resource LIKE 'https://%queue.amazonaws.com/%' THEN SPLIT_PART(resource, '/', -1)
        ELSE resource
    END, '') AS short_name
FROM (
    SELECT DISTINCT resource
    FROM spans
    WHERE resource IS NOT NULL
        AND (kind = 'inferred' OR (kind = 'subsegment' AND namespace = 'aws'))
) AS r
