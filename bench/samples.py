#!/usr/bin/env python3
"""Do Azure-Sentinel's `Sample Data/` exports load whole, with typed datetimes?

    python3 bench/samples.py SAMPLES_DIR [--kql PATH] [--manifest bench/samples.tsv]
                             [--only SUBSTRING] [--json FILE] [-v]

SAMPLES_DIR holds sample files as they are in Azure/Azure-Sentinel (any folder layout;
`.csv`, `.tsv`, `.json`, `.jsonl` are read, other files ignored). Each file is put alone in a
fresh data folder under the name of the table it is (the value of its `Type` column when it
has one, as Log Analytics exports do; else its file name made an identifier), and kql is run
on it:

- `kql tables --data DIR --format json --columns`: the format and the column types;
- `kql run`: `T | count` (the rows kql loads) and `T` whole (so every value is converted and
  every conversion warning is printed).

The expected figures come from Python's own readers, not from kql: the `csv` module (UTF-8
with or without a BOM, the delimiter of the extension) counts the records after the header,
`json` the elements of an array, the records of the export envelopes kql reads
(`tables[0].rows`, `Results`, `records`, ...) or the values of a JSON-lines file. A column
is expected to be a datetime when its header carries ` [UTC]` / ` [Local Time]` or when
every non-empty value looks like one (ISO 8601, or the portal's `M/D/YYYY, h:mm:ss AM`).

`getschema` exports (a CSV whose header starts `ColumnName,` and has `ColumnType`) are schema
files, not data: each is given to `kql tables --schema` as `<Table>.csv` (the table: the file
name without `_Schema`) and its columns and types are compared with the file's. An ingested
export whose name shares the schema's prefix (`X_Schema.csv`, `X_IngestedLogs.csv`) is also
loaded with that schema.

`--manifest` (bench/samples.tsv lists the files measured, each with the commit it was read
at and its length in characters) first checks that SAMPLES_DIR holds every listed file at
that length, so a rerun measures the same bytes.

Per file it prints: OK or FAIL, rows expected/loaded, datetime columns typed/expected, the
warnings kql printed, and the first line of any error; then the totals. Exits 1 when a file
fails (an error, a row count that differs, a datetime column not typed datetime).
"""

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

csv.field_size_limit(1 << 30)

DATA_EXT = (".csv", ".tsv", ".json", ".jsonl")
SUFFIX = re.compile(r"\s*\[(UTC|Local Time)\]$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
# The portal writes datetimes in the browser's locale: `10/25/2023, 9:43:21.994 AM` (en-US),
# `2023-07-06, 12:58:42.533 a.m.` (es-MX, as in Sample Data/Syslog/Tomcat.csv), 24-hour forms.
PORTAL = re.compile(
    r"^(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}),? "
    r"\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?( ?[ap]\.?m\.?)?$",
    re.I,
)


CONFLICT = re.compile(r"^<<<<<<< ", re.M)


def looks_datetime(v):
    return isinstance(v, str) and (ISO.match(v.strip()) or PORTAL.match(v.strip()))


def ident(name):
    """A table name from a file name: its stem, non-identifier characters as `_`."""
    stem = name.split(".")[0]
    s = re.sub(r"[^A-Za-z0-9_]", "_", stem)
    return s if s and not s[0].isdigit() else "T_" + s


def read_text(path):
    with open(path, "rb") as f:
        raw = f.read()
    return raw.decode("utf-8-sig", errors="replace")


def is_getschema_header(header):
    names = [h.strip().strip('"').lower() for h in header]
    return bool(names) and names[0] == "columnname" and "columntype" in names


def expected_csv(path):
    """(rows, columns as {name: [values]}) of a delimited file, by the csv module."""
    delim = "\t" if path.lower().endswith(".tsv") else ","
    text = read_text(path)
    records = list(csv.reader(_lines(text), delimiter=delim))
    records = [r for r in records if r]  # blank lines are no records
    if not records:
        return 0, {}, []
    header = records[0]
    cols = {SUFFIX.sub("", h): [] for h in header}
    names = [SUFFIX.sub("", h) for h in header]
    for r in records[1:]:
        for n, v in zip(names, r):
            cols[n].append(v)
    return len(records) - 1, cols, header


def _lines(text):
    # csv.reader wants an iterable of lines that keeps the newlines inside quoted cells.
    import io

    return io.StringIO(text, newline="")


def json_records(path):
    """The records of a JSON file as kql's formats define them, or raise."""
    text = read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = None
        # JSON lines, or objects one after another.
        dec = json.JSONDecoder()
        out, i = [], 0
        while True:
            while i < len(text) and text[i] in " \t\r\n,":
                i += 1
            if i >= len(text):
                break
            v, i = dec.raw_decode(text, i)
            out.append(v)
        return _unwrap_stream(out)
    if isinstance(doc, list):
        if doc and isinstance(doc[0], dict) and "FrameType" in doc[0]:
            for f in doc:
                if f.get("FrameType") == "DataTable" and f.get("TableKind") == "PrimaryResult":
                    return _rows(f["Columns"], f["Rows"], "ColumnName")
        return doc
    if isinstance(doc, dict):
        keys = {k.lower(): k for k in doc}
        if "tables" in keys and isinstance(doc[keys["tables"]], list):
            t = doc[keys["tables"]][0]
            cols = t.get("columns") or t.get("Columns")
            name_key = "name" if cols and "name" in cols[0] else "ColumnName"
            return _rows(cols, t.get("rows") or t.get("Rows"), name_key)
        if "results" in keys:
            return doc[keys["results"]]
        if "records" in keys:
            return _unwrap_stream([doc])
        return [doc]
    raise ValueError("not a JSON object or array")


def _rows(columns, rows, name_key):
    names = [c[name_key] for c in columns]
    return [dict(zip(names, r)) for r in rows]


def _unwrap_stream(values):
    out = []
    for v in values:
        if isinstance(v, dict) and "records" in v and isinstance(v["records"], list):
            out.extend(v["records"])
        else:
            out.append(v)
    return out


def expected_json(path):
    recs = json_records(path)
    cols = {}
    for r in recs:
        if not isinstance(r, dict):
            continue
        props = r.get("properties") if str(r.get("category", "")).startswith("AdvancedHunting-") else None
        for k, v in (props or r).items():
            cols.setdefault(SUFFIX.sub("", k), []).append(v)
    return len(recs), cols, list(cols)


# Log Analytics custom-log columns carry their type in the name: `_t` datetime; `_s` string,
# `_g` guid, `_d` real, `_b` bool (so a `_s` column of date-like text stays a string).
NOT_DATETIME = re.compile(r"_[sgdb]$")


def datetime_columns(cols, header):
    marked = {SUFFIX.sub("", h) for h in header if SUFFIX.search(h)}
    out = set(marked)
    for name, vals in cols.items():
        present = [v for v in vals if v not in ("", None)]
        if present and all(looks_datetime(v) for v in present) and not NOT_DATETIME.search(name):
            out.add(name)
    return out


def table_of(cols, filename):
    types = {v for v in cols.get("Type", []) if isinstance(v, str) and v}
    if len(types) == 1:
        t = types.pop()
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", t):
            return t
    return ident(filename)


def run(cmd, stdin=None, timeout=120):
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def first_line(s):
    """The error's heading and, when it names one, its `--> file:line`."""
    lines = [line.strip() for line in s.splitlines() if line.strip()]
    out = lines[0][:200] if lines else ""
    if len(lines) > 1 and lines[1].startswith("-->"):
        out += " " + lines[1][:200]
    return out


def kql_load(kql, data_dir, table, schema=None):
    """What kql makes of a data folder's table: rows, column types, format, warnings, error."""
    extra = ["--schema", schema] if schema else []
    res = {"rows": None, "types": {}, "format": "", "warnings": [], "error": ""}
    rc, out, err = run([kql, "tables", "--data", data_dir, "--format", "json", "--columns"] + extra + [table])
    if rc != 0:
        res["error"] = "tables: " + first_line(err)
        return res
    info = [t for t in json.loads(out) if t["table"] == table]
    if not info:
        res["error"] = "tables: kql lists no table " + table
        return res
    res["types"] = {c["name"]: c["type"] for c in info[0]["columns"]}
    res["format"] = ", ".join(sorted({f["format"] for f in info[0]["files"]}))
    rc, out, err = run([kql, "run", "-q", "--data", data_dir, "--format", "json"] + extra + ["-"], f"{table} | count")
    if rc != 0:
        res["error"] = "count: " + first_line(err)
        return res
    res["rows"] = json.loads(out)["rows"][0][0]
    rc, out, err = run([kql, "run", "-q", "--data", data_dir, "--format", "jsonl"] + extra + ["-"], table)
    if rc != 0:
        res["error"] = "read: " + first_line(err)
        return res
    whole = sum(1 for line in out.splitlines() if line.strip())
    if whole != res["rows"]:
        res["error"] = f"read: {whole} rows read whole but {res['rows']} counted"
    res["warnings"] = [line for line in err.splitlines() if line.startswith("warning:")]
    return res


def check_data(kql, path, work, schema_for, verbose):
    name = os.path.basename(path)
    if CONFLICT.search(read_text(path)):
        return {"path": path,
                "skip": f"holds git conflict markers (`<<<<<<<`): not an export; kql: {kql_verdict(kql, path, work)}"}
    try:
        if name.lower().endswith((".csv", ".tsv")):
            rows, cols, header = expected_csv(path)
        else:
            rows, cols, header = expected_json(path)
    except Exception as e:  # not readable by Python either: reported, not counted as kql's failure
        return {"path": path, "skip": f"python cannot read it: {e}; kql: {kql_verdict(kql, path, work)}"}
    table = table_of(cols, name)
    d = tempfile.mkdtemp(dir=work)
    ext = ".json" if name.lower().endswith(".jsonl") else os.path.splitext(name)[1].lower()
    shutil.copy(path, os.path.join(d, table + ext))
    dts = datetime_columns(cols, header)
    runs = [("", kql_load(kql, d, table))]
    schema = schema_for.get(prefix_of(name))
    if schema:
        sd = tempfile.mkdtemp(dir=work)
        shutil.copy(schema, os.path.join(sd, table + ".csv"))
        runs.append((" +schema", kql_load(kql, d, table, os.path.join(sd, table + ".csv"))))
    results = []
    for tag, res in runs:
        typed = {c for c in dts if res["types"].get(c) == "datetime"}
        ok = not res["error"] and res["rows"] == rows and typed == dts
        results.append({
            "path": path + tag, "table": table, "format": res["format"], "expected": rows,
            "loaded": res["rows"], "dt_expected": len(dts), "dt_typed": len(typed),
            "dt_missing": sorted(dts - typed), "warnings": res["warnings"], "error": res["error"], "ok": ok,
        })
        if verbose and not res["error"]:
            rc, out, err = run([kql, "run", "-q", "--data", d, "-"], f"{table} | take 3")
            print(out[:2000])
    return results


def kql_verdict(kql, path, work):
    """What kql says of a file Python cannot read: its error (which should name the file
    and line), or the rows it read."""
    d = tempfile.mkdtemp(dir=work)
    table = ident(os.path.basename(path))
    shutil.copy(path, os.path.join(d, table + os.path.splitext(path)[1].lower()))
    rc, out, err = run([kql, "run", "-q", "--data", d, "--format", "json", "-"], f"{table} | count")
    return first_line(err) if rc != 0 else f"read {json.loads(out)['rows'][0][0]} rows"


def prefix_of(name):
    stem = name.split(".")[0]
    return re.sub(r"_(schema|ingestedlogs|ingestetlogs|inesgtedlogs)$", "", stem, flags=re.I).lower()


def getschema_columns(path):
    text = read_text(path)
    rows = list(csv.reader(_lines(text)))
    header = [h.strip().lower() for h in rows[0]]
    i, t = header.index("columnname"), header.index("columntype")
    return [(r[i], r[t]) for r in rows[1:] if len(r) > max(i, t)]


def check_schema(kql, path, work):
    """A getschema export given with --schema: listed by `kql tables` and read by `kql run`
    (the table's own getschema) with the file's columns and types."""
    name = os.path.basename(path)
    table = ident(re.sub(r"_schema$", "", name.split(".")[0], flags=re.I))
    try:
        want = getschema_columns(path)
    except Exception as e:
        return {"path": path, "skip": f"python cannot read it: {e}"}
    sd = tempfile.mkdtemp(dir=work)
    dd = tempfile.mkdtemp(dir=work)
    schema = os.path.join(sd, table + ".csv")
    shutil.copy(path, schema)
    res = {"path": path, "table": table, "schema": True, "expected": len(want), "loaded": None,
           "warnings": [], "error": "", "mismatch": []}
    rc, out, err = run([kql, "tables", "--data", dd, "--schema", schema, "--format", "json", "--columns", table])
    if rc != 0:
        res["mismatch"].append("tables: " + first_line(err))
    else:
        info = [t for t in json.loads(out) if t["table"] == table]
        got = [(c["name"], c["type"]) for c in info[0]["columns"]] if info else []
        res["loaded"] = len(got)
        if got != want:
            res["mismatch"].append("tables: " + "; ".join(
                f"{n}: {t} vs {dict(got).get(n)}" for n, t in want if dict(got).get(n) != t)[:200])
    rc, out, err = run([kql, "run", "-q", "--data", dd, "--schema", schema, "--format", "json", "-"],
                       f"{table} | getschema | project ColumnName, ColumnType")
    if rc != 0:
        res["mismatch"].append("run: " + first_line(err))
    else:
        got = [tuple(r) for r in json.loads(out)["rows"]]
        res["loaded"] = res["loaded"] if res["loaded"] is not None else len(got)
        if got != want:
            res["mismatch"].append("run: getschema differs")
    res["ok"] = not res["mismatch"]
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("samples")
    ap.add_argument("--kql", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "kql"))
    ap.add_argument("--manifest", default="")
    ap.add_argument("--only", default="")
    ap.add_argument("--json", default="")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    if args.manifest:
        bad = 0
        for line in open(args.manifest, encoding="utf-8"):
            if line.startswith("#") or not line.strip():
                continue
            path, commit, chars = line.rstrip("\n").split("\t")
            try:
                n = len(open(os.path.join(args.samples, path), encoding="utf-8", newline="").read())
            except OSError as e:
                n = f"missing ({e.strerror})"
            if n != int(chars):
                bad += 1
                print(f"MANIFEST  {path} (commit {commit[:10]}): {n} characters, expected {chars}")
        if bad:
            sys.exit(f"{bad} files differ from {args.manifest}")

    files = []
    for root, _, names in os.walk(args.samples):
        for n in sorted(names):
            if n.lower().endswith(DATA_EXT) and args.only in os.path.join(root, n):
                files.append(os.path.join(root, n))
    files.sort()

    schemas, data = [], []
    for p in files:
        if p.lower().endswith(".csv"):
            try:
                first = next(csv.reader(_lines(read_text(p))), [])
            except Exception:
                first = []
            if is_getschema_header(first):
                schemas.append(p)
                continue
        data.append(p)
    schema_for = {prefix_of(os.path.basename(p)): p for p in schemas}

    work = tempfile.mkdtemp(prefix="kql-samples-")
    results = []
    try:
        for p in data:
            r = check_data(args.kql, p, work, schema_for, args.verbose)
            results.extend(r if isinstance(r, list) else [r])
        for p in schemas:
            results.append(check_schema(args.kql, p, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rel = lambda p: os.path.relpath(p, args.samples)
    tot = dict(files=0, ok=0, rows_expected=0, rows_loaded=0, dt_expected=0, dt_typed=0, warnings=0, errors=0,
               schemas=0, schemas_ok=0, skipped=0)
    for r in results:
        if "skip" in r:
            tot["skipped"] += 1
            print(f"SKIP  {rel(r['path'])}: {r['skip']}")
            continue
        if r.get("schema"):
            tot["schemas"] += 1
            tot["schemas_ok"] += r["ok"]
            status = "OK  " if r["ok"] else "FAIL"
            detail = r["error"] or "; ".join(r.get("mismatch", []))
            print(f"{status}  schema  columns {r['expected']:>4}/{r['loaded'] if r['loaded'] is not None else '-':<4}"
                  f"  {rel(r['path'])} -> {r['table']}" + (f"  [{detail}]" if detail else ""))
            continue
        tot["files"] += 1
        tot["ok"] += r["ok"]
        tot["rows_expected"] += r["expected"]
        tot["rows_loaded"] += r["loaded"] or 0
        tot["dt_expected"] += r["dt_expected"]
        tot["dt_typed"] += r["dt_typed"]
        tot["warnings"] += len(r["warnings"])
        tot["errors"] += bool(r["error"])
        status = "OK  " if r["ok"] else "FAIL"
        loaded = r["loaded"] if r["loaded"] is not None else "-"
        print(f"{status}  rows {r['expected']:>5}/{loaded:<5}  datetime {r['dt_typed']:>2}/{r['dt_expected']:<2}"
              f"  warn {len(r['warnings']):>2}  {rel(r['path'])} -> {r['table']} ({r['format']})")
        if r["error"]:
            print(f"      error: {r['error']}")
        if r["dt_missing"]:
            print(f"      not datetime: {', '.join(r['dt_missing'][:8])}")
        for w in r["warnings"][:3]:
            print(f"      {w[:300]}")
    distinct = len({r["path"].replace(" +schema", "") for r in results if "skip" not in r and not r.get("schema")})
    print(f"\ndata files {distinct} ({tot['files']} loads, with a schema where one is given): {tot['ok']} OK; rows {tot['rows_loaded']}/{tot['rows_expected']} loaded; "
          f"datetime columns {tot['dt_typed']}/{tot['dt_expected']} typed; {tot['warnings']} warnings; "
          f"{tot['errors']} with errors; schema files {tot['schemas_ok']}/{tot['schemas']} OK; "
          f"{tot['skipped']} skipped (Python cannot read them either)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "totals": tot}, f, indent=1)
    sys.exit(0 if tot["ok"] == tot["files"] and tot["schemas_ok"] == tot["schemas"] else 1)


if __name__ == "__main__":
    main()
