#!/usr/bin/env python3
"""The seed detection over one data set written in every export format kql reads,
against the same tables as plain JSON lines (issue 12's goal: the same rows, within
1.5x of the JSON lines time).

    python3 bench/formats.py [--size S|M|L] [--runs N] [--kql PATH] [--formats a,b,...] [--out DIR]

Uses the sign-in data bench/suite.py generates (target/bench-data/signins/SIZE/jsonl;
run `python3 bench/suite.py --size SIZE --shapes seed` once first), writes it in each
format with `cargo run --release --example write_formats` (the writer of
tests/formats_seed.rs) into target/bench-data/formats-SIZE/ (kept and reused), then runs
`kql run queries/suspicious-noninteractive-signins.kql --data DIR` on each folder. Per
format: input size, fastest wall time of N runs, CPU time (user + system) of that run,
peak memory (max RSS), the ratios to JSON lines, and whether the rows are the same
(sorted; datetimes to the millisecond, as the portal's CSV export writes them; the
sets make_set builds sorted, as their order follows the order the files are read in).
Standard library only.
"""
import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = os.path.join(ROOT, "queries", "suspicious-noninteractive-signins.kql")
NOW = "2026-05-18T12:00:00Z"
FORMATS = ["jsonl-split", "json-array", "log-analytics", "az-cli", "hunting", "graph",
           "portal-csv", "tsv", "streaming", "data-export", "kusto-v1", "kusto-v2",
           "portal-csv-gz", "jsonl-split-gz"]


def du(path):
    """MB of the files under `path`, each file once (the seed's folder links MyLogs_CL)."""
    seen = {}
    for base, _, files in os.walk(path):
        for f in files:
            st = os.stat(os.path.join(base, f))
            seen[(st.st_dev, st.st_ino)] = st.st_size
    return sum(seen.values()) / 1e6


def run(kql, data):
    """(wall s, cpu s, peak MB, stdout) of one run of the seed over `data`."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen([kql, "run", SEED, "--data", data, "--now", NOW, "--format", "csv"],
                             stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        if status != 0:
            raise RuntimeError(err.read().decode(errors="replace").strip().splitlines()[0])
        return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, out.read().decode()


DATETIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$")


def cell(c):
    """A cell as the comparison sees it: datetimes to the millisecond (the portal's CSV
    export writes milliseconds), sets (make_set's JSON arrays, whose order follows the
    rows' order, and a folder of files is read in its own order) sorted."""
    m = DATETIME.match(c)
    if m:
        return f"{m.group(1)}.{(m.group(2) or '')[:3]:0<3}Z"
    if c.startswith("["):
        try:
            return json.dumps(sorted(json.loads(c), key=json.dumps))
        except ValueError:
            return c
    return c


def measure(kql, data, runs):
    best = None
    for _ in range(runs):
        r = run(kql, data)
        if best is None or r[0] < best[0]:
            best = r
    wall, cpu, peak, out = best
    rows = sorted(tuple(cell(c) for c in row) for row in list(csv.reader(io.StringIO(out)))[1:])
    return wall, cpu, peak, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="M")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--kql", default=os.path.join(ROOT, "target", "release", "kql"))
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--out", help="where the formats are written and read (default "
                    "target/bench-data/formats-SIZE; a folder written by an older writer is "
                    "reused as it is: remove it to write it again)")
    a = ap.parse_args()
    base = os.path.join(ROOT, "target", "bench-data", "signins", a.size, "jsonl")
    if not os.path.isdir(base):
        sys.exit(f"{base} is missing: run python3 bench/suite.py --size {a.size} --shapes seed first")
    out = a.out or os.path.join(ROOT, "target", "bench-data", f"formats-{a.size}")
    formats = a.formats.split(",")
    missing = [f for f in formats if not os.path.isdir(os.path.join(out, f))]
    if missing:
        print(f"writing {', '.join(missing)} into {out} ...", flush=True)
        subprocess.run(["cargo", "run", "--quiet", "--release", "--example", "write_formats", "--",
                        base, out] + missing, cwd=ROOT, check=True)
    # The seed's own folder holds a third table (MyLogs_CL, a link) it does not read.
    wall0, cpu0, peak0, rows0 = measure(a.kql, base, a.runs)
    print(f"size {a.size}, fastest of {a.runs}; ratios to JSON lines (goal: time at most 1.5x)")
    print(f"{'format':16} {'MB':>6} {'wall s':>7} {'cpu s':>6} {'peak MB':>7} {'wall x':>6} {'cpu x':>6}  same rows")
    print(f"{'jsonl':16} {du(base):6.0f} {wall0:7.2f} {cpu0:6.2f} {peak0:7.0f} {1:6.2f} {1:6.2f}  -")
    met = 0
    for f in formats:
        d = os.path.join(out, f)
        try:
            wall, cpu, peak, rows = measure(a.kql, d, a.runs)
        except RuntimeError as e:
            print(f"{f:16} failed: {e}")
            continue
        same = "yes" if rows == rows0 else f"NO ({len(rows)} rows, {len(rows0)} expected)"
        met += wall / wall0 <= 1.5 and rows == rows0
        print(f"{f:16} {du(d):6.0f} {wall:7.2f} {cpu:6.2f} {peak:7.0f} {wall / wall0:6.2f} {cpu / cpu0:6.2f}  {same}")
    print(f"within 1.5x with the same rows: {met} of {len(formats)}")


if __name__ == "__main__":
    main()
