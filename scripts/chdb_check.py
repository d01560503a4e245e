"""Run a Go test's SQL check list on chdb, a current ClickHouse engine.

Usage: chdb_check.py CHECKS.json

CHECKS.json (written by internal/dashboards tests):
  {"migrations": [{"version": 1, "min_server": "", "statements": ["..."]}],
   "inserts": ["INSERT INTO ... VALUES ..."],
   "statements": ["..."],   (must run without error: the sink's own SQL)
   "queries": [{"title": "...", "sql": "...", "columns": [["name", "Type"]],
                "rows": [["cell", ...]]}]}   (rows optional: the exact answer)

Applies every migration twice (gated on min_server as the Go sink does), runs the
inserts, then each query, and checks that it returns the expected column
names and types and at least one row. Prints one line per check and exits
non-zero if any failed.
"""
import json
import re
import sys
import tempfile

import chdb
from chdb import session


def older(a, b):
    pa = [int(x) for x in a.split(".")[: len(b.split("."))]]
    pb = [int(x) for x in b.split(".")]
    return pa < pb


def same_cell(got, want):
    try:
        return float(got) == float(want)
    except (TypeError, ValueError):
        return str(got) == want


def same_rows(got, want):
    return len(got) == len(want) and all(
        len(g) == len(w) and all(same_cell(a, b) for a, b in zip(g, w)) for g, w in zip(got, want)
    )


def main(path):
    checks = json.load(open(path))
    with tempfile.TemporaryDirectory() as d:
        s = session.Session(d)
        server = str(s.query("SELECT version()", "CSV")).strip().strip('"')
        print(f"chdb {chdb.__version__}, engine {server}")
        failed = 0
        # Twice: every statement must be idempotent.
        for run in (1, 2):
            for m in checks["migrations"]:
                if m["min_server"] and older(server, m["min_server"]):
                    print(f"skip migration {m['version']} (needs {m['min_server']})")
                    continue
                for st in m["statements"]:
                    s.query(st)
                print(f"ok   migration {m['version']} (run {run})")
        for st in checks["inserts"]:
            s.query(st)
        for st in checks.get("statements") or []:
            try:
                s.query(st)
                print(f"ok   statement {st.split(chr(10))[0][:70]}")
            except Exception as e:  # noqa: BLE001 - report and go on
                print(f"FAIL statement {st[:70]}: {e}")
                failed += 1
        for q in checks["queries"]:
            try:
                res = json.loads(str(s.query(q["sql"], "JSONCompact")))
            except Exception as e:  # noqa: BLE001 - report and go on
                print(f"FAIL {q['title']}: {e}")
                failed += 1
                continue
            # A DateTime's time zone is shown by some engines, not others.
            got = [[c["name"], re.sub(r"DateTime\('[^']*'\)", "DateTime", c["type"])] for c in res["meta"]]
            if got != q["columns"]:
                print(f"FAIL {q['title']}: columns {got}, want {q['columns']}")
                failed += 1
            elif not res["data"]:
                print(f"FAIL {q['title']}: no rows")
                failed += 1
            elif q.get("rows") and not same_rows(res["data"], q["rows"]):
                print(f"FAIL {q['title']}: rows {res['data']}, want {q['rows']}")
                failed += 1
            else:
                print(f"ok   {q['title']}: {len(res['data'])} rows")
        print(f"chdb: {len(checks['queries']) - failed} queries ok, {failed} failing")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
