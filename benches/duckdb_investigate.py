"""DuckDB side of benches/investigate.rs: the same ID resolution over the same Parquet files.

Usage: duckdb_investigate.py WORKSPACE_DIR IDS_TSV

IDS_TSV has one `kind<TAB>id` per line. For each ID it runs Skylens' fixpoint (see
src/analysis/investigate.rs): look the IDs up in every ID column of logs, spans and
invocations, add the IDs of the matched rows (a span's trace ID, a segment's request ID),
repeat until nothing new, then read the full rows. Prints `MEASURE <kind> <median ms>`.
"""

import statistics
import sys
import time
from collections import defaultdict

import duckdb

PLACEHOLDERS = {"", "-", "null", "none", "undefined", "unknown", "n/a", "nil"}


def main() -> None:
    ws, ids_file = sys.argv[1], sys.argv[2]
    con = duckdb.connect()
    for frame in ("logs", "spans", "invocations"):
        con.execute(
            f"CREATE VIEW {frame} AS SELECT * FROM read_parquet('{ws}/frame={frame}/*/data.parquet')"
        )

    def lookup(ids: list[str]) -> set[str]:
        found: set[str] = set()
        for r, t, c in con.execute(
            "SELECT request_id, trace_id, correlation_id FROM logs "
            "WHERE list_contains($ids, request_id) OR list_contains($ids, trace_id) "
            "OR list_contains($ids, correlation_id)",
            {"ids": ids},
        ).fetchall():
            found.update(x for x in (r, t, c) if x is not None)
        for t, r in con.execute(
            "SELECT trace_id, CASE WHEN kind = 'segment' THEN request_id END FROM spans "
            "WHERE list_contains($ids, trace_id) OR list_contains($ids, request_id)",
            {"ids": ids},
        ).fetchall():
            found.update(x for x in (t, r) if x is not None)
        for r, t in con.execute(
            "SELECT request_id, trace_id FROM invocations "
            "WHERE list_contains($ids, request_id) OR list_contains($ids, trace_id)",
            {"ids": ids},
        ).fetchall():
            found.update(x for x in (r, t) if x is not None)
        return {x for x in found if x.strip().lower() not in PLACEHOLDERS}

    def investigate(seed: str) -> int:
        known = {seed}
        frontier = [seed]
        while frontier:
            new = lookup(frontier) - known
            known |= new
            frontier = sorted(new)
        ids = sorted(known)
        n = 0
        n += len(con.execute(
            "SELECT * FROM logs WHERE list_contains($ids, request_id) OR list_contains($ids, trace_id) "
            "OR list_contains($ids, correlation_id)", {"ids": ids}).fetchall())
        n += len(con.execute(
            "SELECT * FROM spans WHERE list_contains($ids, trace_id) OR list_contains($ids, request_id)",
            {"ids": ids}).fetchall())
        n += len(con.execute(
            "SELECT * FROM invocations WHERE list_contains($ids, request_id) OR list_contains($ids, trace_id)",
            {"ids": ids}).fetchall())
        return n

    times: dict[str, list[float]] = defaultdict(list)
    order: list[str] = []
    with open(ids_file) as f:
        for line in f:
            kind, _, seed = line.rstrip("\n").partition("\t")
            if not seed:
                continue
            if kind not in times:
                order.append(kind)
            t = time.perf_counter()
            investigate(seed)
            times[kind].append((time.perf_counter() - t) * 1e3)
    for kind in order:
        print(f"MEASURE {kind} {statistics.median(times[kind]):.3f}")


if __name__ == "__main__":
    main()
