"""DuckDB side of benches/reports.rs: every report's SQL over the same Parquet files.

Usage: duckdb_reports.py WORKSPACE_DIR QUERIES_DIR [DUMP_DIR]

Reads `QUERIES_DIR/<report>.sql` (the files Skylens runs), translates them mechanically to
DuckDB's dialect (see `translate`), and runs them over the workspace's Parquet files with
`read_parquet(..., hive_partitioning = true)`; `service_map_calls` is Skylens' cached table
(`WORKSPACE_DIR/index/service-map/calls.parquet`, with the node names of `nodes.parquet`
as `service_map_node_names`), as the Skylens reports read them, and so is
`function_names` (`WORKSPACE_DIR/function-names.parquet`). The
computation of that table from the spans is timed on its own: its steps
(`service-map-resources.sql`, `service-map-segments.sql`, `service-map-owned.sql`) as
temporary tables, as Skylens computes each once, then `service-map-calls.sql` over them.
Percentiles are `QUANTILE_CONT` in both engines (linear interpolation). Two threads, as the
machine has two cores. With DUMP_DIR, the translated SQL is written there.

Prints:
  MEASURE report <name> <median ms> <rows>
  MEASURE total reports <median ms of a round> <peak RSS MB>
  MEASURE calls service_map_calls <ms> <rows>
  CHECK <report> <column> <sum>      (every numeric column, to compare with Skylens)
  P99 <function> p99_ms <value>       (the latency report)
"""

import os
import re
import resource
import statistics
import sys
import time

import duckdb

# The reports in the order of skylens::analysis::REPORTS.
REPORTS = [
    "latency",
    "cold-starts",
    "cold-start-histogram",
    "latency-timeseries",
    "cold-start-timeseries",
    "slowest-invocations",
    "spend",
    "spend-daily",
    "cost-per-function",
    "cost-per-route",
    "service-map-nodes",
    "service-map-edges",
    "service-map-health",
]
ROUNDS = 3
US_PER_S = 1_000_000
# src/analysis/params.rs: BUCKET_LADDER and MAX_BUCKETS.
BUCKET_LADDER = [60, 300, 900, 3600, 6 * 3600, 86_400]
MAX_BUCKETS = 200
TIME_COLUMNS = "start|end|ts|period_start|period_end"


def auto_bucket_us(span_us: int) -> int:
    span = max(span_us, 1)
    for b in BUCKET_LADDER:
        b *= US_PER_S
        if (span + b - 1) // b <= MAX_BUCKETS:
            return b
    return BUCKET_LADDER[-1] * US_PER_S


def translate(sql: str, bucket_us: int) -> str:
    """Skylens' SQL (Polars dialect, with {{parameters}}) → DuckDB, default parameters."""
    sql = (
        sql.replace("{{bin_ms}}", "100.0")
        .replace("{{bucket_us}}", str(bucket_us))
        .replace("{{by}}", "")
        .replace("{{metric}}", "UnblendedCost")
        .replace("{{default_arch}}", "x86_64")
        # Skylens computes the 100th longest duration first (a pre-filter that lets Polars skip
        # rows); any lower value gives the same result, and DuckDB needs no help for a top-N.
        .replace("{{slowest_cut_ms}}", "-1.7976931348623157e308")
    )
    # Timestamps as µs since the epoch: Polars casts them to BIGINT, DuckDB has epoch_us.
    sql = re.sub(rf"CAST\(((?:\w+\.)?(?:{TIME_COLUMNS})) AS BIGINT\)", r"epoch_us(\1)", sql)
    # Integer division of positive numbers.
    sql = re.sub(r"DIV\(([^,()]+(?:\([^()]*\))?), (\d+)\)", r"(\1 // \2)", sql)
    # µs since the epoch → TIMESTAMP.
    sql = re.sub(r"CAST\((.*?) AS TIMESTAMP\)", r"make_timestamp(\1)", sql)
    sql = sql.replace("REGEXP_LIKE(", "regexp_matches(")
    # `at` is a keyword in DuckDB (AT TIME ZONE): quote it where the SQL names a column so.
    sql = re.sub(r"--[^\n]*", "", sql)
    sql = re.sub(r"\bat\b", '"at"', sql)
    return sql


def main() -> None:
    ws, queries = sys.argv[1], sys.argv[2]
    dump = sys.argv[3] if len(sys.argv) > 3 else None
    con = duckdb.connect()
    con.execute("SET threads = 2")
    for frame in ("invocations", "logs", "spans", "costs"):
        src = f"read_parquet('{ws}/frame={frame}/*/data.parquet', hive_partitioning = true)"
        hive = [
            c
            for (c, *_rest) in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
            if c in ("frame", "date")
        ]
        exclude = f" EXCLUDE ({', '.join(hive)})" if hive else ""
        con.execute(f"CREATE VIEW {frame} AS SELECT *{exclude} FROM {src}")
    con.execute(
        f"CREATE VIEW service_map_calls AS SELECT * FROM "
        f"read_parquet('{ws}/index/service-map/calls.parquet')"
    )
    # The node names (a row per node), which Skylens reads into memory too.
    con.execute(
        f"CREATE TABLE service_map_node_names AS SELECT * FROM "
        f"read_parquet('{ws}/index/service-map/nodes.parquet')"
    )
    # The workspace's function names (a row per name), which Skylens reads into memory too.
    con.execute(
        f"CREATE TABLE function_names AS SELECT * FROM "
        f"read_parquet('{ws}/function-names.parquet')"
    )
    con.execute(
        f"CREATE TABLE lambda_prices AS SELECT * FROM "
        f"read_csv('{queries}/prices/lambda.csv', comment = '#', header = true)"
    )
    con.execute("CREATE TABLE lambda_arch (function VARCHAR, architecture VARCHAR)")

    texts = {}
    calls_steps = ["service-map-resources", "service-map-segments", "service-map-owned"]
    for name in REPORTS + calls_steps + ["service-map-calls", "lambda-rates", "route-costs"]:
        with open(os.path.join(queries, f"{name}.sql")) as f:
            texts[name] = f.read()
    # cost-per-route reads the derived table route_costs (over lambda_rates), which Skylens
    # computes in passes over ranges of trace IDs; DuckDB computes it in one go, as part of
    # the report (views, so their time counts in the report's).
    con.execute("CREATE VIEW lambda_rates AS " + translate(texts["lambda-rates"], 3600 * US_PER_S))
    con.execute(
        "CREATE VIEW route_costs AS "
        + translate(texts["route-costs"].replace("{{trace_pass}}", "TRUE"), 3600 * US_PER_S)
    )

    def bucket() -> int:
        # As src/analysis/params.rs bucket_for: from the first to the last invocation start.
        lo, hi = con.execute(
            "SELECT epoch_us(MIN(start)), epoch_us(MAX(start)) FROM invocations"
        ).fetchone()
        return auto_bucket_us(hi + 1 - lo) if lo is not None else 3600 * US_PER_S

    def sql_of(name: str) -> str:
        b = bucket() if "{{bucket_us}}" in texts[name] else 3600 * US_PER_S
        return translate(texts[name], b)

    if dump:
        os.makedirs(dump, exist_ok=True)
        for name in texts:
            with open(os.path.join(dump, f"{name}.sql"), "w") as f:
                f.write(sql_of(name))

    times = {n: [] for n in REPORTS}
    rows = {}
    totals = []
    for _ in range(ROUNDS):
        round_start = time.perf_counter()
        for name in REPORTS:
            t = time.perf_counter()
            res = con.execute(sql_of(name)).fetchall()
            times[name].append((time.perf_counter() - t) * 1e3)
            rows[name] = len(res)
        totals.append((time.perf_counter() - round_start) * 1e3)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for name in REPORTS:
        print(f"MEASURE report {name} {statistics.median(times[name]):.3f} {rows[name]}")
    print(f"MEASURE total reports {statistics.median(totals):.3f} {rss:.1f}")

    # The figures, to compare with Skylens'.
    numeric = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
               "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE")
    for name in REPORTS:
        con.execute(f"CREATE OR REPLACE TEMP TABLE result AS {sql_of(name)}")
        for col, typ, *_ in con.execute("DESCRIBE result").fetchall():
            if typ in numeric or typ.startswith("DECIMAL"):
                (s,) = con.execute(f'SELECT COALESCE(SUM("{col}"), 0) FROM result').fetchone()
                print(f"CHECK {name} {col} {float(s)!r}")
        if name == "latency":
            for f, p99 in con.execute("SELECT function, p99_ms FROM result").fetchall():
                print(f"P99 {f} p99_ms {p99}")

    t = time.perf_counter()
    for step in calls_steps:
        con.execute(f"CREATE TEMP TABLE {step.replace('-', '_')} AS {sql_of(step)}")
    con.execute(f"CREATE TEMP TABLE calls AS {sql_of('service-map-calls')}")
    ms = (time.perf_counter() - t) * 1e3
    (n,) = con.execute("SELECT COUNT(*) FROM calls").fetchone()
    print(f"MEASURE calls service_map_calls {ms:.3f} {n}")


if __name__ == "__main__":
    main()
