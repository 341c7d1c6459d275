"""DuckDB peer for the ingest benchmark: raw FilterLogEvents JSON -> per-function p50/p99 and
cold-start counts, the same figures as `skylens report latency` / `cold-starts`.

Usage: python3 duckdb_ingest.py FILE_LIST THREADS
FILE_LIST has one `<path>\t<log group>` per line. Prints the result and a `MEASURE` line:
seconds, bytes, events, peak RSS MB.
"""
import os
import resource
import sys
import time

import duckdb

list_path, threads = sys.argv[1], int(sys.argv[2])
rows = [l.rstrip("\n").split("\t") for l in open(list_path) if l.strip()]
paths = [r[0] for r in rows]
groups = {r[0]: r[1] for r in rows}
total_bytes = sum(os.path.getsize(p) for p in paths)

start = time.time()
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute("CREATE TEMP TABLE file_group(path VARCHAR, log_group VARCHAR)")
con.executemany("INSERT INTO file_group VALUES (?, ?)", list(groups.items()))
events = con.execute(
    """
    CREATE TEMP TABLE ev AS
    SELECT fg.log_group, e.message AS message
    FROM (
        SELECT filename, unnest(events) AS e
        FROM read_json(?, format = 'auto', records = true, filename = true,
                       maximum_object_size = 2000000000,
                       columns = {'events': 'STRUCT(logStreamName VARCHAR, "timestamp" BIGINT, message VARCHAR, ingestionTime BIGINT, eventId VARCHAR)[]'})
    ) AS j
    JOIN file_group fg ON fg.path = j.filename
    """,
    [paths],
).fetchall()
n_events = con.execute("SELECT count(*) FROM ev").fetchone()[0]
result = con.execute(
    r"""
    WITH reports AS (
        SELECT
            regexp_replace(log_group, '^/aws/lambda/', '') AS function,
            CASE
                WHEN starts_with(message, 'REPORT ')
                    THEN CAST(regexp_extract(message, 'RequestId: \S+\s+Duration: ([0-9.]+) ms', 1) AS DOUBLE)
                ELSE CAST(json_extract(message, '$.record.metrics.durationMs') AS DOUBLE)
            END AS duration_ms,
            CASE
                WHEN starts_with(message, 'REPORT ')
                    THEN message LIKE '%Init Duration:%' OR message LIKE '%Restore Duration:%'
                ELSE json_extract(message, '$.record.metrics.initDurationMs') IS NOT NULL
                  OR json_extract(message, '$.record.metrics.restoreDurationMs') IS NOT NULL
            END AS cold
        FROM ev
        WHERE starts_with(message, 'REPORT ')
           OR (starts_with(message, '{') AND message LIKE '%"type":"platform.report"%')
    )
    SELECT function, count(*) AS invocations,
           round(quantile_cont(duration_ms, 0.5), 3) AS p50_ms,
           round(quantile_cont(duration_ms, 0.99), 3) AS p99_ms,
           sum(CASE WHEN cold THEN 1 ELSE 0 END) AS cold_starts
    FROM reports GROUP BY function ORDER BY function
    """
).fetchall()
secs = time.time() - start
for r in result:
    print("\t".join(str(x) for x in r))
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(f"MEASURE {secs} {total_bytes} {n_events} {rss_mb}")
