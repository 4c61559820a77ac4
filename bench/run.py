#!/usr/bin/env python3
"""Benchmark: kql on the seed detection over generated sign-in logs, against DuckDB.

    python3 bench/run.py [--sizes S,M,L] [--gen PATH] [--kql PATH] [--data DIR] [--runs N]

For each size it generates the two tables with gen_signins.py (JSON lines, fixed --now;
reused when already generated), runs `kql run queries/suspicious-noninteractive-signins.kql`
and prints wall time, peak memory (max RSS) and rows out. When the `duckdb` Python package
is installed it also runs bench/seed.duckdb.sql over the same files (in a separate process,
so that its peak memory is its own), checks that both give the same rows (count, and the
severity, user, session, new-IP count and sign-in count of every row), and prints the ratios.

The generator is not part of this repository: it is taken from --gen, else $KQL_GEN_SIGNINS,
else ../shared/tools/gen_signins.py (beside the checkout). Standard library only (plus duckdb).
"""
import argparse
import csv
import io
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOW = "2026-05-18T12:00:00Z"
SIZES = {
    "S": ["--users", "1000", "--current-rows", "10000", "--history-rows", "100000"],
    "M": ["--users", "2000", "--current-rows", "40000", "--history-rows", "400000"],
    "L": ["--users", "10000", "--current-rows", "300000", "--history-rows", "3000000"],
}
QUERY = os.path.join(ROOT, "queries", "suspicious-noninteractive-signins.kql")
SQL = os.path.join(ROOT, "bench", "seed.duckdb.sql")
AAD = "AADNonInteractiveUserSignInLogs.jsonl"
ENTRA = "EntraIdSignInEvents.jsonl"


def measure(cmd, stdout):
    """Runs cmd; returns (wall seconds, peak RSS in MB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode


def generator(path):
    candidates = [path, os.environ.get("KQL_GEN_SIGNINS"),
                  os.path.join(ROOT, "..", "shared", "tools", "gen_signins.py")]
    for c in candidates:
        if c and os.path.isfile(c):
            return c
    sys.exit("bench: the data generator gen_signins.py was not found; give its path with "
             "--gen PATH or KQL_GEN_SIGNINS=PATH (default ../shared/tools/gen_signins.py)")


def generate(gen, size, data_dir):
    out = os.path.join(data_dir, size)
    if os.path.isfile(os.path.join(out, ENTRA)) and os.path.isfile(os.path.join(out, AAD)):
        return out
    os.makedirs(out, exist_ok=True)
    print(f"generating {size} into {out} ...", file=sys.stderr)
    subprocess.run([sys.executable, gen, *SIZES[size], "--now", NOW, "--format", "jsonl",
                    "--out", out], check=True, stdout=subprocess.DEVNULL)
    return out


def key_rows(rows):
    """The compared part of each row: severity, user, session, new IPs, sign-ins."""
    return sorted((r[0], r[1], r[2], int(r[7]), int(r[16])) for r in rows)


def run_kql(kql, data, runs):
    best = None
    for _ in range(runs):
        with open(os.path.join(data, "kql.out.csv"), "wb") as f:
            wall, mem, rc = measure([kql, "run", QUERY, "--data", data, "--now", NOW,
                                     "--format", "csv"], f)
        if rc != 0:
            sys.exit(f"bench: kql failed (exit {rc})")
        best = (wall, mem) if best is None or wall < best[0] else best
    with open(os.path.join(data, "kql.out.csv"), newline="") as f:
        rows = list(csv.reader(f))[1:]
    return best[0], best[1], rows


def run_duckdb(data, runs):
    best = None
    for _ in range(runs):
        with open(os.path.join(data, "duckdb.out.csv"), "wb") as f:
            wall, mem, rc = measure([sys.executable, __file__, "--duckdb-child", data], f)
        if rc != 0:
            sys.exit(f"bench: duckdb failed (exit {rc})")
        best = (wall, mem) if best is None or wall < best[0] else best
    with open(os.path.join(data, "duckdb.out.csv"), newline="") as f:
        rows = list(csv.reader(f))
    return best[0], best[1], rows


def duckdb_child(data):
    import duckdb
    sql = (open(SQL).read()
           .replace("{aad}", os.path.join(data, AAD))
           .replace("{entra}", os.path.join(data, ENTRA))
           .replace("{now}", NOW.replace("T", " ").replace("Z", "+00")))
    rows = duckdb.connect().execute(sql).fetchall()
    w = csv.writer(sys.stdout)
    for r in rows:
        w.writerow(["true" if v is True else "false" if v is False else v for v in r])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="S,M,L")
    ap.add_argument("--gen", help="path of gen_signins.py")
    ap.add_argument("--kql", help="kql binary (default: cargo build --release, target/release/kql)")
    ap.add_argument("--data", default=os.path.join(ROOT, "target", "bench-data"),
                    help="where generated data is kept (default target/bench-data)")
    ap.add_argument("--runs", type=int, default=1, help="runs per size; the fastest counts")
    ap.add_argument("--duckdb-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.duckdb_child:
        return duckdb_child(args.duckdb_child)
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    for s in sizes:
        if s not in SIZES:
            sys.exit(f"bench: unknown size {s} (S, M or L)")
    gen = generator(args.gen)
    kql = args.kql
    if not kql:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        kql = os.path.join(ROOT, "target", "release", "kql")
    try:
        import duckdb  # noqa: F401
        have_duckdb = True
    except ImportError:
        have_duckdb = False
        print("duckdb not installed (pip install duckdb): kql figures only", file=sys.stderr)

    header = f"{'size':4} {'input MB':>9} {'kql s':>7} {'kql MB':>7} {'rows':>6}"
    if have_duckdb:
        header += f" {'duckdb s':>9} {'duckdb MB':>10} {'time x':>7} {'mem x':>6}  same rows"
    print(header)
    for size in sizes:
        data = generate(gen, size, args.data)
        mb = sum(os.path.getsize(os.path.join(data, f)) for f in (AAD, ENTRA)) / 1e6
        kwall, kmem, krows = run_kql(kql, data, args.runs)
        line = f"{size:4} {mb:9.0f} {kwall:7.2f} {kmem:7.0f} {len(krows):6}"
        if have_duckdb:
            dwall, dmem, drows = run_duckdb(data, args.runs)
            same = len(drows) == len(krows) and key_rows(drows) == key_rows(krows)
            line += (f" {dwall:9.2f} {dmem:10.0f} {dwall / kwall:6.1f}x {dmem / kmem:5.1f}x"
                     f"  {'yes' if same else 'NO'} ({len(drows)} rows)")
        print(line, flush=True)


if __name__ == "__main__":
    main()
