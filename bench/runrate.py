#!/usr/bin/env python3
"""How many public detections `kql run` runs, on schema-shaped data, of those that
Microsoft's Kusto.Language binds cleanly with kql's shipped schemas.

    python3 bench/runrate.py CORPUS_DIR --kusto-language DIR [--kql PATH] [--schemas DIR]
                             [--cache FILE] [--timeout SECONDS] [--details FILE] [--only SUBSTR]
                             [--jobs N] [--keep DIR] [--literals]

CORPUS_DIR is a folder of `.kql` files, one query each, as `bench/agreement.py extract`
writes it (the corpus stays outside the repository). For every query:

1. Kusto.Language's verdict (`kqlcheck.js` in the folder given, `npm install` done
   there), with kql's shipped schemas as Sentinel has the tables, and again as Defender
   XDR has them. A query counts when it binds cleanly under one of the two (Sentinel
   first); it runs under that `--product`. Kusto's verdicts take a few minutes and are
   kept in `--cache` (default `CORPUS_DIR/../kusto-verdicts.json`).
2. A folder of data shaped by the schemas: three rows for every shipped table whose
   name the query mentions, in the schema's column order, with plausible values for the
   column's type and name (IP addresses in `*IP*` columns, hashes in `SHA256`, accounts
   in `*Upn*`, ...), timestamps in the minutes before `--now`. With `--literals`, the
   first two rows of a string column hold the first literal the query compares it with
   (`ActionType == "AntivirusReport"`), so that filters keep rows and what follows runs
   on them, and a string column the query reads as JSON (`parse_json(Col)`) holds a bag.
3. The query's own outside inputs, generated from its text: one file per
   `externaldata (cols) [URL] with (format=...)` with three rows of its declared columns
   (named as `kql externals` says it looks for it; a header when `ignoreFirstRecord`),
   one `<alias>.csv` per `_GetWatchlist('alias')` (its columns: `SearchKey` and every
   column a run names as unknown, learned by re-running, at most a few times), and a
   GeoIP database (a CSV mapping every IPv4 and IPv6 address to one city).
4. `kql run QUERY --data D --external-dir E --watchlists W --geoip G --now T --product P
   --format json -q` with a timeout; a run succeeds when kql exits 0.

It prints the run rate and the failures grouped by the first line of kql's message
(backquoted names kept for "not supported yet", folded otherwise), with one example
file each. `--details` writes every failure (file, product, message); `--keep DIR`
keeps the generated inputs of each query that runs (`DIR/<query>/{data,ext,wl}`).

Needs python3, node and a built kql (release: `cargo build --release`); nothing else.
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import types
import datetime
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import agreement  # noqa: E402  (its Kusto.Language runner and schema flavours)

NOW = datetime.datetime(2026, 5, 18, 12, 0, 0)
NOW_TEXT = "2026-05-18T12:00:00Z"


# ------------------------------------------------------------------ values --

def string_value(name, i, keys=()):
    """A plausible string for a column, by what its name says it holds."""
    n = name.lower()
    if re.search(r"(^|[a-z])ip(address|addresses|v4|v6)?$|ipaddr|^ip|clientip|callerip", n) and "ipo" not in n:
        return ["20.53.203.50", "10.0.0.4", "2a03:2880:f10c:83:face:b00c:0:25de"][i]
    if "sha256" in n:
        return ("%064x" % (0xabcdef0123 + i))
    if "sha1" in n:
        return ("%040x" % (0xabcdef0123 + i))
    if "md5" in n:
        return ("%032x" % (0xabcdef0123 + i))
    if n.endswith("url") or "uri" in n:
        return f"https://www.contoso{i}.com/path/file{i}.exe?x=1"
    if "upn" in n or "userprincipalname" in n or "email" in n or n.endswith("address") and "mail" in n:
        return f"user{i}@contoso.com"
    if n in ("accountname", "initiatingprocessaccountname", "username", "account"):
        return f"user{i}"
    if "domain" in n:
        return "contoso.com"
    if "devicename" in n or n in ("computer", "hostname", "computername"):
        return f"host{i}.contoso.com"
    if n.endswith("commandline"):
        return f"powershell.exe -ExecutionPolicy Bypass -File C:\\temp\\x{i}.ps1"
    if n.endswith("filename"):
        return ["powershell.exe", "cmd.exe", "rundll32.exe"][i]
    if n.endswith("folderpath") or n.endswith("path"):
        return f"C:\\Windows\\System32\\file{i}.exe"
    if n.endswith("port"):
        return str(443 + i)
    if n.endswith("id") and i < 3:
        return f"00000000-0000-0000-0000-00000000000{i + 1}"
    if n.endswith("json") or n in ("additionalfields", "raweventdata", "properties"):
        return json.dumps(bag(i, keys))
    return f"value{i}"


def bag(i, keys=()):
    """A dynamic bag; `keys` are the names a run asked for (`evaluate bag_unpack` makes
    columns of the data's keys, so the query's columns must be there)."""
    b = {"k": f"v{i}", "n": i, "list": [f"a{i}", f"b{i}"]}
    for k in keys:
        b.setdefault(k, string_value(k, i))
    return b


def value(name, ty, i, keys=()):
    t = (NOW - datetime.timedelta(minutes=1 + 20 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
    if ty == "string":
        return string_value(name, i, keys)
    return {
        "int": i + 1, "long": i + 1, "real": i + 0.5, "double": i + 0.5, "decimal": i + 0.5,
        "bool": i % 2 == 0, "boolean": i % 2 == 0, "datetime": t, "date": t, "timespan": "00:05:00",
        "guid": f"00000000-0000-0000-0000-00000000000{i + 1}",
        "dynamic": bag(i, keys),
    }.get(ty, string_value(name, i, keys))


def text_value(name, ty, i):
    v = value(name, ty, i)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return str(v)


# ---------------------------------------------------------- outside inputs --

EXTERNAL = re.compile(
    r"externaldata\s*\((?P<cols>[^)]*)\)\s*\[(?P<urls>.*?)\]\s*(?:with\s*\((?P<props>[^)]*)\))?",
    re.S | re.I)
# A `//` comment (not the `//` of a URL inside a string, which follows a `:`).
COMMENT = re.compile(r"(?<![:'\"])//[^\n]*")
WATCHLIST = re.compile(r"_GetWatchlist\s*\(\s*[@]?['\"]([^'\"]+)['\"]")


def declared_columns(text):
    cols = []
    for part in text.split(","):
        if ":" in part:
            n, t = part.split(":", 1)
            n = n.strip().strip("[]'\" @")
            if n:
                cols.append((n, t.strip().lower()))
    return cols


def write_external(path, cols, props):
    props = props or ""
    fmt = (re.search(r"format\s*=\s*['\"]?(\w+)", props, re.I) or [None, "csv"])[1].lower()
    header = re.search(r"ignoreFirstRecord\s*=\s*(true|@?['\"]true)", props, re.I)
    rows = [[text_value(n, t, i) for n, t in cols] for i in range(3)]
    if path.lower().endswith(".zip"):
        import zipfile
        inner = path + ".inner"
        write_external(inner, cols, props)
        with zipfile.ZipFile(path, "w") as z:
            z.write(inner, os.path.basename(path)[:-4] or "data")
        os.remove(inner)
        return
    if path.endswith(".gz"):
        import gzip
        opener = lambda p: gzip.open(p, "wt", encoding="utf-8")
    else:
        opener = lambda p: open(p, "w", encoding="utf-8", newline="")
    with opener(path) as f:
        if fmt in ("json", "multijson", "singlejson"):
            for i in range(3):
                f.write(json.dumps({n: value(n, t, i) for n, t in cols}) + "\n")
            return
        if fmt in ("txt", "raw"):
            for r in rows:
                f.write(r[0] + "\n")
            return
        sep = {"tsv": "\t", "tsve": "\t", "psv": "|", "scsv": ";", "sohsv": "\x01"}.get(fmt, ",")
        if header:
            f.write(sep.join(n for n, _ in cols) + "\n")
        for r in rows:
            f.write(sep.join(('"' + v.replace('"', '""') + '"') if sep in v or '"' in v else v
                             for v in r) + "\n")


def externals(kql, query, ext_dir):
    """Generate a copy of every externaldata source of the query; kql names them."""
    text = COMMENT.sub("", open(query, encoding="utf-8", errors="replace").read())
    decls = [(declared_columns(m.group("cols")), m.group("props")) for m in EXTERNAL.finditer(text)]
    if not decls:
        return
    r = subprocess.run([kql, "externals", query], capture_output=True, text=True, timeout=30)
    lines = [l for l in r.stdout.splitlines() if " -> " in l]
    # One line per URL, in query order; several URLs of one declaration follow each other.
    di = 0
    per_decl = [len(re.findall(r"['\"]", m.group("urls"))) // 2 or 1 for m in EXTERNAL.finditer(text)]
    counts = []
    for d, n in zip(decls, per_decl):
        counts += [d] * n
    for i, l in enumerate(lines):
        local = l.rsplit(" -> ", 1)[1].strip()
        if not local or "/" in local:
            continue
        cols, props = counts[i] if i < len(counts) else decls[min(di, len(decls) - 1)]
        if cols:
            write_external(os.path.join(ext_dir, local), cols, props)


def write_watchlist(path, cols):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(cols) + "\n")
        for i in range(3):
            f.write(",".join(string_value(c, i) for c in cols) + "\n")


# -------------------------------------------------------------------- runs --

def schemas_of(schema_dir, product):
    out = {}
    for f in sorted(os.listdir(schema_dir)):
        if f.endswith(".json"):
            with open(os.path.join(schema_dir, f)) as src:
                s = agreement.flavoured(json.load(src), product)
            out[s["name"]] = [(c["name"], c["type"]) for c in s["columns"]]
    return out


UNKNOWN_COLUMN = re.compile(r"unknown column(?: or variable)? `([^`]+)`")


# Operators that read tables the text need not name (`union *`, `search "x"`, `find`).
ALL_TABLES = re.compile(r"\bunion\s+(\w+\s*=\s*\w+\s*)*\*|^\s*(search|find)\b"
                        r"|\|\s*(search|find)\b(?!\s+in\b)", re.M | re.I)


# `Col == "x"`, `Col has 'x'`, `Col in ("x", ...)`: a literal the query compares a column with.
LITERAL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*(?:==|=~|!=|!~|\bhas(?:_cs)?\b|\bcontains\b|"
                     r"\bstartswith\b|\bendswith\b|\bhas_any\s*\(|\bin~?\s*\()\s*@?[\"']([^\"'\n]{1,200})[\"']")


def literals(text):
    """The first string literal the query compares each column with: the first two rows
    of a table hold it (the third keeps the column's default value), so that the
    query's filters keep some rows and the rest of the query runs on them too."""
    out = {}
    for m in LITERAL.finditer(COMMENT.sub("", text)):
        out.setdefault(m.group(1), m.group(2))
    return out


PARSED = re.compile(r"\b(?:parse_json|parsejson|todynamic|toobject)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)")
WILDCARD = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\*")


def write_tables(data, schemas, words, all_tables, keys, prefixes=(), lits=None, parsed=()):
    lits = lits or {}

    def cell(n, t, i):
        if t == "string" and n in lits and i < 2:
            return lits[n]
        if t == "string" and n in parsed:
            return json.dumps(bag(i, keys))
        return value(n, t, i, keys)

    for name, cols in schemas.items():
        if all_tables or name in words or any(name.startswith(p) for p in prefixes):
            rows = [{n: cell(n, t, i) for n, t in cols} for i in range(3)]
            with open(os.path.join(data, name + ".json"), "w") as f:
                json.dump(rows, f)


def run_one(args, query, product, schemas, geoip):
    text = open(query, encoding="utf-8", errors="replace").read()
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    all_tables = bool(ALL_TABLES.search(COMMENT.sub("", text)))
    # `union Device*`: the tables the wildcard matches.
    prefixes = WILDCARD.findall(COMMENT.sub("", text))
    lits = literals(text) if args.literals else {}
    # String columns the query reads as JSON hold a JSON bag (`parse_json(AuthenticationDetails)`).
    parsed = set(PARSED.findall(text)) if args.literals else set()
    d = tempfile.mkdtemp(prefix="kql-runrate-", dir=args.work)
    try:
        data, ext, wl = (os.path.join(d, x) for x in ("data", "ext", "wl"))
        for x in (data, ext, wl):
            os.mkdir(x)
        externals(args.kql, query, ext)
        aliases = WATCHLIST.findall(text)
        # Columns a run named as unknown: a watchlist's columns are its CSV's, and the
        # columns `bag_unpack` or `pivot` make are the data's keys, so plausible data
        # has them. Learned by running again, a few times at most.
        keys = []
        cmd = [args.kql, "run", query, "--data", data, "--now", NOW_TEXT, "--format", "json", "-q",
               "--product", product, "--external-dir", ext, "--watchlists", wl, "--geoip", geoip]
        for attempt in range(8):
            write_tables(data, schemas, words, all_tables, keys, prefixes, lits, parsed)
            for a in aliases:
                write_watchlist(os.path.join(wl, a + ".csv"), ["SearchKey"] + keys)
            try:
                r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
            except subprocess.TimeoutExpired:
                return "timeout", f"timeout after {args.timeout} s"
            if r.returncode == 0:
                if args.keep:
                    # The query's inputs, to vendor with it (tests/run_worklist).
                    keep = os.path.join(args.keep, os.path.splitext(os.path.basename(query))[0])
                    shutil.rmtree(keep, ignore_errors=True)
                    shutil.copytree(d, keep)
                return "ok", ""
            msg = r.stderr.strip()
            m = UNKNOWN_COLUMN.search(msg)
            if m and m.group(1) not in keys and (aliases or "bag_unpack" in text or "pivot" in text):
                keys.append(m.group(1))
                continue
            return "fail", msg
        return "fail", msg
    finally:
        shutil.rmtree(d, ignore_errors=True)


def geoip_csv(path):
    with open(path, "w") as f:
        f.write("network,country,state,city,latitude,longitude\n")
        for net in ("0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"):
            f.write(f"{net},Australia,New South Wales,Sydney,-33.8715,151.2006\n")


def first_line(msg):
    """The line of kql's message that says what went wrong (after any warnings)."""
    lines = [l for l in msg.splitlines() if l.strip()]
    for l in lines:
        if "error" in l.lower() or "not supported" in l:
            return l
    return lines[0] if lines else "(no message)"


def cause(msg):
    l = first_line(msg)
    l = re.sub(r"^.*?\.kql:\d+:\d+:\s*", "", l)
    l = re.sub(r"^(error|Error):\s*", "", l)
    if "not supported yet" in l:
        return l[:100]
    return re.sub(r"`[^`]*`", "`…`", l)[:100]


def verdicts(args, files):
    cache = args.cache or os.path.join(os.path.dirname(os.path.abspath(args.corpus)), "kusto-verdicts.json")
    if os.path.exists(cache):
        with open(cache) as f:
            v = json.load(f)
        if all(x in v for x in ("sentinel", "defender")) and all(f in v["sentinel"] for f in files):
            return v
    v = {}
    for product in ("sentinel", "defender"):
        ns = types.SimpleNamespace(schemas=args.schemas, product=product,
                                   kusto_language=args.kusto_language, corpus=args.corpus)
        v[product] = agreement.kusto(ns, files)
    with open(cache, "w") as f:
        json.dump(v, f)
    return v


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus")
    p.add_argument("--kusto-language", required=True)
    p.add_argument("--kql", default=os.path.join(REPO, "target", "release", "kql"))
    p.add_argument("--schemas", default=os.path.join(REPO, "schemas"))
    p.add_argument("--cache")
    p.add_argument("--timeout", type=float, default=20)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--details")
    p.add_argument("--only", help="run only the files whose name holds this")
    p.add_argument("--literals", action="store_true",
                   help="string cells take the literals the query compares their column with")
    p.add_argument("--keep", help="keep the inputs of each query that runs in DIR/<query>/")
    args = p.parse_args()
    files = sorted(f for f in os.listdir(args.corpus) if f.endswith(".kql"))
    v = verdicts(args, files)
    chosen = []
    for f in files:
        for product in ("sentinel", "defender"):
            k = v[product].get(f)
            if k and not k["crash"] and not k["errors"]:
                chosen.append((f, product))
                break
    if args.only:
        chosen = [c for c in chosen if args.only in c[0]]
    args.work = tempfile.mkdtemp(prefix="kql-runrate-")
    geoip = os.path.join(args.work, "geoip.csv")
    geoip_csv(geoip)
    schemas = {pr: schemas_of(args.schemas, pr) for pr in ("sentinel", "defender")}

    def one(c):
        f, product = c
        return c, run_one(args, os.path.join(args.corpus, f), product, schemas[product], geoip)

    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(one, chosen))
    shutil.rmtree(args.work, ignore_errors=True)
    ok = sum(1 for _, (s, _) in results if s == "ok")
    fails = [(c, m) for c, (s, m) in results if s != "ok"]
    n = len(results)
    by_product = collections.Counter(pr for _, pr in chosen)
    print(f"queries: {len(files)}; Kusto.Language binds {n} cleanly "
          f"({by_product['sentinel']} as Sentinel, {by_product['defender']} only as Defender XDR)")
    print(f"kql runs {ok} of {n} ({100.0 * ok / n:.1f}%)" if n else "nothing to run")
    groups = collections.defaultdict(list)
    for (f, _), m in fails:
        groups[cause(m)].append(f)
    print("failures by kql's message:")
    for c, fs in sorted(groups.items(), key=lambda x: -len(x[1]))[:40]:
        print(f"  {len(fs):4}  {c}\n          e.g. {fs[0]}")
    if args.details:
        with open(args.details, "w") as out:
            for (f, pr), m in fails:
                out.write(f"{f}\t{pr}\t{first_line(m)}\n")


if __name__ == "__main__":
    main()
